"""Smoke tests of the benchmark harness's pure parts (no timing is asserted anywhere)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import measure, report
from benchmarks.questions import make_questions
from vectorstore import Chunk

TEXT = (
    "FastAPI declares request bodies with Pydantic models and validates them on every call. "
    "Dependencies are functions that the framework calls before the path operation runs. "
    "Background tasks run after the response has been sent to the client application. "
    "Each router groups related path operations under one common prefix and shared tags."
)


def _chunks() -> list[Chunk]:
    return [
        Chunk(f"c{i}", "doc.md", sentence, 0, len(sentence), title, i)
        for i, (sentence, title) in enumerate(
            zip(
                TEXT.split(". "),
                ["Request Body", "Dependencies", "Background Tasks", None],
                strict=True,
            )
        )
    ]


def test_benchmark_questions_are_deterministic_and_mostly_distinct() -> None:
    first = make_questions(_chunks(), 20, seed=3)
    assert first == make_questions(_chunks(), 20, seed=3)
    assert len(first) == 20
    assert len(set(first)) >= 15


def test_one_page_joins_every_file_of_the_corpus_in_path_order(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "guide").mkdir(parents=True)
    (corpus / "b.md").write_text("# B\n\nBee.\n", encoding="utf-8")
    (corpus / "guide" / "a.md").write_text("# A\n\nAy.\n", encoding="utf-8")
    (corpus / "notes.txt").write_text("Plain.", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    page = measure.one_page(corpus, tmp_path / "page")
    assert [p.name for p in page.iterdir()] == ["all.md"]
    text = (page / "all.md").read_text(encoding="utf-8")
    assert text == "# B\n\nBee.\n\n# A\n\nAy.\n\nPlain.\n"


def test_report_rewrite_keeps_the_hand_written_text(tmp_path: Path) -> None:
    result = {
        "command": "python -m benchmarks --quick",
        "quick": True,
        "total_s": 1.0,
        "corpus": "c",
        "model_load_s": 1.0,
        "machine": {
            "date": "d",
            "cpu": "cpu",
            "cpus": 2,
            "memory_gib": 1,
            "platform": "p",
            "python": "3.11",
            "torch": "t",
            "torch_threads": 2,
            "load_average_start": [0],
            "load_average_end": [0],
        },
        "ingest": dict.fromkeys(
            (
                "documents",
                "chunks",
                "chunk_tokens_mean",
                "chunk_tokens_max",
                "ingest_s",
                "runtime",
                "chunks_per_s",
                "documents_per_s",
                "peak_rss_mb",
                "ceiling_s",
                "ceiling_chunks_per_s",
                "langchain_s",
                "langchain_chunks",
                "langchain_chunks_over_window",
                "reingest_s",
                "reingest_process_s",
                "process_startup_s",
            ),
            1,
        ),
        "reingest_share": 0.01,
        "ingest_vs_ceiling": 0.9,
        "answers": {
            name: dict.fromkeys((*report.ANSWER_COLUMNS, *report.DENSE_COLUMNS), 1)
            for name in ("sample", "fastapi", "one page")
        },
    }
    for figures in result["answers"].values():  # type: ignore[attr-defined]
        figures["exact_vs_hnsw"] = 0.25
    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\nNotes by hand.\n", encoding="utf-8")
    report.write(path, result)
    report.write(path, {**result, "ingest_vs_ceiling": 0.5})
    text = path.read_text(encoding="utf-8")
    assert "Notes by hand." in text
    assert text.count(report.BEGIN) == 1
    assert "| `ingest_vs_ceiling` | 0.5 | >= 0.85 | missed |" in text
    assert "| fastapi | 1 | 1 | 1 | 1 | 0.25 | 1 |" in text  # the dense search table
    assert "| one page | 1 | 1 | 1 | 1 | 1 | 1 |" in text  # every corpus measured
    assert "| Verbatim ingest (1) | 1 |" in text  # the runtime of ingest's forward pass


def test_pdf_layout_measure_reads_every_page_both_ways(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "two.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    figures = measure.measure_pdf_layout([path, path], rounds=1)
    assert figures["pdf_pages"] == 4
    assert figures["pdf_plain_s"] >= 0 and figures["pdf_layout_s"] >= 0


def test_benchmark_pdf_option_refuses_a_missing_file(tmp_path: Path) -> None:
    import pytest

    from benchmarks.__main__ import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--only", "pdf", "--pdf", str(tmp_path / "none.pdf")])
    assert parse_args(["--only", "pdf", "--pdf", str(Path(__file__))]).pdf == [Path(__file__)]
