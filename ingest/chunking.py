"""Split an analysed document into token-bounded chunks with exact character offsets.

Chunks are packs of consecutive sentences inside one section: a chunk never crosses a section
boundary (a heading with no body of its own goes with the subsection right under it), an
excluded span (boilerplate) or the caption, and ``document.text[start:end]`` is always exactly
the chunk text (leading and trailing whitespace is dropped by moving offsets).

Size is counted with the injected ``count_tokens`` (the embedding model's own tokenizer, no
special tokens). Sentences are packed while the running sum stays within ``max_tokens``; WordPiece
never joins tokens across whitespace, so the sum of the parts equals the count of the joined text,
and every chunk is re-counted once to make sure. A chunk does not end on an introduction (a
sentence ending in a colon, "To run it, write:") when more of the section follows: the
introduction opens the next chunk, with what it introduces. A sentence longer than the budget
is cut at whitespace into pieces under it. The one exception to the budget is a single run of
characters without whitespace that alone is longer than ``max_tokens`` (a huge URL or a base64
blob): it is kept whole, as a chunk of its own, because it cannot be cut at a word boundary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from markdown_it.rules_block.html_block import HTML_SEQUENCES

from ingest.cleaning import line_indent
from vectorstore.language import OPTION_FIRST, reads_as_term
from vectorstore.types import Chunk, Document, Span

CountTokens = Callable[[list[str]], list[int]]
Interval = tuple[int, int]

# Words that end with a period without ending the sentence ("Mr. Smith", "Fig. 3").
_ABBREVIATION_WORDS = """
mr mrs ms mx dr prof sr jr st mt ft vs etc al cf eg ie viz approx dept est fig figs nos
vol vols pp eds rev gen gov sen rep col lt sgt capt cmdr adm inc ltd co corp plc bros
jan feb mar apr jun jul aug sep sept oct nov dec
"""
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())

# A sentence's end, with its closing quotes and brackets and any footnote references after it
# ("... in an import statement. [1]": the reference is the sentence's, not the next one's,
# nor one of its own at the end of its paragraph), and a reference in parentheses that ends the
# paragraph or item ("- Fixed the cookies. ([#1312](https://...))", "(#1583, #1581)", a change
# log's): no sentence of its own, as no sentence ends inside it.
_SENTENCE_END = re.compile(
    r"([.!?…]+)[\"'”’)\]*_]*(?:[ \t]*\[\d{1,3}\])*"
    r"(?:[ \t]+\((?:[^()\n.!?]|[.!?](?=[^\s)])|\([^()\n]*\))*\)(?=\s*\Z)|(?=\s|\Z))"
)
_WORD = re.compile(r"\S+")
# A lower-case word (dots allowed, no backtracking over it), called or not, then a space or a
# comma: a name from code opening a sentence when it is called ("deflateInit() will allocate
# ...") or has a capital or an underscore inside ("zlib_version is ...").
_LOWER_TOKEN = re.compile(r"[a-z][\w.]*+(\(\))?(?=[\s,;:])")


def _opens_with_name(text: str, pos: int, end: int) -> bool:
    """``text[pos:end]`` opens with a name from code written in lower case."""
    token = _LOWER_TOKEN.match(text, pos, end)
    if token is None:
        return False
    return token.group(1) is not None or any(c.isupper() or c == "_" for c in token.group())


_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
# Lines that always start a new unit (Markdown blocks, list items, tables, code, includes).
_BLOCK_START = re.compile(r"^\s*(?:[-*+•]\s|#{1,6}\s|\||```|~~~|\{\*|///)")
# A quote's line starts a unit, except inside a unit that opened as a quote: the lines of a
# quoted paragraph ("> ... params\n> won't always be correct.") go on with its sentence.
_QUOTED = re.compile(r"\s*>")
# A numbered line starts a unit unless it would interrupt a paragraph with a number other than
# 1 (CommonMark's rule: "... uses port\n5000." goes on): it may follow a list item.
_ORDERED = re.compile(r"^\s*(\d+)[.)]\s")
_ITEM = re.compile(r"\s*(?:[-*+•]|\d+[.)])\s")
# A line opening an HTML block starts a unit too, as CommonMark reads one that may interrupt a
# paragraph (a block element's tag such as "<div>" or "</details>", a comment, "<script>"):
# any other tag or placeholder goes on with its sentence ("push the result to the\n<repository>
# and <remote-ref>.", "an image\n<img src=...>"), and so does a link wrapped onto its own line
# (a Markdown autolink "<https://...>"); and not while a backquote of the unit is open (a
# reStructuredText link or reference wrapped before its target: "`HTTP status code\n<https://
# ...>`__", ":ref:`routers\n<topics-db-routing>`").
_TAG_START = tuple(start for start, _, interrupts in HTML_SEQUENCES if interrupts)
# An indented line (code) starts a new unit too, unless the line before it in the unit is
# indented as deeply: the lines of an indented paragraph (a reStructuredText directive's
# body, ".. note::") are one paragraph, not one sentence per line.
_INDENTED = re.compile(r"^(?: {4}|\t)")
# A label and the gap (a tab, or two spaces or more) before its value on the same line.
_LABEL = re.compile(r"\s*\S.*?(?:\t|\s{2,})(?=\S)")
# Lines that end their unit (headings, table rows, fences, include directives).
_BLOCK_LINE = re.compile(r"^\s*(?:#{1,6}\s|\||```|~~~|\{\*|///)")
# A comment's line ("# Lines have a length limit"): in a run of them, a plain text's comment
# block (a configuration file's, a script's), they are the lines of its paragraphs, as a quoted
# paragraph's are; a heading is never written on the line under another.
_COMMENT = re.compile(r"[ \t]*#[ \t]")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Interval]:
    """Sentence spans ``(start, end)`` in ``text[start:end]``, stripped of surrounding spaces.

    Blank lines, list items and Markdown block lines (headings, fences, tables, quotes,
    includes) are boundaries too; "U.S.", "e.g.", "Mr.", initials and decimals are not.
    """
    stop = len(text) if end is None else end
    spans: list[Interval] = []
    for block_start, block_end in _blocks(text, start, stop):
        spans.extend(_sentences_in_block(text, block_start, block_end))
    return spans


def _blocks(text: str, start: int, stop: int) -> list[Interval]:
    blocks: list[Interval] = []
    block_start: int | None = None
    previous_end = start
    previous_indent = 0
    unit_indent = 0  # the indentation of the unit's first line
    previous_line = ""
    close_after = False
    pos = start
    while pos < stop:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline == -1 else newline
        line = text[pos:line_end]
        if not line.strip():
            if block_start is not None:
                blocks.append((block_start, previous_end))
            block_start = None
        else:
            # Indentation counts from the line's start, also when the window starts inside it.
            whole = text[text.rfind("\n", 0, pos) + 1 : line_end]
            indent = len(whole) - len(whole.lstrip())
            ordered = _ORDERED.match(line)
            starts = (
                _BLOCK_START.match(line)
                or (
                    # The next option of a help text: less indented than the description its
                    # unit opened with, or under another option's line that holds its
                    # description beside it ("--in-place, -i  Edit files in place"); a term's
                    # names on lines of their own ("-c" over "--clean") are one term.
                    block_start is not None
                    and OPTION_FIRST.match(line)
                    and (
                        indent < unit_indent
                        or (OPTION_FIRST.match(previous_line) and _LABEL.match(previous_line))
                    )
                )
                or (
                    _QUOTED.match(line)
                    and (block_start is None or _QUOTED.match(text, block_start) is None)
                )
                or (
                    ordered
                    and (
                        block_start is None
                        or ordered.group(1) == "1"
                        or _ITEM.match(text, block_start) is not None
                    )
                )
                or (
                    any(tag.match(line.lstrip()) for tag in _TAG_START)
                    and (block_start is None or text.count("`", block_start, pos) % 2 == 0)
                )
                or (
                    _INDENTED.match(line)
                    and (block_start is None or indent > previous_indent)
                    and not (block_start is not None and _hangs(previous_line, whole))
                )
            )
            comment = (
                block_start is not None
                and _COMMENT.match(line) is not None
                and _COMMENT.match(text, block_start) is not None
                and _COMMENT.match(previous_line) is not None
            )
            if block_start is not None and (close_after or starts) and not comment:
                blocks.append((block_start, previous_end))
                block_start = None
            if block_start is None:
                block_start = pos
                unit_indent = indent
            close_after = bool(_BLOCK_LINE.match(line))
            previous_end = line_end
            # A list item's lines go on at the column of its text ("  * optionally `start.conf`:
            # ... (start/stop in" over "    init script), ..."): no deeper, no code.
            item = _ITEM.match(whole)
            previous_indent = item.end() if item else indent
            previous_line = whole
        pos = line_end + 1
    if block_start is not None:
        blocks.append((block_start, previous_end))
    return blocks


def _hangs(previous: str, line: str) -> bool:
    """``line`` is indented to the column where the value after ``previous``'s label starts (a
    hanging indent: "Why:<tab>the option is used" / "<8 spaces>in some distributions.",
    "--show  print the name" / "<8 spaces>of the device"): the value's wrapped line, not code."""
    # Trailing spaces stripped: a run of them, followed by nothing, is no gap (and the search
    # for one would go back over the run from every space of it).
    label = _LABEL.match(previous.expandtabs().rstrip())
    return label is not None and line_indent(line) == label.end()


