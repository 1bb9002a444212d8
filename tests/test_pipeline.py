"""The incremental ingest job on real parts: files → source store, Chroma and BM25."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SAMPLE_CORPUS, make_settings
from typer.testing import CliRunner

from qa.cli import app
from qa.components import Components, build

pytestmark = pytest.mark.model  # every test here builds the real embedder

BOILERPLATE = ("Leave a Reply", "Your email address will not be published")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def parts_for(tmp_path: Path) -> Components:
    return build(make_settings(tmp_path / "data", tmp_path / "docs"))


def consistent(parts: Components) -> None:
    """Chroma holds exactly the committed chunks, and every chunk is exact."""
    assert parts.store.ids() == parts.sources.chunk_ids()
    assert parts.store.count() == parts.sources.count_chunks()
    for chunk in parts.sources.all_chunks():
        text = parts.sources.get_text(chunk.document)
        assert text is not None and text[chunk.start : chunk.end] == chunk.text


def test_sample_ingest_reports_the_gap_and_excludes_boilerplate(sample: Components) -> None:
    doc = sample.sources.get_document("shadow-negotiation-28-point-plan.txt")
    assert doc is not None
    assert doc.text == (SAMPLE_CORPUS / "shadow-negotiation-28-point-plan.txt").read_text("utf-8")
    assert [g.announcement for g in doc.gaps] == ["According to reports, these included:"]
    chunks = sample.sources.chunks_for(doc.id)
    assert chunks
    assert not any(marker in c.text for c in chunks for marker in BOILERPLATE)
    assert any(marker in s.text for s in doc.excluded for marker in BOILERPLATE)
    assert doc.caption is not None and doc.caption.kind == "caption"
    assert not any(doc.caption.text in c.text for c in chunks)
    assert doc.title and doc.title.startswith("The Shadow Negotiation")
    consistent(sample)


def test_ingest_skips_unchanged_replaces_changed_and_prunes_removed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(
        docs, "a.md", "# Alpha\n\nThe alpha reactor runs on thorium salts. It was built in 1998.\n"
    )
    write(
        docs, "b.txt", "Beta notes\n\nThe beta bridge spans the Ostra river. It opened in 2004.\n"
    )
    parts = parts_for(tmp_path)
    first = parts.pipeline().run([docs])
    assert (first.new, first.unchanged, first.documents) == (2, 0, 2)
    assert first.embedded == first.chunks > 0
    consistent(parts)

    second = parts.pipeline().run([docs])
    assert (second.new, second.changed, second.unchanged, second.embedded) == (0, 0, 2, 0)

    write(
        docs, "a.md", "# Alpha\n\nThe alpha reactor now runs on uranium. It was rebuilt in 2020.\n"
    )
    old_ids = parts.sources.chunk_ids_for("a.md")
    third = parts.pipeline().run([docs])
    assert (third.changed, third.unchanged) == (1, 1)
    assert parts.sources.chunk_ids_for("a.md").isdisjoint(old_ids)
    assert "uranium" in (parts.sources.get_text("a.md") or "")
    consistent(parts)

    (docs / "b.txt").unlink()
    kept = parts.pipeline().run([docs])
    assert kept.removed == 0 and parts.sources.get_document("b.txt") is not None
    pruned = parts.pipeline().run([docs], prune=True)
    assert pruned.removed == 1
    assert parts.sources.get_document("b.txt") is None
    consistent(parts)
    assert parts.lexical.search("Ostra bridge", 5) == []
    assert parts.lexical.search("uranium reactor", 5)


def test_bad_files_are_reported_and_the_rest_is_ingested(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "good.txt", "Gamma report\n\nThe gamma telescope observes pulsars every night.\n")
    (docs / "empty.txt").write_text("   \n", encoding="utf-8")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (docs / "image.png").write_bytes(b"\x89PNG\r\n")
    parts = parts_for(tmp_path)
    report = parts.pipeline().run([docs])
    assert not report.ok
    failed = {Path(f["path"]).name for f in report.failed}
    assert failed == {"empty.txt", "binary.txt"}
    assert all(f["error"] for f in report.failed)
    assert [Path(p).name for p in report.skipped] == ["image.png"]
    assert parts.sources.get_document("good.txt") is not None
    consistent(parts)


def test_vectors_left_by_an_interrupted_run_are_removed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "a.txt", "Delta memo\n\nThe delta canal carries barges between two lakes.\n")
    parts = parts_for(tmp_path)
    parts.pipeline().run([docs])
    # A killed run can leave vectors that no committed document lists: simulate exactly that.
    orphan = parts.sources.all_chunks()[0]
    from dataclasses import replace

    stray = replace(orphan, id="stray-" + orphan.id)
    parts.store.upsert([stray], parts.embedder.embed_documents([stray.text]))
    assert parts.store.count() == parts.sources.count_chunks() + 1
    answer = parts.chain().ask("What does the delta canal carry?")
    assert all(c.chunk_id != stray.id for c in answer.citations)
    parts.pipeline().run([docs])
    consistent(parts)


def test_html_and_markdown_structure_reach_the_chunks(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(
        docs,
        "page.html",
        "<html><head><title>t</title><script>var x=1;</script></head><body>"
        "<nav>Home | About</nav><h1>Harbour plan</h1><p>The harbour will get a new pier.</p>"
        "<h2>Costs</h2><p>The pier costs 4 million euros.</p></body></html>",
    )
    parts = parts_for(tmp_path)
    report = parts.pipeline().run([docs])
    assert report.ok
    doc = parts.sources.get_document("page.html")
    assert doc is not None and "var x" not in doc.text
    sections = {c.section for c in parts.sources.chunks_for("page.html")}
    assert "Costs" in sections
    consistent(parts)


def test_cli_ingest_json_and_inspect(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    result = runner.invoke(app, ["ingest", str(SAMPLE_CORPUS), "--data-dir", data, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"documents", "chunks", "skipped", "failed", "gaps"} <= set(report)
    assert report["gaps"][0]["announcement"].endswith("these included:")
    again = json.loads(
        runner.invoke(app, ["ingest", str(SAMPLE_CORPUS), "--data-dir", data, "--json"]).stdout
    )
    assert again["unchanged"] == 1 and again["embedded"] == 0

    shown = runner.invoke(
        app, ["inspect", "shadow-negotiation-28-point-plan.txt", "--data-dir", data, "--json"]
    )
    assert shown.exit_code == 0, shown.output
    info = json.loads(shown.stdout)
    assert info["caption"]["kind"] == "caption"
    assert not any("Leave a Reply" in c["text"] for c in info["chunks"])
    assert any("Leave a Reply" in s["text"] for s in info["excluded"])

    missing = runner.invoke(app, ["inspect", "nope.txt", "--data-dir", data])
    assert missing.exit_code == 1
    assert "No document" in missing.output and "Traceback" not in missing.output


def test_cli_ask_json_and_bad_history(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    runner.invoke(app, ["ingest", str(SAMPLE_CORPUS), "--data-dir", data, "--json"])
    result = runner.invoke(
        app,
        [
            "ask",
            "Which earlier agreement does the article cite as a precedent?",
            "--data-dir",
            data,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert any("Budapest Memorandum" in c["quote"] for c in answer["citations"])
    bad = tmp_path / "history.json"
    bad.write_text("{not json", encoding="utf-8")
    failed = runner.invoke(app, ["ask", "why?", "--history", str(bad), "--data-dir", data])
    assert failed.exit_code == 1 and "history" in failed.output
    unknown = runner.invoke(app, ["ask", "why?", "--backend", "nope", "--data-dir", data])
    assert unknown.exit_code == 1 and "extractive" in unknown.output


def test_ingest_takes_string_paths_and_a_single_path(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(
        docs, "a.md", "# Alpha\n\nThe alpha reactor runs on thorium salts. It was built in 1998.\n"
    )
    parts = parts_for(tmp_path)
    first = parts.pipeline().run([str(docs)])
    assert (first.new, first.failed) == (1, [])
    again = parts.pipeline().run(str(docs))
    assert (again.unchanged, again.failed) == (1, [])
