"""Answer candidates: the sentences and list items of a stored text, each with its role.

A candidate is what an answer may quote.  Headings, underlines, fence markers and bare markup
lines are never candidates; text inside excluded spans (boilerplate) and the caption is not
either.  Roles:

- ``list_item``: a line opening with a bullet or a number marker (``-``, ``*``, ``1.``);
- ``list_intro``: a sentence ending in a colon (it introduces what follows);
- ``sentence``: everything else.

This first version reads lines; the structure parser refines roles from ``Document.blocks``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.chunking import split_sentences
from vectorstore.types import Candidate, Document

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+|[a-z][.)]\s+)")
_MARKUP_ONLY = re.compile(r"^\s*(?:#+\s*|[-*+]\s*|[-=~^_*#:|+. ]+|`{3,}\w*|~{3,}\w*)\s*$")
MIN_CHARS = 3


def answer_candidates(
    document: Document, start: int = 0, end: int | None = None
) -> list[Candidate]:
    """The candidates inside ``document.text[start:end]``, in text order."""
    text = document.text
    stop = len(text) if end is None else end
    blocked = _blocked_spans(document)
    out: list[Candidate] = []
    for s, e in split_sentences(text, start, stop):
        piece = text[s:e]
        if len(piece.strip()) < MIN_CHARS or _MARKUP_ONLY.match(piece):
            continue
        if any(a <= s < b for a, b in blocked):
            continue
        out.append(Candidate(start=s, end=e, role=_role(piece)))
    return out


def _role(piece: str) -> str:
    if _LIST_MARKER.match(piece):
        return "list_item"
    if piece.rstrip().endswith(":"):
        return "list_intro"
    return "sentence"


def _blocked_spans(document: Document) -> Sequence[tuple[int, int]]:
    spans = [(s.heading_start, s.heading_end) for s in document.sections]
    spans += [(x.start, x.end) for x in document.excluded]
    if document.caption is not None:
        spans.append((document.caption.start, document.caption.end))
    return spans
