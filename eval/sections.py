"""Questions for what a section says, generated from a corpus's headings.

    python -m eval.sections --corpus ../shared/corpora/fastapi-docs --out DIR [--per-document 2]
        [--question-headings]

For up to ``--per-document`` sections of each page (a stable draw among the sections whose body
holds a sentence of prose), one question in the words a reader of a table of contents uses:
"What does the documentation say about "<heading>"?", or "... about "<heading>" in "<page
title>"?" for a section below the page's title. With ``--question-headings``, only the sections
whose heading is itself a question (a FAQ's "Why is there no goto?"), each asked in the heading's
own words. The expected answer cites one of the section's first sentences. The whole corpus
is indexed, so the question must find its section among all pages. Pages are split into tune
and test parts by the hash :mod:`eval.truncation` uses; writes ``DIR/tune/sections.yaml`` and
``DIR/test/sections.yaml``, whose ``corpus`` is the corpus itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from eval.truncation import (
    MAX_CONTROL_SENTENCES,
    TEST_SHARE,
    fragment,
    load_corpora,
    plain,
    prose_sentences,
    split_of,
)
from vectorstore.types import Document


def section_questions(
    document: Document, per_document: int, *, question_headings: bool = False
) -> list[dict[str, Any]]:
    """Cases for up to ``per_document`` sections of ``document`` (with ``question_headings``,
    of its sections headed by a question, asked as the heading asks it)."""
    title = plain(document.title or "")
    found: list[tuple[str, dict[str, Any]]] = []
    for section in document.sections:
        opening = [
            fragment(document.text, s, e)
            for s, e in prose_sentences(document, section.start, section.end)
        ][:MAX_CONTROL_SENTENCES]
        topic = plain(section.title)
        if not opening or not topic or (question_headings and not topic.endswith("?")):
            continue
        where = f'"{topic}" in "{title}"' if title and title != topic else f'"{topic}"'
        case = {
            "id": f"{document.id}-{section.heading_start}".replace("/", "-").replace(".", "-"),
            "question": topic
            if question_headings
            else f"What does the documentation say about {where}?",
            "expect": "answer",
            "refusal_reason": None,
            "cited_contains_any": opening,
            "must_not_contain": [],
            "tags": ["section", f"level-{section.level}"],
        }
        key = hashlib.sha256(f"{document.id}\n{section.heading_start}".encode()).hexdigest()
        found.append((key, case))
    return [case for _, case in sorted(found, key=lambda pair: pair[0])[:per_document]]


def generate(
    corpora: Sequence[Path],
    out: Path,
    *,
    per_document: int,
    test_share: float = TEST_SHARE,
    question_headings: bool = False,
) -> dict[str, int]:
    """Write the tune and test datasets; return the number of cases of each."""
    if len(corpora) != 1:
        raise ValueError("give one --corpus: the datasets index it whole")
    documents = load_corpora(corpora, rendered=True)
    if not documents:
        raise ValueError(f"no document ingest reads in {corpora[0]}")
    parts: dict[str, list[dict[str, Any]]] = {"tune": [], "test": []}
    for document in documents:
        parts[split_of(document.id, test_share)].extend(
            section_questions(document, per_document, question_headings=question_headings)
        )
    for split, cases in parts.items():
        path = out / split / "sections.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"name": f"sections-{split}", "corpus": str(corpora[0].resolve()), "cases": cases}
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return {split: len(cases) for split, cases in parts.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m eval.sections", description=__doc__)
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--per-document", type=int, default=2)
    parser.add_argument("--test-share", type=float, default=TEST_SHARE)
    parser.add_argument(
        "--question-headings",
        action="store_true",
        help="only sections headed by a question, asked in the heading's words",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"error: no such corpus folder: {args.corpus}", file=sys.stderr)
        return 2
    try:
        counts = generate(
            [args.corpus],
            args.out,
            per_document=args.per_document,
            test_share=args.test_share,
            question_headings=args.question_headings,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
