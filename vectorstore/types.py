"""Value types shared by every layer: documents, their spans, gaps and chunks.

They live in ``vectorstore`` because it is the bottom layer (``ingest`` and ``qa`` import it,
it imports neither), so one definition serves everybody.  All offsets are ``[start, end)``
character offsets into ``Document.text``, the stored text that citations are checked against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """A tagged region of a stored text (excluded boilerplate, a caption, ...)."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class Block:
    """A structural block of a stored text, from the format's parser.

    ``kind`` is one of ``heading``, ``paragraph``, ``list_item``, ``code``, ``table``,
    ``quote``, ``figure`` (an image's alternative text, HTML only), ``term`` (a described
    object's term, HTML only: a heading that is quoted too) or ``boilerplate``, and for a
    :attr:`Document.item_parts` entry ``item_text`` or ``item_code``; ``level`` is a heading's
    (or term's) level or a list item's nesting depth.  ``ends_in_link``: the
    block's text ends with a link's text (HTML only; Markdown keeps the link's markup in the text).
    """

    start: int
    end: int
    kind: str
    level: int = 0
    ends_in_link: bool = False


# A list item's paragraphs and code blocks after its first paragraph: kept apart from the
# document's blocks (Document.item_parts).
ITEM_PART_KINDS = frozenset({"item_text", "item_code"})
# Blocks of code (a page's, or a list item's): laid out in lines that mean something.
CODE_KINDS = frozenset({"code", "item_code"})


@dataclass(frozen=True)
class Candidate:
    """An answer candidate inside a chunk: a sentence or a list item, with its role.

    ``role`` is one of ``sentence``, ``list_item``, ``list_intro`` (a sentence introducing a
    list), ``code`` (a whole code block), ``table_row`` or ``quote``.  Headings, underlines,
    fence markers and bare markup are never candidates.
    """

    start: int
    end: int
    role: str = "sentence"


@dataclass(frozen=True)
class Section:
    """A heading and the body region it governs: ``[start, end)`` covers the body text."""

    title: str
    level: int
    heading_start: int
    heading_end: int
    start: int
    end: int


@dataclass(frozen=True)
class Gap:
    """A place where the text announces content it does not contain.

    ``offset`` is where the missing content should have started (the end of the announcing
    sentence); ``start``/``end`` delimit the announcing sentence itself.
    """

    document: str
    offset: int
    announcement: str
    start: int
    end: int
    kind: str = "announced_list_missing"


@dataclass
class Document:
    """A loaded, analysed document: stored text plus structure, excluded spans and gaps."""

    id: str
    path: str
    text: str
    content_hash: str
    media_type: str = "text/plain"
    title: str | None = None
    sections: list[Section] = field(default_factory=list)
    excluded: list[Span] = field(default_factory=list)
    caption: Span | None = None
    gaps: list[Gap] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    # A list item's paragraphs and code blocks after its first paragraph (which is the item):
    # answers quote them apart from the item; list questions and gaps read the item whole.
    item_parts: list[Block] = field(default_factory=list)

    def to_dict(self, *, with_text: bool = True) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Inverse of :meth:`to_dict` (with text)."""
        return cls(
            id=data["id"],
            path=data["path"],
            text=data["text"],
            content_hash=data["content_hash"],
            media_type=data.get("media_type", "text/plain"),
            title=data.get("title"),
            sections=[Section(**s) for s in data.get("sections", [])],
            excluded=[Span(**s) for s in data.get("excluded", [])],
            caption=Span(**data["caption"]) if data.get("caption") else None,
            gaps=[Gap(**g) for g in data.get("gaps", [])],
            blocks=[Block(**b) for b in data.get("blocks", [])],
            item_parts=[Block(**b) for b in data.get("item_parts", [])],
        )


@dataclass(frozen=True)
class Chunk:
    """A piece of a document's stored text: ``document.text[start:end] == text`` always."""

    id: str
    document: str
    text: str
    start: int
    end: int
    section: str | None = None
    index: int = 0
    # Answer candidates inside the chunk (absolute offsets) and one unit vector per candidate,
    # float16, row-major (``len(candidates) x dimension``); empty when not computed.
    candidates: tuple[Candidate, ...] = ()
    vectors: bytes = field(default=b"", repr=False, compare=False)

    def metadata(self) -> dict[str, Any]:
        """Chroma-safe metadata (no None values)."""
        return {
            "document": self.document,
            "start": self.start,
            "end": self.end,
            "section": self.section or "",
            "index": self.index,
        }
