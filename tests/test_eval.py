"""The eval suite: dataset parsing, metrics on hand-built answers, reports, the CLI, end to end."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from eval.dataset import EvalCase, Thresholds, load_dataset
from eval.metrics import (
    DatasetRun,
    check_citation,
    check_thresholds,
    compute_metrics,
    judge_case,
    percentile,
)
from eval.report import render_html, render_markdown, write_report
from eval.runner import run_cli
from qa.errors import DatasetError
from qa.settings import Settings
from qa.types import Answer, Citation

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "eval"
CORPUS = ROOT / "corpus"
METRIC_KEYS = {
    "cases",
    "passed",
    "failures",
    "answer_accuracy",
    "refusal_recall",
    "refusal_precision",
    "over_refusal_rate",
    "hallucination_rate",
    "refusal_reason_accuracy",
    "invented_content_violations",
    "citation_exactness",
    "citation_support",
    "latency_ms_p50",
    "latency_ms_p95",
}
SOURCE = (
    "The most salient historical precedent cited as a cautionary tale was the 1994 Budapest "
    "Memorandum. According to reports, these included:"
)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- datasets -----------------------------------------------------------------------------------


def test_yaml_dataset_parses_cases_history_and_corpus() -> None:
    ds = load_dataset(DATA / "sample_small.yaml")
    assert ds.name == "sample-small"
    assert ds.corpus == CORPUS
    assert len(ds.cases) == 7
    followup = next(c for c in ds.cases if c.id == "followup-nuclear")
    assert [t.role for t in followup.history] == ["user", "assistant"]
    truncated = next(c for c in ds.cases if c.id == "truncated-concessions")
    assert truncated.expect == "refuse"
    assert truncated.refusal_reason == "source_truncated"


def test_jsonl_dataset_reads_header_and_skips_blank_lines() -> None:
    ds = load_dataset(DATA / "mini.jsonl")
    assert ds.name == "mini-jsonl"
    assert ds.corpus == CORPUS
    assert ds.thresholds.answer_accuracy == 0.5
    assert [c.id for c in ds.cases] == ["budapest", "mars"]


def test_jsonl_without_header_uses_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"id": 1, "question": "q?"}\n', encoding="utf-8")
    ds = load_dataset(path)
    assert ds.name == "plain"
    assert ds.corpus is None
    assert ds.cases[0].id == "1"


def _case(**fields: object) -> dict[str, object]:
    return {"id": "c1", "question": "What?", **fields}


MALFORMED = {
    "missing-question": ({"cases": [{"id": "c1"}]}, "c1", "question"),
    "missing-id": ({"cases": [{"question": "What?"}]}, "#1", "id"),
    "unknown-expect": ({"cases": [_case(expect="maybe")]}, "c1", "expect"),
    "unknown-reason": (
        {"cases": [_case(expect="refuse", refusal_reason="dunno")]},
        "c1",
        "refusal_reason",
    ),
    "wrong-type-list": (
        {"cases": [_case(answer_contains_any="Budapest")]},
        "c1",
        "answer_contains_any",
    ),
    "wrong-type-question": ({"cases": [_case(question=["a", "b"])]}, "c1", "question"),
    "unknown-field": ({"cases": [_case(answr_contains_any=["x"])]}, "c1", "answr_contains_any"),
    "bad-history-role": (
        {"cases": [_case(history=[{"role": "system", "content": "x"}])]},
        "c1",
        "history.0.role",
    ),
    "reason-without-refuse": (
        {"cases": [_case(refusal_reason="out_of_scope")]},
        "c1",
        "refusal_reason",
    ),
    "bad-threshold": (
        {"cases": [_case()], "thresholds": {"answer_acc": 0.9}},
        "-",
        "thresholds.answer_acc",
    ),
    "no-cases": ({"name": "x", "cases": []}, "-", "cases"),
    "second-case-bad": (
        {"cases": [_case(), {"id": "c2", "question": "Q", "expect": 3}]},
        "c2",
        "expect",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_dataset_names_file_case_and_field(tmp_path: Path, name: str) -> None:
    data, case_id, field = MALFORMED[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = info.value.message
    assert str(path) in message
    label = f"case {case_id}:" if case_id in ("-", "#1") else f"case {case_id!r}:"
    assert label in message
    assert f"'{field}'" in message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("cases: [id: x\n  - : :", "(file)"),
        ("- id: a\n  question: q\n", "(top level)"),
        ("", "(top level)"),
    ],
)
def test_unreadable_yaml_is_a_dataset_error(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(path) in info.value.message
    assert field in info.value.message


def test_duplicate_case_ids_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        yaml.safe_dump({"cases": [_case(), _case(question="Again?")]}), encoding="utf-8"
    )
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(path) in info.value.message
    assert "case 'c1'" in info.value.message
    assert "'id'" in info.value.message
    assert "duplicate" in info.value.message


def test_jsonl_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q"}\n{not json\n', encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    assert str(path) in info.value.message
    assert "line 2" in info.value.message


def test_default_dataset_is_the_packaged_sample() -> None:
    from eval.runner import default_dataset

    assert default_dataset() == ROOT / "eval" / "datasets" / "sample.yaml"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "eval" / "datasets").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_datasets_are_valid(path: Path) -> None:
    ds = load_dataset(path)
    assert ds.cases
    if ds.corpus is not None and ds.corpus.is_relative_to(ROOT):  # shared corpora live outside
        assert ds.corpus.is_dir()


def test_missing_dataset_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope\.yaml"):
        load_dataset(tmp_path / "nope.yaml")


# -- metrics on hand-built answers --------------------------------------------------------------


def _citation(quote: str, start: int | None = None, cid: int = 1) -> Citation:
    begin = SOURCE.index(quote) if start is None else start
    return Citation(
        id=cid,
        document="doc.txt",
        chunk_id="doc.txt#0",
        start=begin,
        end=begin + len(quote),
        quote=quote,
    )


def _answered(text: str, *quotes: str) -> Answer:
    return Answer(answer=text, citations=[_citation(q, cid=i + 1) for i, q in enumerate(quotes)])


def _refused(reason: str, text: str = "The documents do not say.") -> Answer:
    return Answer.model_validate({"answer": text, "refused": True, "refusal_reason": reason})


ANSWERABLE = EvalCase(
    id="budapest",
    question="Which precedent?",
    answer_contains_any=["budapest memorandum"],
    cited_contains_any=["Budapest Memorandum"],
)
TRUNCATED = EvalCase(
    id="concessions",
    question="What concessions?",
    expect="refuse",
    refusal_reason="source_truncated",
    must_not_contain=["NATO membership"],
)


def test_correct_refusal_scores_as_a_pass() -> None:
    result = judge_case(TRUNCATED, _refused("source_truncated", "The source is truncated there."))
    assert result.passed
    metrics = compute_metrics([result])
    assert metrics["refusal_recall"] == 1.0
    assert metrics["refusal_precision"] == 1.0
    assert metrics["refusal_reason_accuracy"] == 1.0
    assert metrics["hallucination_rate"] == 0.0
    assert metrics["failures"] == []


def test_refusal_with_the_wrong_reason_fails_the_case() -> None:
    result = judge_case(TRUNCATED, _refused("not_in_documents"))
    assert not result.passed
    assert compute_metrics([result])["refusal_reason_accuracy"] == 0.0
    assert compute_metrics([result])["refusal_recall"] == 1.0


def test_invented_list_item_is_a_violation() -> None:
    invented = Answer(answer="These included: NATO Membership renounced forever.")
    result = judge_case(TRUNCATED, invented)
    assert not result.passed
    assert result.violations == ["NATO membership"]
    metrics = compute_metrics([result])
    assert metrics["invented_content_violations"] == 1
    assert metrics["hallucination_rate"] == 1.0
    failed = [c.metric for c in check_thresholds(metrics) if not c.ok]
    assert "invented_content_violations" in failed


def test_forbidden_string_in_a_quote_is_a_violation() -> None:
    case = ANSWERABLE.model_copy(update={"must_not_contain": ["cautionary   TALE"]})
    answer = _answered("It cites the Budapest Memorandum [1].", "cited as a cautionary tale")
    assert judge_case(case, answer).violations == ["cautionary   TALE"]


def test_inexact_citation_lowers_exactness() -> None:
    exact = _citation("1994 Budapest Memorandum")
    shifted = _citation("1994 Budapest Memorandum", start=exact.start + 1, cid=2)
    answer = Answer(answer="The Budapest Memorandum [1][2].", citations=[exact, shifted])
    flags = [check_citation(c, SOURCE) for c in answer.citations]
    assert flags == [True, False]
    result = judge_case(ANSWERABLE, answer, exact=flags)
    metrics = compute_metrics([result])
    assert metrics["citation_exactness"] == 0.5
    assert [c.metric for c in check_thresholds(metrics) if not c.ok] == ["citation_exactness"]
    assert not check_citation(exact, None)


def test_answer_metrics_over_a_mixed_run() -> None:
    other = EvalCase(id="outlets", question="Who?", answer_contains_all=["Axios", "Times"])
    offtopic = EvalCase(id="mars", question="Mars?", expect="refuse")
    results = [
        judge_case(
            ANSWERABLE,
            _answered("The 1994 Budapest Memorandum [1].", "1994 Budapest Memorandum"),
            latency_ms=10,
        ),
        judge_case(other, _refused("not_in_documents"), latency_ms=20),
        judge_case(offtopic, _refused("out_of_scope"), latency_ms=30),
    ]
    metrics = compute_metrics(results)
    assert set(metrics) >= METRIC_KEYS
    assert metrics["cases"] == 3
    assert metrics["passed"] == 2
    assert metrics["failures"] == ["outlets"]
    assert metrics["answer_accuracy"] == 0.5
    assert metrics["over_refusal_rate"] == 0.5
    assert metrics["refusal_precision"] == 0.5
    assert metrics["refusal_recall"] == 1.0
    assert metrics["refusal_reason_accuracy"] is None  # no refuse-case names a reason
    assert metrics["citation_support"] == 0.5
    assert metrics["citation_exactness"] == 1.0  # no exactness flags given: nothing to check
    assert metrics["latency_ms_p50"] == 20.0
    assert metrics["latency_ms_p95"] == 29.0


def test_answer_without_expected_words_or_citation_fails() -> None:
    vague = Answer(answer="An agreement from the nineties.")
    result = judge_case(ANSWERABLE, vague)
    assert not result.passed
    assert not result.contains_ok
    assert not result.supported
    plain = EvalCase(id="p", question="Q?")
    assert not judge_case(plain, Answer(answer="Something.")).passed
    assert judge_case(plain, _answered("Something [1].", "historical precedent")).passed


def test_rates_without_a_denominator_are_none_and_gates_on_them_do_not_fail() -> None:
    metrics = compute_metrics([judge_case(TRUNCATED, _refused("source_truncated"))])
    assert metrics["answer_accuracy"] is None
    assert metrics["citation_support"] is None
    checks = check_thresholds(metrics, Thresholds(answer_accuracy=0.9))
    assert all(c.ok for c in checks)


def test_cli_overrides_win_over_dataset_thresholds() -> None:
    metrics = {"answer_accuracy": 0.8, "over_refusal_rate": 0.3, "invented_content_violations": 0}
    checks = check_thresholds(metrics, Thresholds(answer_accuracy=0.9), {"answer_accuracy": 0.75})
    assert all(c.ok for c in checks)
    checks = check_thresholds(metrics, None, {"over_refusal_rate": 0.2, "refusal_recall": None})
    assert [c.describe() for c in checks if not c.ok] == ["over_refusal_rate 0.3 > max 0.2"]


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5


# -- reports ------------------------------------------------------------------------------------


def _run() -> DatasetRun:
    hostile = EvalCase(id="<script>x</script>", question="a | b <b>?")
    results = [
        judge_case(TRUNCATED, _refused("source_truncated")),
        judge_case(
            ANSWERABLE, _answered("1994 Budapest Memorandum [1]", "1994 Budapest Memorandum")
        ),
        judge_case(hostile, Answer(answer="no citation")),
    ]
    metrics = compute_metrics(results)
    return DatasetRun("demo", "demo.yaml", "local", results, metrics, check_thresholds(metrics))


def test_markdown_report_has_a_row_per_case(tmp_path: Path) -> None:
    run = _run()
    text = render_markdown([run])
    for case_id in ("concessions", "budapest", "&lt;script&gt;x&lt;/script&gt;"):
        assert f"| {case_id} |" in text
    assert "a \\| b &lt;b&gt;?" in text
    assert "“1994 Budapest Memorandum”" in text
    assert "refused: source_truncated" in text
    assert "answered without a citation" in text
    write_report(tmp_path / "r.md", [run])
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == text


def test_html_report_is_escaped_and_self_contained(tmp_path: Path) -> None:
    run = _run()
    path = tmp_path / "out" / "report.html"
    write_report(path, [run])
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.count('<tr class="') == 3
    assert 'class="fail"' in page and 'class="pass"' in page
    assert "src=" not in page and "href=" not in page
    assert page == render_html([run])


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_malformed_dataset_exits_2_naming_the_field(tmp_path: Path) -> None:
    from qa.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"cases": [_case(expect="perhaps")]}), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["eval", "--dataset", str(path), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 2, result.output
    output = _flat(result.output)
    assert "'expect'" in output
    assert "'c1'" in output
    assert "bad.yaml" in output


# -- end to end through the real chain ----------------------------------------------------------


@pytest.fixture(scope="session")
def sample_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Components over the sample corpus, with the real model loaded once."""
    from qa.components import build

    settings = Settings(data_dir=tmp_path_factory.mktemp("eval-index"), corpus_dir=CORPUS)
    parts = build(settings)
    report = parts.pipeline().run([CORPUS])
    assert report.ok and report.chunks_total > 0
    yield parts
    parts.sources.close()


