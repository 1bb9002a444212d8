"""Answer candidates: the sentences and list items of a stored text, each with its role.

A candidate is what an answer may quote.  They are read from the document's blocks
(:mod:`ingest.blocks`):

- ``paragraph``: each sentence is a candidate, ``list_intro`` when it ends with a colon (it
  introduces what follows), else ``sentence``;
- ``list_item``: the item is one candidate (role ``list_item``), without its bullet or number
  marker, so ``text[start:end]`` is the item's own words; an item that goes on past its first
  paragraph (Markdown, reStructuredText, HTML: ``Document.item_parts``) is that paragraph, and each
  further paragraph of it gives its sentences (role ``list_item``: they are the item's text, not
  the page's prose), each code block in it a ``code`` candidate.
  What lies between them (an admonition's or a directive's markup line) is no candidate, so a
  quoted item never carries a code block or markup;
- ``code``: the whole block is one candidate (role ``code``), or none when the range given cuts
  it;
- ``table``: each row is a candidate (role ``table_row``; a grid table's row is its lines
  between two borders); separator rows are not;
- ``quote``: each sentence, role ``quote``;
- ``term``: a described object's term (HTML: Sphinx's signature, DocBook's option,
  ``--num-callers=<number> [default: 12]``), which heads its description's section, is one
  candidate too (role ``list_item``, as the term of a list): it states the object's form and
  defaults, which its description may not repeat;
- ``heading`` and ``boilerplate``: never.

Text in no block (directive and markup lines, HTML comments, front matter), paragraphs made only
of images (a row of badges, a logo, with their links), lines made only of
markup (``///``, ``{* ... *}``, template tags such as Hugo's ``{{< figure ... >}}`` or
Jinja's ``{% include ... %}``, fences, underlines), the caption and the excluded spans are never
candidates.  Documents stored without blocks fall back to a line reading: sentences, with a
bullet or number opening a ``list_item`` and a trailing colon a ``list_intro``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from ingest.blocks import BLANK_LINE, ITEM_PART_MEDIA_TYPES
from ingest.chunking import split_sentences
from vectorstore.language import BULLET
from vectorstore.types import Block, Candidate, Document

_LIST_MARKER = re.compile(
    rf"^\s*(?:{BULLET}\s+|(?:\d{{1,3}}|#)[.)]\s+|[a-zA-Z][.)]\s+|\(\w{{1,3}}\)\s+)"
)
_QUOTE_MARKER = re.compile(r"^\s*(?:>\s*)+")
_MARKUP_ONLY = re.compile(
    r"^\s*(?:#+\s*|[-*+]\s*|[-=~^_*#:|+. `'\"<>]+|`{3,}.*|~{3,}.*|/{3,}.*|\{\*.*\*\}|"
    r"\.\.\s.*|<[^>]*>|\{\{.*\}\}|\{%.*%\})\s*$"
)
# Images (Markdown inline or reference, HTML), then the links left empty around them:
# a paragraph with nothing else is a row of badges or a logo, markup to the reader.
_IMAGES = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])|<img\b[^>]*>", re.IGNORECASE)
_EMPTY_LINKS = re.compile(r"\[\s*\](?:\([^)]*\)|\[[^\]]*\])|<a\b[^>]*>\s*</a\s*>", re.IGNORECASE)
_TABLE_SEPARATOR = re.compile(r"^\s*[|+]?[\s:=|+-]*[-=][\s:=|+-]*$")
# A grid table's border: "+----+-----+" (or with "=" under its header row).
_GRID_BORDER = re.compile(r"^\s*\+(?:[-=]+\+)+\s*$")
_MARKS_LINE = re.compile(r"[-=~^_*#:|+. `'\"<>]+[ \t]*\n\s*")
_EMPTY_ELEMENTS_LINE = re.compile(r"\s*\n[ \t]*(?:<([a-zA-Z][\w-]*)\b[^<>]*>\s*</\1>[ \t]*)+$")
_TRAILING_MARKUP = re.compile(r"[\s*_`)\]]+$")
MIN_CHARS = 3


def answer_candidates(
    document: Document, start: int = 0, end: int | None = None
) -> list[Candidate]:
    """The candidates inside ``document.text[start:end]``, in text order."""
    text = document.text
    stop = len(text) if end is None else end
    blocked = _blocked_spans(document)
    if document.blocks:
        parts = document.item_parts if document.media_type in ITEM_PART_MEDIA_TYPES else None
        found = _from_blocks(text, document.blocks, start, stop, parts)
    else:
        found = _from_lines(text, start, stop)
    return [c for c in found if not any(a <= c.start < b for a, b in blocked)]


def candidate_role(sentence: str) -> str:
    """``list_intro`` for a sentence ending in a colon, else ``sentence``."""
    return "list_intro" if introduces(sentence) else "sentence"


def introduces(text: str) -> bool:
    """Whether the text ends in a colon (markup after it aside): it introduces what follows."""
    return _TRAILING_MARKUP.sub("", text).endswith(":")


def list_item_span(text: str, block: Block) -> tuple[int, int]:
    """The words of a list item block, without its bullet or number marker."""
    marker = _LIST_MARKER.match(text[block.start : block.end])
    start = block.start + marker.end() if marker else block.start
    return start, block.end


def item_lead(document: Document, block: Block, following: Block | None) -> tuple[int, int]:
    """The words of a list item: :func:`list_item_span`, and for Markdown, reStructuredText and
    HTML only its first paragraph (``following`` is the block after the item's, which starts a
    nested list when it lies inside the item)."""
    start, end = list_item_span(document.text, block)
    if document.media_type not in ITEM_PART_MEDIA_TYPES:
        return start, end
    return start, _lead_end(document.text, start, end, following)


def _lead_end(text: str, start: int, end: int, following: Block | None) -> int:
    """The item is its first paragraph: a directive's line after it is markup, and a list
    nested in it without a blank line between is items of its own."""
    blank = BLANK_LINE.search(text, start, end)
    lead_end = blank.start() if blank else end
    if following is not None and start < following.start < lead_end:
        lead_end = following.start
    return lead_end


def _from_blocks(
    text: str, blocks: Sequence[Block], start: int, stop: int, parts: Sequence[Block] | None
) -> list[Candidate]:
    out: list[Candidate] = []
    part_starts = [p.start for p in parts or ()]
    for index, block in enumerate(blocks):
        if block.end <= start or block.start >= stop:
            continue
        if block.kind == "code":
            if start <= block.start and block.end <= stop:
                out.append(Candidate(block.start, block.end, "code"))
        elif block.kind == "list_item":
            item_start, item_end = list_item_span(text, block)
            lead_end = item_end
            inside: list[Block] = []
            if parts is not None:
                first = bisect.bisect_right(part_starts, item_start)
                last = bisect.bisect_left(part_starts, item_end, first)
                inside = [p for p in parts[first:last] if p.end <= item_end]
                following = blocks[index + 1] if index + 1 < len(blocks) else None
                lead_end = min(
                    [_lead_end(text, item_start, item_end, following)] + [p.start for p in inside]
                )
            _add(out, text, max(item_start, start), min(lead_end, stop), "list_item")
            for part in inside:
                kind = "code" if part.kind == "item_code" else "item_text"
                out.extend(
                    _from_blocks(text, [Block(part.start, part.end, kind)], start, stop, None)
                )
        elif block.kind == "term":
            _add(out, text, max(block.start, start), min(block.end, stop), "list_item")
        elif block.kind == "table":
            for row_start, row_end in table_rows(
                text, max(block.start, start), min(block.end, stop)
            ):
                _add(out, text, row_start, row_end, "table_row")
        elif block.kind in ("paragraph", "quote", "item_text"):
            if only_images(text[block.start : block.end]):
                continue
            for s, e in split_sentences(text, max(block.start, start), min(block.end, stop)):
                # A quote's lines open with its marks; so do those of a GitHub alert, read as
                # the page's paragraph (ingest.blocks).
                marker = _QUOTE_MARKER.match(text[s:e]) if block.kind != "item_text" else None
                s = s + marker.end() if marker else s
                if block.kind == "quote":
                    _add(out, text, s, e, "quote")
                elif block.kind == "item_text":
                    _add(out, text, s, e, "list_item")  # still the item's text, not the page's
                else:
                    _add(out, text, s, e, candidate_role(text[s:e]))
    return out


def only_images(block_text: str) -> bool:
    """A paragraph of images (badges, a logo), with their links and tags and nothing else."""
    return not re.search(r"\w", _EMPTY_LINKS.sub("", _IMAGES.sub("", block_text)))


def _from_lines(text: str, start: int, stop: int) -> list[Candidate]:
    out: list[Candidate] = []
    for s, e in split_sentences(text, start, stop):
        piece = text[s:e]
        role = "list_item" if _LIST_MARKER.match(piece) else candidate_role(piece)
        _add(out, text, s, e, role)
    return out


def _add(out: list[Candidate], text: str, start: int, end: int, role: str) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # A line of marks opening a sentence is markup of its own: AsciiDoc's "+" joining a list
    # item's next paragraph, a bar or a rule left before the text.
    while (mark := _MARKS_LINE.match(text, start, end)) and mark.end() < end:
        start = mark.end()
    # A last line of empty elements shows nothing: an anchor for a link to point at, written
    # on the line under a list item (Rust's release notes: '<a id="1.95-Compatibility-Notes">
    # </a>' after an item, which its quote carried).
    if text.endswith(">", start, end) and (empty := _EMPTY_ELEMENTS_LINE.search(text, start, end)):
        end = empty.start()
    piece = text[start:end]
    if len(piece.strip()) < MIN_CHARS or _MARKUP_ONLY.match(piece):
        return
    if only_images(piece):
        return
    out.append(Candidate(start=start, end=end, role=role))


def table_rows(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """A table's rows, separator lines left out.  In a grid table (rows ruled off by border
    lines such as ``+-----+-----+``) a row is the run of lines between two borders: its cells'
    text wraps onto the next lines ("| `loop.depth` | Indicates how deep in a recursive loop |"
    / "|  | the rendering currently is. |"); otherwise it is a line."""
    lines = _lines(text, start, stop)
    if not any(_GRID_BORDER.match(text[s:e]) for s, e in lines):
        return [(s, e) for s, e in lines if not _TABLE_SEPARATOR.match(text[s:e])]
    rows: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for s, e in [*lines, (stop, stop)]:
        if s == stop or _TABLE_SEPARATOR.match(text[s:e]):
            if run:
                rows.append((run[0][0], run[-1][1]))
            run = []
        else:
            run.append((s, e))
    return rows


def _lines(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < stop:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline == -1 else newline
        spans.append((pos, line_end))
        pos = line_end + 1
    return spans


def heading_labels(document: Document) -> list[tuple[int, int]]:
    """The spans of the headings that label text and state nothing: every section's heading
    but a described object's term, which heads its section and is quoted too (see ``term``
    above)."""
    terms = {(b.start, b.end) for b in document.blocks if b.kind == "term"}
    return [
        (s.heading_start, s.heading_end)
        for s in document.sections
        if (s.heading_start, s.heading_end) not in terms
    ]


def _blocked_spans(document: Document) -> Sequence[tuple[int, int]]:
    spans = heading_labels(document)
    spans += [(x.start, x.end) for x in document.excluded]
    if document.caption is not None:
        spans.append((document.caption.start, document.caption.end))
    return spans
