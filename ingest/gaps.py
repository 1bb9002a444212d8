"""Find places where a text announces content it does not contain.

Rules (generic, line based over the block structure; code, tables, excluded spans and headings
are never announcers, and when the document has blocks an announcer must lie in a paragraph, a
list item or a quotation):

- ``announced_list_missing``: a line ending with ":" whose next non-blank line outside the
  excluded spans is missing (end of text, or only boilerplate left) or is a heading of the same
  or a higher level than the section the line is in (a line less indented than the body of the
  heading above it has left that heading's body, as text after a directive's content does after
  ``.. tab:: Windows``: it is in the section around that heading's). A table of contents
  left out of the text right after the line ("Table of Contents:") is what the line announces.
  When boilerplate (a
  share bar, a cookie notice, a comment form, ...) stands between the announcement and the
  next content, the announced content counts as present only if that content is a list, code
  or a table; and when all that is left of the text is a short stretch of page furniture (no
  list, code, table or quotation, at most ``MAX_TAIL_WORDS`` words, some of them furniture
  vocabulary: subscribe, share, comments, cookies, related posts) the announced content is
  missing too. A deeper heading (a subsection), or a heading that shares a word of four
  letters or more with the announcing sentence ("the following story about burgers:" /
  "Concurrent Burgers"), counts as the announced content, and so does any heading after a
  sentence that points further down ("See examples below:": the examples are the sections
  that follow). A list item is no announcement when an earlier item of its list also ends in a
  colon with nothing under it (a list of names, each closed by a colon).
  Any other line counts as content: a list, a code fence, an indented block, a quotation, an
  include directive (``{* file.py *}``) or an admonition (``/// tip``).
- ``list_shorter_than_announced``: the announcing sentence names a count ("the following three
  measures:") and the list right after it has fewer items. ``offset`` is then the end of the
  last item given, where the missing items would have gone.
- ``cut_off_sentence``: the last paragraph of body text (a paragraph block, when the document
  has blocks) ends without terminal punctuation on a comma or a function word (``STOPWORDS``:
  "... the officials in charge had"; a last word with content, "... environment variable", is
  a full stop forgotten, not a cut), not in a URL or a code span, and its
  last sentence is prose of more than ``MIN_CUT_OFF_WORDS`` words (list items, table rows,
  directives and markup lines are not considered, nor is a paragraph that ends on a link's
  text: a Markdown link ends in markup, an HTML one is recorded on its block).

``start``/``end`` is the announcing sentence: the last sentence of the paragraph that ends at
the announcing line (the cut-off sentence for the third kind); ``offset`` is ``end`` except
for ``list_shorter_than_announced``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.chunking import split_sentences
from ingest.cleaning import CONTENTS, furniture_classes, iter_lines, line_indent
from ingest.structure import code_fence_spans
from vectorstore.language import BULLET, STOPWORDS
from vectorstore.types import Block, Gap, Section, Span

MIN_CUT_OFF_WORDS = 8
MAX_TAIL_WORDS = 120
MAX_TAIL_PARAGRAPH_WORDS = 45

_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_ANNOUNCED_COUNT = re.compile(
    r"\b(?:following|these|those|the|are|were|of|include[sd]?|has|have|had)\s+"
    r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+(?:[\w-]+\s+){0,2}[\w-]+\s*:$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(rf"^\s{{0,3}}(?:{BULLET}|\d{{1,3}}[.)]|[a-z][.)])\s+\S")
_MARKUP_LINE = re.compile(
    rf"^\s*(?:{BULLET}|[>|<]|\d+[.)]\s|```|~~~|\{{\*|///|\[[^\]]*\]:)|^(?: {{4}}|\t)"
)
_WORD = re.compile(r"[^\W\d_]+")
_BARE_LINK = re.compile(r"<?(?:[a-z][a-z+.-]*://|www\.|mailto:)\S+>?", re.IGNORECASE)
# A sentence cut off mid-way ends in a word (or a comma), not in a URL or a code span.
_ENDS_IN_WORDS = re.compile(r"(?<!\S)[^\s/`<>]*[^\W_],?$")
_POINTS_DOWN = re.compile(r"\bbelow\b", re.IGNORECASE)
_LAST_WORD = re.compile(r"([^\W\d_]+)(,?)$")
_TERMINAL = re.compile(r"[.!?…:;][\"'”’)\]*_`]*$")

Line = tuple[int, int, str]


def detect_gaps(
    document_id: str,
    text: str,
    sections: Sequence[Section],
    excluded: Sequence[Span] = (),
    blocks: Sequence[Block] | None = None,
    item_code: Sequence[Block] = (),
) -> list[Gap]:
    """Gaps in ``text``: announced lists that are missing or short, and a cut-off last sentence.

    ``item_code``: code blocks inside list items (``Document.item_parts``), code like any other.
    """
    finder = _GapFinder(document_id, text, sections, excluded, blocks)
    finder.blocked += [(b.start, b.end) for b in item_code]
    return finder.find()


_CONTENT_KINDS = frozenset({"list_item", "code", "table"})
_PROSE_KINDS = frozenset({"paragraph", "list_item", "quote"})


class _GapFinder:
    """One pass over the lines of a text, with the context the rules need."""

    def __init__(
        self,
        document_id: str,
        text: str,
        sections: Sequence[Section],
        excluded: Sequence[Span],
        blocks: Sequence[Block] | None,
    ) -> None:
        self.document_id = document_id
        self.text = text
        self.sections = sorted(sections, key=lambda s: s.heading_start)
        self.headings = {s.heading_start: s for s in self.sections}
        # With blocks, code comes from the format's parser (an rst "~~~~" underline is no fence).
        fences = code_fence_spans(text) if not blocks else []
        self.blocked = [(s.start, s.end) for s in excluded] + fences
        self.blocked += [(s.heading_start, s.heading_end) for s in self.sections]
        self.excluded = [(s.start, s.end) for s in excluded]
        # A PDF's running head between an introduction and its list is a page break, not a cut.
        self.boilerplate = [(s.start, s.end) for s in excluded if s.kind == "boilerplate"]
        self.contents = [(s.start, s.end) for s in excluded if s.kind == CONTENTS]
        self.blocks = list(blocks or [])
        self.blocked += [(b.start, b.end) for b in self.blocks if b.kind in ("code", "table")]
        self.prose = [(b.start, b.end) for b in self.blocks if b.kind in _PROSE_KINDS]
        self.lines = list(iter_lines(text))

    def find(self) -> list[Gap]:
        gaps: list[Gap] = []
        for index, (start, end, line) in enumerate(self.lines):
            indent = len(line) - len(line.lstrip())
            if _ends_with_colon(line) and self._is_announcer(start + indent, end):
                gap = self._announcement_gap(index)
                if gap is not None:
                    gaps.append(gap)
        cut_off = self._cut_off_gap()
        if cut_off is not None and all(g.end != cut_off.end for g in gaps):
            gaps.append(cut_off)
        return gaps

    def _is_body(self, offset: int) -> bool:
        return offset not in self.headings and not _inside(offset, self.blocked)

    def _is_announcer(self, start: int, end: int) -> bool:
        if not self._is_body(start):
            return False
        return not self.blocks or any(s <= start and end <= e for s, e in self.prose)

    def _block_at(self, offset: int) -> Block | None:
        return next((b for b in self.blocks if b.start <= offset < b.end), None)

    def _announcement_gap(self, index: int) -> Gap | None:
        line_start, _, line = self.lines[index]
        indent = len(line) - len(line.lstrip())
        if line.rstrip().endswith("::") or self._in_label_list(line_start + indent):
            return None
        start, end = self._last_sentence(index)
        if self._contents_next(index):
            return None  # "Table of Contents:" over the contents, left out of the text as they are
        following = self._next_content(index)
        if following is None or self._is_closing_heading(index, following, (start, end)):
            return self._gap(start, end, end, "announced_list_missing")
        if self._boilerplate_between(index, following) and not self._is_list_like(following):
            return self._gap(start, end, end, "announced_list_missing")
        if self._furniture_tail(index):
            return self._gap(start, end, end, "announced_list_missing")
        announced = announced_count(self.text[start:end])
        if announced and _LIST_ITEM.match(self.lines[following][2]):
            given, list_end = self._count_items(following)
            if given < announced:
                return self._gap(start, end, list_end, "list_shorter_than_announced")
        return None

    def _in_label_list(self, offset: int) -> bool:
        """The line is a list item, and an earlier item of the same list also ends in a colon
        with nothing under it (the next item is at the same or a shallower level): the list's
        colons close names ("* `References`:" / "* `Files`:"), they announce nothing."""
        block = self._block_at(offset)
        if block is None or block.kind != "list_item":
            return False
        at = self.blocks.index(block)
        for j in range(at - 1, -1, -1):
            earlier, after = self.blocks[j], self.blocks[j + 1]
            if earlier.kind != "list_item":
                return False
            if (
                _ends_with_colon(self.text[earlier.start : earlier.end])
                and after.kind == "list_item"
                and after.level <= earlier.level
            ):
                return True
        return False

    def _contents_next(self, index: int) -> bool:
        """The next non-blank line is a table of contents' (an excluded span of that kind)."""
        following = next(
            (i for i in range(index + 1, len(self.lines)) if self.lines[i][2].strip()), None
        )
        return following is not None and _inside(self.lines[following][0], self.contents)

    def _next_content(self, index: int) -> int | None:
        for following in range(index + 1, len(self.lines)):
            start, _, line = self.lines[following]
            if line.strip() and not _inside(start, self.excluded):
                return following
        return None

    def _furniture_tail(self, index: int) -> bool:
        """Only a short stretch of page furniture is left after the announcement.

        True when the rest of the text holds no list, code, table or quotation, does not open
        with an image (HTML's ``figure`` blocks), holds at most
        ``MAX_TAIL_WORDS`` words (no paragraph over ``MAX_TAIL_PARAGRAPH_WORDS``), and at least
        the first thing after the announcement (or the one after a short label above it) speaks
        the vocabulary of page furniture
        (subscribe, share, comments, cookies, related posts): a page that ends on its sign-up
        box or comment section.
        """
        if not self.blocks:
            return False
        offset = self.lines[index][1]
        rest = [b for b in self.blocks if b.start >= offset]
        if not rest or any(b.kind in ("list_item", "code", "table", "quote") for b in rest):
            return False
        if rest[0].kind == "figure":
            return False  # the image the announcement shows ("It looks like this:")
        prose = [b for b in rest if b.kind != "boilerplate"]
        counts = [len(self.text[b.start : b.end].split()) for b in prose]
        if sum(counts) > MAX_TAIL_WORDS or any(c > MAX_TAIL_PARAGRAPH_WORDS for c in counts):
            return False
        if self.text[offset : rest[0].start].strip():
            return False  # something the parser keeps no block for (an image, raw HTML) follows
        # A short label ("Your privacy", "Newsletter") may stand above the furniture itself; a
        # bare link ("Official website:" / "https://...") is the announced content, not a label.
        first = self.text[rest[0].start : rest[0].end].strip()
        label = len(first.split()) <= 4 and not _BARE_LINK.fullmatch(first)
        lead = rest[:2] if label else rest[:1]
        return any(
            b.kind == "boilerplate" or furniture_classes(self.text[b.start : b.end]) for b in lead
        )

    def _boilerplate_between(self, index: int, following: int) -> bool:
        return any(
            _inside(start, self.boilerplate) for start, _, _ in self.lines[index + 1 : following]
        )

    def _is_list_like(self, following: int) -> bool:
        start, _, line = self.lines[following]
        block = self._block_at(start)
        if block is not None:
            return block.kind in _CONTENT_KINDS
        return bool(_MARKUP_LINE.match(line))

    def _is_closing_heading(self, index: int, following: int, sentence: tuple[int, int]) -> bool:
        heading = self.headings.get(self.lines[following][0])
        if heading is None:
            return False
        offset, _, line = self.lines[index]
        if line_indent(self.lines[following][2]) > line_indent(line):
            # Indented under the announcement, a short line is the example, address or quotation
            # it announces ("It looks like this:" / "\t101,29  84%"), not the next section.
            return False
        if self._in_run_of_lines(heading):
            return False
        current = self._enclosing(offset, line_indent(line))
        if current is not None and heading.level > current.level:
            return False
        announcement = self.text[sentence[0] : sentence[1]]
        if _POINTS_DOWN.search(announcement):
            return False
        return not _content_words(heading.title) & _content_words(announcement)

    def _enclosing(self, offset: int, indent: int) -> Section | None:
        """The section a line at ``offset`` indented ``indent`` columns is in: the last heading
        before it, unless that heading's body is indented deeper than the line (a directive's
        content, ``.. tab:: Windows`` over its indented example), which the line has left: then
        the section around that heading's, the last earlier one of a lower level."""
        before = [s for s in self.sections if s.heading_start <= offset]
        if not before:
            return None
        last = before[-1]
        if self._body_indent(last) <= indent:
            return last
        return next((s for s in reversed(before) if s.level < last.level), None)

    def _body_indent(self, section: Section) -> int:
        """The indentation of the first line of ``section``'s own body (0 when it has none)."""
        body = self.text[section.heading_end : section.end]
        first = next((row for row in body.splitlines() if row.strip()), "")
        return line_indent(first)

    def _in_run_of_lines(self, heading: Section) -> bool:
        """The heading has no body before another heading of its level: it is one of a run of
        short lines (a list or a table laid out as lines of text: "Component" / "CUDA Runtime" /
        "Windows"), not a section of its own."""
        if self.text[heading.start : heading.end].strip():
            return False
        later = [s for s in self.sections if s.heading_start >= heading.end]
        return bool(later) and later[0].level == heading.level

    def _count_items(self, first: int) -> tuple[int, int]:
        block = self._block_at(self.lines[first][0])
        if block is not None and block.kind == "list_item":
            return self._count_item_blocks(block)
        items, list_end = 0, self.lines[first][1]
        for start, end, line in self.lines[first:]:
            if _LIST_ITEM.match(line) and not _inside(start, self.excluded):
                items, list_end = items + 1, end
            elif line.strip() and not line[:1].isspace():
                break
        return items, list_end

    def _count_item_blocks(self, first: Block) -> tuple[int, int]:
        """Items of the list the parser found from ``first`` on, at its nesting level (an item
        wrapped over unindented lines, as text laid out with <br>, is still one item)."""
        items, list_end = 0, first.end
        for block in self.blocks[self.blocks.index(first) :]:
            if block.kind != "list_item" or block.level < first.level:
                break
            if block.level == first.level:
                items, list_end = items + 1, block.end
        return items, list_end

    def _last_sentence(self, index: int) -> tuple[int, int]:
        first = index
        while (
            first > 0
            and self.lines[first - 1][2].strip()
            and self._is_body(self.lines[first - 1][0])
        ):
            first -= 1
        sentences = split_sentences(self.text, self.lines[first][0], self.lines[index][1])
        return sentences[-1]

    def _cut_off_gap(self) -> Gap | None:
        for index in range(len(self.lines) - 1, -1, -1):
            start, _, line = self.lines[index]
            if not line.strip() or _inside(start, self.excluded):
                continue
            if not self._is_body(start) or _MARKUP_LINE.match(line):
                return None
            if _TERMINAL.search(line.rstrip()) or not _ENDS_IN_WORDS.search(line.rstrip()):
                return None
            if not _obviously_unfinished(line):
                return None  # "... only with recent shader models": a full stop forgotten
            indent = len(line) - len(line.lstrip())
            at = start + indent
            block = next(
                (b for b in self.blocks if b.kind == "paragraph" and b.start <= at < b.end), None
            )
            if self.blocks and block is None:
                return None
            if block is not None and block.ends_in_link:
                return None  # "... check out the Cargo Guide" (a link): a pointer, not a cut
            s_start, s_end = self._last_sentence(index)
            if len(self.text[s_start:s_end].split()) <= MIN_CUT_OFF_WORDS:
                return None
            return self._gap(s_start, s_end, s_end, "cut_off_sentence")
        return None

    def _gap(self, start: int, end: int, offset: int, kind: str) -> Gap:
        return Gap(self.document_id, offset, self.text[start:end], start, end, kind)


def _ends_with_colon(line: str) -> bool:
    """``...:`` possibly inside emphasis (``**If you are running:**``), but not ``::``, and not
    the colon closing a word that holds other colons or ``=`` (an editor's modeline
    ``vim:tw=78:ts=8:``, a URL): that word is a setting, not an introduction."""
    core = line.rstrip().rstrip("*_")
    if not core.endswith(":") or core.endswith("::"):
        return False
    last = core.split()[-1][:-1]
    return not any(mark in last for mark in ":=")


def _obviously_unfinished(line: str) -> bool:
    """The line stops on a comma or a function word ("... in charge had", "... and the")."""
    match = _LAST_WORD.search(line.rstrip())
    return match is not None and (bool(match.group(2)) or match.group(1).lower() in STOPWORDS)


def announced_count(sentence: str) -> int:
    """The number of items a list's introduction announces ("the following three steps:"),
    else 0."""
    match = _ANNOUNCED_COUNT.search(sentence.strip())
    if match is None:
        return 0
    word = match.group(1).lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _content_words(text: str) -> set[str]:
    """Lower-cased words of four letters or more, with a plural "s" dropped."""
    return {w.lower().removesuffix("s") for w in _WORD.findall(text) if len(w) >= 4}


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)
