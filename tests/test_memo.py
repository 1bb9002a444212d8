"""PerDocument: values derived from a document are kept for that document object only."""

from __future__ import annotations

import pytest

from qa.memo import PerDocument
from qa.types import Document, Section


def document(title: str) -> Document:
    text = f"{title}\n\nBody.\n"
    return Document(
        "d", "d.md", text, "same-hash", sections=[Section(title, 1, 0, len(title), 0, 0)]
    )


def test_a_value_is_computed_once_per_document_object() -> None:
    calls: list[str] = []

    def first_title(doc: Document) -> str:
        calls.append(doc.id)
        return doc.sections[0].title

    titles = PerDocument(first_title)
    tides, rivers = document("Tides"), document("Rivers")
    assert titles(tides) == titles(tides) == "Tides"
    assert len(calls) == 1
    # Equal ids and hashes do not share an entry: the object itself is the key.
    assert titles(rivers) == "Rivers"
    assert len(calls) == 2


def test_a_document_that_is_gone_is_not_mistaken_for_a_new_one() -> None:
    """A new object may reuse a freed one's id; it gets its own value."""
    titles = PerDocument(lambda doc: doc.sections[0].title)
    for n in range(50):
        assert titles(document(f"Title {n}")) == f"Title {n}"


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        PerDocument(lambda doc: doc.id, size=0)
