"""Bare markup is never an answer, even where a chunk holds nothing else."""

from __future__ import annotations

from pathlib import Path

from helpers import assert_exact, ingested

BADGES = "".join(
    f".. image:: https://img.example.org/{name}/badge.svg?branch=main&style=flat\n"
    f"  :target: https://ci.example.org/projects/tidewater/{name}/latest?view=summary\n"
    f"  :alt: {name.title()} status for tidewater\n"
    for name in ("build", "coverage", "docs", "chat", "downloads", "version", "license")
)
PROSE = (
    "\nTidewater is a library for predicting harbour tides from gauge readings. "
    "It reads the gauges every ten minutes and fits a harmonic model to them.\n"
)


def test_a_chunk_of_badges_offers_no_answer(tmp_path: Path) -> None:
    corpus = tmp_path / "readme"
    corpus.mkdir()
    (corpus / "tidewater.rst").write_text(BADGES + PROSE, encoding="utf-8")
    parts = ingested(tmp_path / "data", corpus)
    chunks = parts.sources.get_chunks(parts.sources.chunk_ids())
    # The badges fill a chunk of their own, which holds no answer candidate.
    assert any(not c.candidates and ".. image::" in c.text for c in chunks.values())
    for question in ("What is the tidewater build status?", "What does the documentation say?"):
        answer = parts.chain().ask(question)
        assert not any(".. image::" in c.quote or ":target:" in c.quote for c in answer.citations)
        assert_exact(answer, parts.sources)


WORKS = (
    "# Harbour works\n\nThe works on the north quay start in April and last two years. "
    "The council chose the contractors in a public tender.\n\n"
    "> **Note:** Parking on the quay is closed during the works.\n\n"
    "| Phase | Start | End |\n|-------|-------|-----|\n"
    "| Sea wall | April 2024 | May 2025 |\n| Channel | June 2025 | March 2026 |\n"
)


def test_table_rows_and_quotations_answer_like_sentences(tmp_path: Path) -> None:
    """No role is silenced: a table row answers under its header, a quoted note answers."""
    corpus = tmp_path / "works"
    corpus.mkdir()
    (corpus / "works.md").write_text(WORKS, encoding="utf-8")
    parts = ingested(tmp_path / "data", corpus)
    row = parts.chain().ask("When does the sea wall phase end?")
    assert not row.refused, row.answer
    quotes = [c.quote for c in row.citations]
    assert "| Sea wall | April 2024 | May 2025 |" in quotes
    assert quotes.index("| Phase | Start | End |") < quotes.index(
        "| Sea wall | April 2024 | May 2025 |"
    )
    note = parts.chain().ask("Is parking allowed on the quay during the works?")
    assert not note.refused, note.answer
    assert any("Parking on the quay is closed" in c.quote for c in note.citations)
    for answer in (row, note):
        assert_exact(answer, parts.sources)
