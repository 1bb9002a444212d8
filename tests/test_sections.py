"""The generator of questions for what a section says (eval/sections.py), on a page written here."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import write_corpus

from eval.sections import generate, main, section_questions
from eval.truncation import load_corpora

PAGE = """# Tidewater

Tidewater predicts the tides of a harbour from the readings of its gauges.

## Gauges

Every gauge is read once an hour by the keeper on duty. Readings go into the log.

## Setup

Install it:

## Notes

Short.
"""


def test_a_question_per_section_with_prose_citing_its_first_sentences(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "tidewater.md").write_text(PAGE)
    [document] = load_corpora([corpus])
    cases = section_questions(document, per_document=5)
    questions = {c["question"]: c["cited_contains_any"] for c in cases}
    # "Setup" holds only an introduction, "Notes" no sentence of eight words: no question.
    assert questions == {
        'What does the documentation say about "Tidewater"?': ["Tidewater predicts the tides of"],
        'What does the documentation say about "Gauges" in "Tidewater"?': [
            "Every gauge is read once"
        ],
    }
    assert all(c["expect"] == "answer" for c in cases)
    assert len(section_questions(document, per_document=1)) == 1


def test_generate_writes_a_tune_and_a_test_part_over_the_whole_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"page{i}.md").write_text(PAGE.replace("Tidewater", f"Tidewater{i}"))
    counts = generate([corpus], tmp_path / "out", per_document=2)
    assert sum(counts.values()) == 12 and min(counts.values()) > 0
    test = yaml.safe_load((tmp_path / "out" / "test" / "sections.yaml").read_text())
    assert test["corpus"] == str(corpus.resolve()) and len(test["cases"]) == counts["test"]
    assert main(["--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2


def test_html_pages_are_asked_about_in_their_stored_text(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "gauges.html").write_text(
        "<html><head><title>Tidewater</title></head><body><h1>Gauges</h1>"
        "<p>Every <code>gauge</code> is read once an hour by the keeper on duty.</p>"
        "</body></html>"
    )
    [document] = load_corpora([corpus], rendered=True)
    assert load_corpora([corpus]) == []  # cut copies are made of files read as they are
    [case] = section_questions(document, per_document=2)
    assert case["question"] == 'What does the documentation say about "Gauges"?'
    [opening] = case["cited_contains_any"]
    assert opening in document.text and opening.startswith("Every gauge is read")


def test_question_headings_are_asked_in_their_own_words(tmp_path: Path) -> None:
    page = (
        "# Tidewater FAQ\n\n## Why is there no float?\n\nSilt fills the well of a float "
        "gauge within a month.\n\n## Gauges\n\nEvery gauge is read once an hour by the keeper.\n"
    )
    corpus = write_corpus(tmp_path / "docs", {"faq.md": page})
    [document] = load_corpora([corpus])
    cases = section_questions(document, per_document=5, question_headings=True)
    assert [(c["question"], c["cited_contains_any"]) for c in cases] == [
        ("Why is there no float?", ["Silt fills the well of"])
    ]
    counts = generate([corpus], tmp_path / "out", per_document=5, question_headings=True)
    assert sum(counts.values()) == 1
