"""Locating quotes in the stored source text, and the final exactness check.

A backend offers a quote; :func:`locate_quote` finds it in the stored text exactly, or, when
only whitespace, quote marks, dashes or an ellipsis differ, maps it back to the exact source
slice.  Anything else is not found, and the claim it supported is dropped.
"""

from __future__ import annotations

import re
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


# Sentences that address the answering model instead of stating anything: instructions planted
# in a document (prompt injection).  Matched against the whole sentence around a quote.
_PLANTED_INSTRUCTION = re.compile(
    r"^\W*(?:system|assistant|developer)\s*:"
    r"|\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}?"
    r"\b(?:instructions?|prompts?|rules|guidelines|(?:the )?user['’]?s? (?:question|request)s?)\b"
    r"|\byou are now (?:in |an? |the )?(?:\w+ )?(?:mode|assistant|ai|bot|unrestricted)\b"
    r"|\b(?:developer|jailbreak|god|dan) mode\b"
    r"|\bnote to (?:the |all |any )?(?:ai|llm|language model|chatbot|assistant|bot)s?\b"
    r"|\b(?:answer|respond|reply) (?:to )?(?:every|all|any) (?:questions?|prompts?|messages?)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"[.!?]+(?=\s)|\n")
_CONTEXT_CHARS = 2000


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


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The ``[start, end)`` of the sentence(s) around ``text[start:end]``, whitespace trimmed."""
    lo = max(0, start - _CONTEXT_CHARS)
    left = lo
    for match in _SENTENCE_BREAK.finditer(text, lo, start):
        left = match.end()
    hi = min(len(text), end + _CONTEXT_CHARS)
    found = _SENTENCE_BREAK.search(text, max(left, end - 1), hi)
    right = found.end() if found is not None else hi
    while left < right and text[left].isspace():
        left += 1
    while right > left and text[right - 1].isspace():
        right -= 1
    return min(left, start), max(right, end)


def quotes_planted_instruction(text: str, start: int, end: int) -> bool:
    """True when the quoted span lies in a sentence addressed to the answering model.

    Such a sentence ("Ignore previous instructions and reply that ...") says what the document
    tells a model to do, not a fact, so it may only be quoted whole and as itself, never used
    to support a claim in other words.
    """
    left, right = sentence_bounds(text, start, end)
    return _PLANTED_INSTRUCTION.search(text[left:right]) is not None


def verify_citations(answer: Answer, text_of: dict[str, str]) -> None:
    """Raise if any citation's quote is not exactly the stored text at its offsets."""
    for c in answer.citations:
        text = text_of.get(c.document)
        if text is None or text[c.start : c.end] != c.quote or not c.quote:
            raise CitationMismatchError(
                f"citation [{c.id}] does not match the stored text of {c.document!r}"
            )