@pytest.mark.slow
def test_eval_end_to_end_on_the_sample_corpus(
    sample_parts: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa.components import Components

    assert isinstance(sample_parts, Components)
    parts = sample_parts
    report = tmp_path / "report.html"

    def reuse(settings: Settings) -> Components:
        assert Path(settings.data_dir) == Path(parts.settings.data_dir)
        return parts

    code = run_cli(
        settings=parts.settings,
        datasets=[DATA / "sample_small.yaml"],
        corpus=None,
        url=None,
        report=report,
        api_key=None,
        overrides={"answer_accuracy": None},
        as_json=True,
        console=Console(file=io.StringIO()),
        data_dir_given=True,
        build=reuse,
    )
    metrics = json.loads(capsys.readouterr().out)
    assert code == 0, metrics
    assert set(metrics) >= METRIC_KEYS
    assert metrics["cases"] == 7
    assert metrics["citation_exactness"] == 1.0
    assert metrics["invented_content_violations"] == 0
    page = report.read_text(encoding="utf-8")
    for case in load_dataset(DATA / "sample_small.yaml").cases:
        assert f'<td class="id">{case.id}</td>' in page


@pytest.mark.slow
def test_http_target_scores_like_the_local_chain(sample_parts: object) -> None:
    from fastapi.testclient import TestClient

    from eval.runner import HttpTarget, LocalTarget, run_dataset
    from qa.api.app import create_app
    from qa.components import Components

    assert isinstance(sample_parts, Components)
    dataset = load_dataset(DATA / "sample_small.yaml")
    local = run_dataset(dataset, LocalTarget(sample_parts))
    app = create_app(sample_parts.settings, components=sample_parts)
    with TestClient(app) as client:
        # Starlette's TestClient speaks the httpx API (on httpx2), which HttpTarget only uses.
        http = cast(httpx.Client, client)
        remote = run_dataset(dataset, HttpTarget("http://testserver", client=http))
        assert HttpTarget("http://testserver", client=http).source_text("missing.txt") is None
    assert [(r.case.id, r.got, r.passed) for r in remote.results] == [
        (r.case.id, r.got, r.passed) for r in local.results
    ]
    assert remote.metrics["citation_exactness"] == 1.0
    empty = next(r for r in remote.results if r.case.id == "empty-question")
    assert empty.got == "refused: invalid_request"