def _sentences_in_block(text: str, start: int, end: int) -> list[Interval]:
    spans: list[Interval] = []
    sentence_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        following = _next_visible(text, match.end(), end)
        if following is None:
            break
        # After a full stop (an ellipsis may run on: "dim0, dim1, ... dimN specify").
        named = match.group(1) in ".!?" and _opens_with_name(text, following, end)
        lower = text[following].islower() and not named
        if lower or _is_abbreviation(text, start, match) or _elided(text, start, match):
            continue
        spans.append((sentence_start, match.end()))
        sentence_start = following
    spans.append((sentence_start, end))
    return [span for span in (_strip(text, s, e) for s, e in spans) if span[0] < span[1]]


def _elided(text: str, block_start: int, match: re.Match[str]) -> bool:
    """An ellipsis right inside a parenthesis stands for arguments left out, not a sentence's
    end ("the pattern of `dumps(...) + "\\n"`"). One in square brackets is left to end its
    sentence: a quotation cut short ("the virus [...] In any case") often ends one there."""
    at = match.start()
    return match.group(1).strip(".…") == "" and at > block_start and text[at - 1] == "("


def _next_visible(text: str, pos: int, end: int) -> int | None:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos if pos < end else None


def _is_abbreviation(text: str, block_start: int, match: re.Match[str]) -> bool:
    if match.group(1) != ".":
        return False
    word_start = match.start()
    while word_start > block_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : match.start()].lstrip("\"'“‘([*_")
    if not word:
        return False
    if word.lower() in ABBREVIATIONS or _INITIALISM.fullmatch(word):
        return True
    return len(word) == 1 and word.isalpha() and word.isupper()


