"""Lists as answers: the items that follow a list introduction, and claims made of them.

Pure functions over a stored :class:`~vectorstore.types.Document` and its blocks, for the
answer backends:

- :func:`list_items_after` finds the list a sentence introduces ("... the following:"): the run
  of list-item blocks right after the block holding the introduction, at the depth of the first
  item (deeper, nested items belong to their parent and are skipped). Anything else in between
  (a heading, boilerplate, a paragraph) means the list is not there: the result is empty. Inside
  a list item, only its last paragraph introduces its nested list. Blocks inside an item (a
  tab's label over its example: ``.. tab:: Unix`` is a heading) are parts of it.
- :func:`shown_under_labels` finds the code an introduction shows when labels of indented
  content (tabs: ``.. tab:: Unix`` over its example) stand between them: the first tab's.
- :func:`table_after` finds the table an introduction announces, right after it: its rows.
- :func:`led_by` says which of these a candidate leads (a table's header row leads its rows):
  the one reading shared by the chain (which chunks join the evidence) and the backends.
- :func:`term_over` finds the described object's term a passage lies under.
- :func:`list_question_form` reads what a question asks of a list: ``count`` ("how many"),
  ``first``, ``last`` or ``all``.
- :func:`list_claims` turns a question and the items into claims whose quotes are the exact
  stored text of the items: every item (at most ``cap``, then one "... and N more" claim whose
  quote spans the remaining items), the first or the last item, or the count with the items
  (none when the introduction states another count: the list was read in part).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.blocks import BLANK_LINE
from ingest.candidates import item_lead, table_rows
from ingest.chunking import split_sentences
from ingest.cleaning import line_indent
from ingest.gaps import announced_count
from ingest.structure import section_holding
from qa.memo import PerDocument
from qa.types import Claim
from vectorstore.types import Block, Candidate, Document

DEFAULT_CAP = 5

_COUNT = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b", re.IGNORECASE)
_FIRST = re.compile(r"\bfirst\b|\bopening\b", re.IGNORECASE)
_LAST = re.compile(r"\blast\b|\bfinal\b", re.IGNORECASE)


@dataclass(frozen=True)
class ListItem:
    """One item of a list: ``text == document.text[start:end]`` (without the bullet)."""

    start: int
    end: int
    text: str


def list_items_after(document: Document, intro: Candidate | int) -> list[ListItem]:
    """The items of the list introduced by the sentence at ``intro`` (a candidate or offset).

    Empty when the document has no blocks, when the introduction is in no block, or when the
    next block after it is not a list item (the list is missing: see the module docstring).
    """
    offset = intro.start if isinstance(intro, Candidate) else intro
    found = _next_block(document, offset, "list_item")
    if found is None:
        return []
    blocks, holder, after = found
    if holder.kind == "list_item" and blocks[after].level <= holder.level:
        return []
    if holder.kind == "list_item" and BLANK_LINE.search(document.text, offset, holder.end):
        return []  # an item's paragraph with more of the item after it ("Run this:" over code)
    depth = blocks[after].level
    items: list[ListItem] = []
    inside = 0  # the end of the item being read: blocks before it are parts of it
    for i in range(after, len(blocks)):
        block = blocks[i]
        if block.start < inside and block.kind != "list_item":
            continue  # a label inside the item (".. tab:: Unix" over its example)
        if block.kind != "list_item" or block.level < depth:
            break
        if block.level == depth:
            inside = block.end
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            start, end = item_lead(document, block, following)
            items.append(ListItem(start, end, document.text[start:end]))
    return items


def item_end(document: Document, offset: int) -> int | None:
    """The end of the list item holding ``offset`` (see :func:`_item_holding`), or None."""
    found = _item_holding(document, offset)
    return found[2].end if found is not None else None


def _item_holding(document: Document, offset: int) -> tuple[list[Block], list[int], Block] | None:
    """The document's blocks in text order, their starts and the list item holding ``offset``
    (the innermost block holding it); None when that block is no list item."""
    blocks, starts = _ordered_blocks(document)
    holder = _block_at(blocks, starts, offset)
    return (blocks, starts, holder) if holder is not None and holder.kind == "list_item" else None


def list_intro_of(document: Document, item: int) -> ListItem | None:
    """The introduction of the list whose item holds offset ``item``: the last sentence of the
    block right before the list's first item (an item, with its marker, when the list is
    nested in it), when it ends with a colon ("Unsupported ISO options include:" over "*
    Lossless JPEG"); None when no such sentence stands there."""
    found = _item_holding(document, item)
    if found is None:
        return None
    blocks, starts, holder = found
    first = bisect.bisect_left(starts, holder.start)
    while (
        first and blocks[first - 1].kind == "list_item" and blocks[first - 1].level >= holder.level
    ):
        first -= 1
    if not first or blocks[first - 1].kind not in ("paragraph", "list_item"):
        return None
    before = blocks[first - 1]
    sentences = split_sentences(document.text, before.start, before.end)
    if not sentences or not document.text[slice(*sentences[-1])].endswith(":"):
        return None
    start, end = sentences[-1]
    return ListItem(start, end, document.text[start:end])


def term_over(document: Document, offset: int) -> ListItem | None:
    """The term whose section holds ``offset`` in its body, when the section's heading is a
    described object's term (a ``term`` block: an HTML definition list's term that is a link
    target, ``<dt id="opt.trace-children">--trace-children=&lt;yes|no&gt;</dt>``): the text under
    it says what the term is or does without naming it.  None elsewhere."""
    section = section_holding(document.sections, offset)
    if section is None or offset < section.start:
        return None
    if not any(
        b.kind == "term" and (b.start, b.end) == (section.heading_start, section.heading_end)
        for b in document.blocks
    ):
        return None
    start, end = section.heading_start, section.heading_end
    return ListItem(start, end, document.text[start:end])


def section_list(document: Document, item: int) -> list[ListItem]:
    """The items of the list that opens a section, given an offset in its first item: a
    heading right above the list stands for its introduction ("## Features" over "* Fast";
    the heading's own words are no answer).  Empty when ``item`` is in no such list's first
    item."""
    found = _item_holding(document, item)
    if found is None:
        return []
    blocks, starts, holder = found
    at = bisect.bisect_left(starts, holder.start)
    if not at or blocks[at - 1].kind != "heading":
        return []
    return list_items_after(document, blocks[at - 1].start)


def shown_under_labels(document: Document, intro: int) -> ListItem | None:
    """What the introduction at offset ``intro`` shows when labels of indented content stand
    between them: the first block under them ("To show a package:" over ``.. tab:: Unix``
    over its indented example; the example is what the introduction announces, one per
    system).  None when no such label stands right after the introduction, when the document
    records a gap there, or when what comes under the labels is not code (a described
    object's description under its signature needs the signature, which is no answer)."""
    if any(g.start <= intro < g.end for g in document.gaps):
        return None
    found = _next_block(document, intro)
    if found is None:
        return None
    blocks, _, at = found
    labels = 0
    while at + 1 < len(blocks) and _labels_indented(document, blocks[at], blocks[at + 1]):
        at, labels = at + 1, labels + 1
    if not labels or at == len(blocks) or blocks[at].kind != "code":
        return None
    shown = blocks[at]
    return ListItem(shown.start, shown.end, document.text[shown.start : shown.end])


def table_after(document: Document, intro: int) -> list[ListItem]:
    """The rows (the header first) of the table the introduction at offset ``intro`` announces:
    the block right after the one holding it is a table ("... an older major version:" over
    "| Version | Python |"). Empty when it is not, when the table is only a header, or when the
    document records a gap there."""
    if any(g.start <= intro < g.end for g in document.gaps):
        return []
    found = _next_block(document, intro, "table")
    if found is None:
        return []
    blocks, _, at = found
    return _rows(document, blocks[at])


@dataclass(frozen=True)
class Led:
    """What a candidate leads: a list's ``items``, a table's ``rows`` (the header first) or
    the example ``shown`` under tabs.  Exactly one is set."""

    items: list[ListItem] = field(default_factory=list)
    rows: list[ListItem] = field(default_factory=list)
    shown: ListItem | None = None

    @property
    def parts(self) -> list[ListItem]:
        """Whichever is set, in text order."""
        return self.items or self.rows or ([self.shown] if self.shown is not None else [])


def led_by(document: Document, start: int, *, introduces: bool) -> Led | None:
    """What the candidate at ``start`` leads, answered in its place: an introduction's list
    items, else the table it announces, else the example it shows under tabs; a table's header
    row, the rows it heads.  None when it leads nothing."""
    if not introduces:
        rows = table_headed_by(document, start)
        return Led(rows=rows) if rows else None
    if items := list_items_after(document, start):
        return Led(items=items)
    if rows := table_after(document, start):
        return Led(rows=rows)
    shown = shown_under_labels(document, start)
    return Led(shown=shown) if shown is not None else None


def table_headed_by(document: Document, row: int) -> list[ListItem]:
    """The rows (the header first) of the table whose first row starts at offset ``row``: a
    header read alone says only what the columns are, its rows are what it heads.  Empty when
    no table starts there, or when it is only a header."""
    blocks, starts = _ordered_blocks(document)
    table = _block_at(blocks, starts, row)
    if table is None or table.kind != "table":
        return []
    rows = _rows(document, table)
    return rows if rows and rows[0].start == row else []


def _rows(document: Document, table: Block) -> list[ListItem]:
    """A table's rows, the header first; none when it has no row besides the header."""
    text = document.text
    rows = [ListItem(s, e, text[s:e]) for s, e in table_rows(text, table.start, table.end)]
    return rows if len(rows) > 1 else []


def _labels_indented(document: Document, block: Block, below: Block) -> bool:
    """``block`` is a heading whose content, ``below``, is indented past it (a directive's)."""
    return block.kind == "heading" and _column(document.text, below.start) > _column(
        document.text, block.start
    )


def _column(text: str, offset: int) -> int:
    """The indentation of the line holding ``offset``."""
    return line_indent(text[text.rfind("\n", 0, offset) + 1 :].split("\n", 1)[0])


def _in_order(document: Document) -> tuple[list[Block], list[int]]:
    """The document's blocks in text order (outer before inner) and their starts."""
    blocks = sorted(document.blocks, key=lambda b: (b.start, -b.end))
    return blocks, [b.start for b in blocks]


_ordered_blocks = PerDocument(_in_order)


def list_question_form(question: str) -> str:
    """``count``, ``first``, ``last`` or ``all``: what ``question`` asks of a list."""
    if _COUNT.search(question):
        return "count"
    if _FIRST.search(question):
        return "first"
    if _LAST.search(question):
        return "last"
    return "all"


def list_claims(
    question: str,
    document: Document,
    items: Sequence[ListItem],
    *,
    cap: int = DEFAULT_CAP,
    evidence: int | None = None,
    intro: str = "",
) -> list[Claim]:
    """Claims answering ``question`` from ``items`` (rules in the module docstring).

    Every quote is ``document.text[start:end]`` of one item, or of the stretch from one item's
    start to a later item's end.  No count is claimed when ``intro`` (the introduction)
    announces another (:func:`ingest.gaps.announced_count`, the reading the gap rules use):
    the list was read in part ("there are 4 common uses:" over items that
    nested tabs cut into two lists was answered "There are 1").
    """
    if not items:
        return []
    if cap < 1:
        raise ValueError("cap must be >= 1")
    form = list_question_form(question)
    text = document.text
    if form == "first":
        return [
            Claim(
                f"The first is: {_sentence(items[0].text)}",
                items[0].text,
                evidence,
                structural=True,
            )
        ]
    if form == "last":
        return [
            Claim(
                f"The last is: {_sentence(items[-1].text)}",
                items[-1].text,
                evidence,
                structural=True,
            )
        ]
    if form == "count":
        stated = announced_count(intro)
        if stated and stated != len(items):
            return []
        quote = text[items[0].start : items[-1].end]
        names = "; ".join(_bare(item.text) for item in items[:cap])
        more = f"; and {len(items) - cap} more" if len(items) > cap else ""
        return [Claim(f"There are {len(items)}: {names}{more}.", quote, evidence, structural=True)]
    claims = [Claim(_sentence(item.text), item.text, evidence) for item in items[:cap]]
    rest = items[cap:]
    if rest:
        quote = text[rest[0].start : rest[-1].end]
        claims.append(Claim(f"… and {len(rest)} more.", quote, evidence, structural=True))
    return claims


def _next_block(
    document: Document, offset: int, kind: str | None = None
) -> tuple[list[Block], Block, int] | None:
    """The document's blocks in text order, the block holding ``offset`` and the index of the
    first block after it (``len(blocks)`` when none follows); None when no block holds it, or,
    given a ``kind``, when no block of that kind follows it."""
    blocks, starts = _ordered_blocks(document)
    holder = _block_at(blocks, starts, offset)
    if holder is None:
        return None
    after = bisect.bisect_left(starts, holder.end)
    if kind is not None and (after == len(blocks) or blocks[after].kind != kind):
        return None
    return blocks, holder, after


def _block_at(blocks: Sequence[Block], starts: Sequence[int], offset: int) -> Block | None:
    """The last block in text order that holds ``offset`` (the innermost), boilerplate aside."""
    for i in range(bisect.bisect_right(starts, offset) - 1, -1, -1):
        block = blocks[i]
        if offset < block.end and block.kind != "boilerplate":
            return block
    return None


def _bare(item: str) -> str:
    return " ".join(item.split()).rstrip(".;,")


def _sentence(item: str) -> str:
    """An item as a sentence of the answer: on one line, ending with a full stop (an item that
    goes on into the next, "Take your declaration,", ends there: not ",."; a table's row ends
    with its last cell's border)."""
    flat = " ".join(item.split())
    if flat[-1:] in ".!?…|":
        return flat
    return (flat.rstrip(",;:").rstrip() or flat) + "."
