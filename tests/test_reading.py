"""A chunk is embedded as its reader sees it: link targets, badges and directive lines are
spaces, every offset stays where it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import ingested

from ingest.analyze import analyze_loaded
from ingest.loaders import load_file
from ingest.reading import reading_text
from vectorstore import Document

BADGES_MD = (
    "# Tidewater\n\n"
    "[![Build Status](https://ci.example.org/tidewater.svg?branch=main)](https://ci.example.org/tw)\n"
    "[![PyPI](https://img.example.org/pypi/v/tidewater.svg)][pypi]\n\n"
    "Tidewater predicts harbour tides from [gauge readings](https://gauges.example.org/list) "
    'and the <a href="https://moon.example.org">moon</a>.\n\n'
    "```html\n<div>kept as it is</div>\n```\n\n"
    "[pypi]: https://pypi.org/project/tidewater\n"
)
BADGES_RST = (
    "Tidewater\n=========\n\n"
    "|build| |pypi|\n\n"
    "Tidewater predicts harbour tides from `gauge readings <https://gauges.example.org/>`__, "
    "thanks to |Sponsor|, not ``|literal|``.\n\n"
    ".. note::\n\n   The gauges are read every ten minutes.\n\n"
    "+------+-------+\n| tide | quay  |\n+------+-------+\n\n"
    ".. |build| image:: https://ci.example.org/tidewater.svg\n"
    ".. |pypi| image:: https://img.example.org/pypi/tidewater.svg\n"
    ".. |Sponsor| replace:: the Harbour Trust\n"
)


def _document(tmp_path: Path, name: str, text: str) -> Document:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return analyze_loaded("doc", str(path), load_file(path))


def _read(document: Document) -> str:
    read = reading_text(document, 0, len(document.text))
    assert len(read) == len(document.text)
    assert [i for i, c in enumerate(read) if c == "\n"] == [
        i for i, c in enumerate(document.text) if c == "\n"
    ]
    return read


def test_markdown_is_read_without_link_targets_badges_and_tags(tmp_path: Path) -> None:
    document = _document(tmp_path, "tidewater.md", BADGES_MD)
    read = _read(document)
    assert "Build Status" not in read and "PyPI" not in read  # the row of badges
    assert "ci.example.org" not in read and "moon.example.org" not in read
    assert "[gauge readings]" in read and "moon" in read and "<a " not in read
    assert "<div>kept as it is</div>" in read  # code is no markup
    assert "# Tidewater" in read
    # Whatever is left is at its own offset.
    assert all(c == " " or c == document.text[i] for i, c in enumerate(read))


def test_restructuredtext_is_read_without_badges_addresses_and_directives(tmp_path: Path) -> None:
    document = _document(tmp_path, "tidewater.rst", BADGES_RST)
    read = _read(document)
    assert "|build|" not in read and "|Sponsor|" not in read
    assert "`gauge readings " in read and "`__," in read and "gauges.example.org" not in read
    assert "``|literal|``" in read  # a literal is text
    assert ".. note::" not in read and "The gauges are read every ten minutes." in read
    assert "| tide | quay  |" in read  # a table's borders stay
    assert all(c == " " or c == document.text[i] for i, c in enumerate(read))


def test_html_and_plain_text_are_read_as_stored(tmp_path: Path) -> None:
    for name, text in (
        ("tide.html", "<html><body><p>Tides [rise](x) at <b>noon</b>.</p></body></html>"),
        ("tide.txt", "Tides [rise](https://x.example.org) twice a day. |a| b\n"),
    ):
        document = _document(tmp_path, name, text)
        assert reading_text(document, 0, len(document.text)) == document.text


def test_a_readmes_chunk_is_embedded_without_its_badges(tmp_path: Path) -> None:
    """The stored vector is the reading's: the badges over the opening paragraph no longer
    weigh on it (real ingest, model and Chroma)."""
    corpus = tmp_path / "readme"
    corpus.mkdir()
    badges = "".join(
        f"[![{n} status](https://img.example.org/{n}/tidewater.svg?branch=main&style=flat)]"
        f"(https://ci.example.org/tidewater/{n}?view=summary)\n"
        for n in ("build", "coverage", "docs", "chat", "downloads", "license")
    )
    page = (
        f"# Tidewater\n\n{badges}\nTidewater predicts harbour tides from gauge readings. "
        "Its name comes from the water that rises and falls with the tide.\n"
    )
    (corpus / "README.md").write_text(page, encoding="utf-8")
    parts = ingested(tmp_path / "data", corpus)
    chunk = next(iter(parts.sources.get_chunks(parts.sources.chunk_ids()).values()))
    _, stored = parts.store.vectors([chunk.id])
    document = parts.sources.get_document(chunk.document)
    assert document is not None
    read, raw = parts.embedder.embed_documents(
        [reading_text(document, chunk.start, chunk.end), chunk.text]
    )
    assert float(np.dot(stored[0], read)) > 0.99
    assert float(np.dot(stored[0], raw)) < 0.95
    question = np.asarray(parts.embedder.embed_query("Where does the name Tidewater come from?"))
    assert float(question @ np.asarray(read)) > float(question @ np.asarray(raw))
