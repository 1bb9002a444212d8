"""Locating quotes in the stored source text, and the final exactness check.

A backend offers a quote; :func:`locate_quote` finds it in the stored text exactly, or, when
only whitespace, quote marks, dashes or an ellipsis differ, maps it back to the exact source
slice.  Anything else is not found, and the claim it supported is dropped.
"""

from __future__ import annotations

from functools import lru_cache

from qa.errors import VerbatimError
from qa.types import Answer

_TRANSLATE = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u00a0": " ",
}


class CitationMismatchError(VerbatimError):
    """A citation's quote differs from the stored text at its offsets (a bug; never shipped)."""

    code = "citation_mismatch"


def _normalise_char(ch: str) -> str:
    return _TRANSLATE.get(ch, ch).lower()


@lru_cache(maxsize=64)
def _normalised(text: str) -> tuple[str, tuple[int, ...]]:
    """Text with whitespace runs collapsed and quote/dash variants unified, plus an index map."""
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not prev_space:
                out.append(" ")
                index.append(i)
            prev_space = True
            continue
        out.append(_normalise_char(ch))
        index.append(i)
        prev_space = False
    return "".join(out), tuple(index)


def _normalise_quote(quote: str) -> str:
    q = quote.strip().strip("\"“”‘’'").strip()
    for ellipsis in ("...", "…"):
        q = q.strip(ellipsis).strip()
    norm, _ = _normalised(q)
    return norm.strip()


def locate_quote(
    text: str, quote: str, hint: tuple[int, int] | None = None
) -> tuple[int, int] | None:
    """Exact ``[start, end)`` of ``quote`` in ``text`` (preferring the ``hint`` region), or None."""
    if not quote or not quote.strip():
        return None
    stripped = quote.strip()
    if hint is not None:
        pos = text.find(stripped, max(0, hint[0] - len(stripped)), hint[1] + len(stripped))
        if pos >= 0:
            return pos, pos + len(stripped)
    pos = text.find(stripped)
    if pos >= 0:
        return pos, pos + len(stripped)
    needle = _normalise_quote(quote)
    if len(needle) < 3:
        return None
    hay, index = _normalised(text)
    pos = hay.find(needle)
    if pos < 0:
        return None
    start = index[pos]
    end = index[pos + len(needle) - 1] + 1
    return start, end


def verify_citations(answer: Answer, text_of: dict[str, str]) -> None:
    """Raise if any citation's quote is not exactly the stored text at its offsets."""
    for c in answer.citations:
        text = text_of.get(c.document)
        if text is None or text[c.start : c.end] != c.quote or not c.quote:
            raise CitationMismatchError(
                f"citation [{c.id}] does not match the stored text of {c.document!r}"
            )
