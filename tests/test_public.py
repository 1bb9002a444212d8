"""The public datasets' tune/test split and their gates (tiny inputs written by the test)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from eval.dataset import load_dataset
from eval.public import build_nomiracl, build_squad, gates_for, part_of


def test_split_is_stable_and_uses_both_parts() -> None:
    keys = [f"doc-{i}" for i in range(200)]
    parts = [part_of(k) for k in keys]
    assert parts == [part_of(k) for k in keys]
    assert 60 < parts.count("tune") < 140


def squad_article(title: str) -> dict[str, object]:
    qas = [
        {
            "id": f"{title}-a",
            "question": "What did the mill make?",
            "is_impossible": False,
            "answers": [{"text": "paper", "answer_start": 14}],
        },
        {
            "id": f"{title}-b",
            "question": "What did the dam make?",
            "is_impossible": True,
            "answers": [],
        },
    ]
    return {"title": title, "paragraphs": [{"context": "The mill made paper.", "qas": qas}]}


def test_squad_parts_are_split_by_article_and_balanced(tmp_path: Path) -> None:
    titles = [f"Article {i}" for i in range(12)]
    source = tmp_path / "squad.json"
    source.write_text(json.dumps({"data": [squad_article(t) for t in titles]}))
    counts = build_squad(source, tmp_path / "out")
    tune = {t for t in titles if part_of(t) == "tune"}
    assert counts["tune-all"] == 2 * len(tune)
    assert counts["test"] == 2 * (len(titles) - len(tune))
    test = load_dataset(tmp_path / "out" / "squad-test.yaml")
    assert {c.expect for c in test.cases} == {"answer", "refuse"}
    assert all(c.cited_contains_any == ["paper"] for c in test.cases if c.expect == "answer")
    assert (
        test.thresholds is not None
        and test.thresholds.pass_rate == gates_for("squad-test")["pass_rate"]
    )
    corpus = {p.name for p in (tmp_path / "out" / "squad-test" / "corpus").iterdir()}
    assert corpus and not corpus & {
        p.name for p in (tmp_path / "out" / "squad-tune" / "corpus").iterdir()
    }


def test_nomiracl_rows_become_documents(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"q{i}",
            "question": "Who built it?",
            "context": "[1] A: text.",
            "answerable": i % 2 == 0,
        }
        for i in range(20)
    ]
    source = tmp_path / "n.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows))
    counts = build_nomiracl(source, tmp_path / "out")
    assert counts["tune"] + counts["test"] == 20
    data = yaml.safe_load((tmp_path / "out" / "nomiracl-test.yaml").read_text())
    assert data["thresholds"]["invented_content_violations"] == 0
    assert gates_for("sample-tune") == {}