def _strip(text: str, start: int, end: int) -> Interval:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_id(document_id: str, start: int, end: int, text: str) -> str:
    """Deterministic chunk id: sha1 of the document id, the offsets and the text."""
    key = f"{document_id}\x00{start}\x00{end}\x00{text}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


class Chunker:
    """Sentence-aware, section-bounded splitter with a token budget per chunk."""

    def __init__(
        self, count_tokens: CountTokens, max_tokens: int = 200, overlap_sentences: int = 0
    ) -> None:
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
        if overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be >= 0, got {overlap_sentences}")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap_sentences = overlap_sentences

    def split(self, document: Document) -> list[Chunk]:
        """Chunks of ``document`` in text order (rules in the module docstring)."""
        text = document.text
        regions = _regions(document)
        units = [(title, split_sentences(text, s, e)) for title, s, e in regions]
        flat = [span for _, spans in units for span in spans]
        counts = dict(zip(flat, self.count_tokens([text[s:e] for s, e in flat]), strict=True))
        oversized = [span for span in flat if counts[span] > self.max_tokens]
        counts.update(self._cut_oversized(text, oversized))
        spans: list[tuple[str | None, Interval]] = []
        for title, sentences in units:
            pieces = _replace_oversized(text, sentences, counts, self.max_tokens)
            spans.extend((title, span) for span in self._pack(text, pieces, counts))
        spans = self._enforce_budget(text, spans)
        return [
            Chunk(chunk_id(document.id, s, e, text[s:e]), document.id, text[s:e], s, e, title, i)
            for i, (title, (s, e)) in enumerate(spans)
        ]

    def _cut_oversized(self, text: str, oversized: list[Interval]) -> dict[Interval, int]:
        """Token counts of the whitespace-separated words of every oversized sentence."""
        words = [(m.start(), m.end()) for s, e in oversized for m in _words(text, s, e)]
        if not words:
            return {}
        counts = self.count_tokens([text[s:e] for s, e in words])
        return dict(zip(words, counts, strict=True))

    def _pack(
        self, text: str, units: list[Interval], counts: dict[Interval, int]
    ) -> list[Interval]:
        packed: list[Interval] = []
        i, previous_end = 0, 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and total + counts[units[j]] <= self.max_tokens:
                total += counts[units[j]]
                j += 1
            if i + 1 < j < len(units) and _leads_on(text, units[j - 1]):
                j -= 1
            j = max(j, i + 1)
            if j <= previous_end:
                i = previous_end
                continue
            packed.append((units[i][0], units[j - 1][1]))
            previous_end = j
            i = max(j - self.overlap_sentences, i + 1)
        return packed

    def _enforce_budget(
        self, text: str, spans: list[tuple[str | None, Interval]]
    ) -> list[tuple[str | None, Interval]]:
        """Re-count every chunk once; halve any multi-sentence chunk still over budget."""
        counts = self.count_tokens([text[s:e] for _, (s, e) in spans])
        result: list[tuple[str | None, Interval]] = []
        for (title, span), count in zip(spans, counts, strict=True):
            if count <= self.max_tokens:
                result.append((title, span))
            else:
                result.extend((title, piece) for piece in self._halve(text, span))
        return result

    def _halve(self, text: str, span: Interval) -> list[Interval]:
        sentences = split_sentences(text, *span)
        if len(sentences) < 2:
            sentences = [(m.start(), m.end()) for m in _words(text, *span)]
        if len(sentences) < 2:
            return [span]
        middle = len(sentences) // 2
        halves = [(sentences[0][0], sentences[middle - 1][1]), (sentences[middle][0], span[1])]
        counts = self.count_tokens([text[s:e] for s, e in halves])
        pieces: list[Interval] = []
        for half, count in zip(halves, counts, strict=True):
            pieces.extend([half] if count <= self.max_tokens else self._halve(text, half))
        return pieces


def _words(text: str, start: int, end: int) -> list[re.Match[str]]:
    return list(_WORD.finditer(text, start, end))


def _replace_oversized(
    text: str, sentences: list[Interval], counts: dict[Interval, int], max_tokens: int
) -> list[Interval]:
    """Sentences with each oversized one replaced by word runs that fit the budget."""
    units: list[Interval] = []
    for sentence in sentences:
        if counts[sentence] <= max_tokens:
            units.append(sentence)
            continue
        words = [(m.start(), m.end()) for m in _words(text, *sentence)]
        units.extend(_pack_words(words, counts, max_tokens))
    return units


def _leads_on(text: str, unit: Interval) -> bool:
    """Whether ``unit`` belongs with what follows it: an introduction ("To run it, write:"), or
    a term a definition list describes next, a block of its own (or a list item's first
    paragraph) that reads as a term (see :func:`vectorstore.language.reads_as_term`: "-c" and
    "--clean" on two lines over "Output commands to DROP ..."; DocBook's option lists; a
    README's "* `--disable-setuid`" over its indented description)."""
    piece = text[unit[0] : unit[1]]
    if piece.endswith(":"):
        return True
    # A list item's first paragraph reads without its marker: "* `--disable-setuid`".
    marker = _ITEM.match(piece)
    return (
        reads_as_term(piece[marker.end() :].lstrip() if marker else piece)
        and (unit[0] == 0 or text.endswith("\n\n", 0, unit[0]))
        and text.startswith("\n\n", unit[1])
    )


def _pack_words(
    words: list[Interval], counts: dict[Interval, int], max_tokens: int
) -> list[Interval]:
    pieces: list[Interval] = []
    start: Interval | None = None
    last: Interval | None = None
    total = 0
    for word in words:
        if start is not None and last is not None and total + counts[word] > max_tokens:
            piece = (start[0], last[1])
            counts[piece] = total
            pieces.append(piece)
            start, total = None, 0
        if start is None:
            start = word
        last = word
        total += counts[word]
    if start is not None and last is not None:
        piece = (start[0], last[1])
        counts[piece] = total
        pieces.append(piece)
    return pieces


def _regions(document: Document) -> list[tuple[str | None, int, int]]:
    """``(section title, start, end)`` intervals of text that chunks may cover."""
    blocked = sorted(
        document.excluded + ([document.caption] if document.caption else []), key=lambda s: s.start
    )
    regions: list[tuple[str | None, int, int]] = []
    for title, start, end in _section_intervals(document):
        regions.extend((title, s, e) for s, e in _subtract(start, end, blocked))
    return regions


def _section_intervals(document: Document) -> list[tuple[str | None, int, int]]:
    """Each section's heading and body; a heading with no body of its own, right above a
    subsection ("## 17.7.1 (2023-02-21)" over "### Bug Fixes"), goes with the subsection, whose
    title it prefixes ("17.7.1 (2023-02-21) > Bug Fixes"): alone it was a chunk of one heading,
    and the subsection's chunk never held the version it was under."""
    sections = sorted(document.sections, key=lambda s: s.heading_start)
    first = sections[0].heading_start if sections else len(document.text)
    intervals: list[tuple[str | None, int, int]] = [(None, 0, first)]
    above: tuple[str, int] | None = None  # a bodiless heading waiting for its subsection
    for i, section in enumerate(sections):
        title, start = section.title, section.heading_start
        if above is not None:
            title, start = f"{above[0]} > {title}", above[1]
            above = None
        following = sections[i + 1] if i + 1 < len(sections) else None
        if (
            following is not None
            and following.level > section.level
            and not document.text[section.start : section.end].strip()
        ):
            above = (title, start)
            continue
        intervals.append((title, start, section.end))
    return [(title, s, e) for title, s, e in intervals if s < e]


def _subtract(start: int, end: int, blocked: Sequence[Span]) -> list[Interval]:
    pieces: list[Interval] = []
    cursor = start
    for span in blocked:
        if span.end <= cursor or span.start >= end:
            continue
        if span.start > cursor:
            pieces.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces
