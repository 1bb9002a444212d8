"""Document structure: the title and the headed sections of a stored text.

Five sources of headings:

- Markdown: ATX and setext headings found by markdown-it-py (:mod:`ingest.blocks`), so a ``#``
  line inside code is not one; the level is the number of ``#`` (setext: 1 for ``===``, 2 for
  ``---``); a trailing attribute list such as ``{ #anchor }`` and closing ``#`` are not part of
  the title; the heading span includes a setext underline. The title is the YAML front
  matter's ``title`` when there is one, else the first level-1 heading, else the first heading.
- reStructuredText: section titles found by docutils, over- and underlines included in the
  heading span; the level is the section nesting depth. A directive docutils does not know,
  written with an argument that is no version and with content (Sphinx's ``.. py:data::
  SECRET_KEY``, ``.. tab:: Bash``), is a heading too: its lines are the heading span, its
  argument the title, one level below the section (or described object) it sits in.
- HTML: the h1-h6 positions reported by :func:`ingest.loaders.load_html`.
- PDF: numbered section titles, a line of their own such as ``2.1 ASN.1 syntax`` (a number
  of one or more dotted parts, no full stop after it, then a line that reads like a heading,
  not a table-of-contents line with leader dots), kept only while the numbers run in order: the
  first, then each one the next at its depth (``2`` → ``2.1`` → ``2.2`` → ``3``). The level is
  the number of parts; at least ``MIN_NUMBERED_HEADINGS`` such lines, the first numbered 1 at
  its depth. Without numbered headings, the short paragraphs set larger than the body text,
  or bold at its size (:func:`ingest.pdf.headings_by_style`, levels by prominence), that read
  like a heading (the plain-text test below, on the paragraph's lines as one); without those,
  the plain-text rules below.
- Plain text (and PDF, HTML without positions): underlined titles (a line followed by a row of
  one repeated punctuation character, as in reStructuredText), levels by order of style; and
  a paragraph of one line with at
  most ``MAX_HEADING_WORDS`` words and ``MAX_HEADING_CHARS`` characters that starts with a
  capital letter or digit, is not a list item, does not end with punctuation (``.,;:!?``,
  optionally followed by closing quotes or brackets), is no copyright notice ("Copyright (c)
  2015, A. Author"), and has body text somewhere after it.
  When the first paragraph of the text is such a line it is the title (level 1); all other
  headings are level 2. A plain-text FAQ's questions are headings too: a paragraph of one line
  (or a numbered line whose wrapped lines hang deeper) ending in a question mark, over a
  paragraph indented deeper than it (its answer); a numbered such entry of one line that reads
  as a title after its number, when that number has numbered parts elsewhere ("1. Conventions"
  over indented text, "1.1. Byte" further on); and every numbered such
  entry of a list whose numbered entries are at least half questions. A short line inside an
  answer is none.

A section's body runs from the end of its heading line to the start of the next heading (of any
level) or the end of the text. Text before the first heading belongs to no section. Headings that
start inside an excluded span (boilerplate, caption) are ignored.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from ingest.blocks import (
    ASKS,
    FRONT_MATTER_TITLE_KEYS,
    asciidoc_headings,
    front_matter_values,
    is_bold_line,
    markdown_headings,
    rst_headings,
    rst_headings_by_lines,
)
from ingest.cleaning import iter_lines, line_indent
from ingest.loaders import ASCIIDOC
from vectorstore.language import BULLET
from vectorstore.types import Section, Span

MAX_HEADING_WORDS = 15
# Numbered lines in order needed before a PDF's numbering is read as its sections.
MIN_NUMBERED_HEADINGS = 3
MAX_HEADING_CHARS = 120

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_END_PUNCT = re.compile(r"[.,;:!?…][\"'”’)\]]*$")
_LIST_ITEM = re.compile(rf"^({BULLET}\s|\d+[.)]\s|[a-z][.)]\s)")
# A copyright notice ("Copyright (c) 2015-2017, Norbert Juffa", "© 2024 Example Ltd") is a line
# of a licence or a footer, not a title; a bare "Copyright" (a section on it) still is one.
# A table row ("Key | Size | Default") or an assignment ("TOKEN=abc run"): content, not a title.
# Columns set apart by runs of spaces ("Author           Name of image's creator") and a
# formula ("Y = 0.2126 * R + 0.7152 * G"): content laid out as text, not a title.
_NOT_TITLE = re.compile(r"\|.*\||\w=\S|\S {3,}\S|\s[=<>+*/]\s")
# A line ending in an article, a conjunction, "of" or a copula is a sentence that runs on into
# what follows ("Choices for the alpha_mode are", "The value of the flag is a bitwise or of"),
# not a title.
_RUNS_ON = frozenset({"a", "an", "the", "of", "and", "or", "is", "are", "was", "were", "than"})
_NOTICE = re.compile(r"^(?:©|\(c\)|copyright\b).*\b(?:1[89]|20)\d\d\b", re.IGNORECASE)
# A numbered section title ("2.1 ASN.1 syntax") and a table of contents' leader dots.
_NUMBERED = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2})*) +(?P<title>\S.*?)\s*$")
_LEADERS = re.compile(r"(?:\. ?){3,}")
# An entry's number ("1.", "12)", "1.2.1" before a tab), and a number with parts ("1" of "1.1.").
_ENTRY_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*[.)]?[ \t]+")
_PARTED_NUMBER = re.compile(r"[ \t]*(\d{1,3})\.\d")

HeadingLine = tuple[int, int, int, str]


def find_sections(
    text: str,
    media_type: str,
    excluded: Sequence[Span] = (),
    html_headings: Sequence[tuple[int, int, int]] | None = None,
) -> tuple[str | None, list[Section]]:
    """The title and the sections of ``text`` (rules in the module docstring)."""
    if media_type == "text/markdown":
        headings = markdown_headings(text)
        fields = front_matter_values(text)
        named = [fields[k] for k in FRONT_MATTER_TITLE_KEYS if k in fields]
        title = text[named[0][0] : named[0][1]] if named else _markdown_title(headings, text)
    elif media_type == "text/x-rst":
        headings = rst_headings(text)
        title = _markdown_title(headings, text)
    elif media_type == ASCIIDOC:
        headings = asciidoc_headings(text)
        title = _markdown_title(headings, text)
    elif media_type == "application/pdf":
        numbered = numbered_headings(text, excluded)
        # A heading set over two lines is one title.
        sized = [
            (start, end, level, flat)
            for start, end, level, title in _positioned(text, html_headings or ())
            if is_heading_line(flat := " ".join(title.split()))
        ]
        headings = numbered or sized or text_headings(text, excluded)
        title = headings[0][3] if headings and headings[0][2] == 1 and not numbered else None
    elif html_headings is not None:
        headings = _positioned(text, html_headings)
        title = _markdown_title(headings)
    else:
        headings = text_headings(text, excluded)
        title = headings[0][3] if headings and headings[0][2] == 1 else None
    headings = [h for h in headings if not _inside(h[0], excluded)]
    return title, _sections(text, headings)


def _positioned(text: str, positions: Sequence[tuple[int, int, int]]) -> list[HeadingLine]:
    """Headings at given ``(start, end, level)`` positions, with their text as title."""
    return [(start, end, level, text[start:end].strip()) for start, end, level in positions]


def section_holding(sections: Sequence[Section], offset: int) -> Section | None:
    """The section whose heading or body contains ``offset``, else None."""
    starts = [s.heading_start for s in sections]
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and offset < sections[index].end:
        return sections[index]
    return None


def section_at(sections: Sequence[Section], offset: int) -> str | None:
    """Title of the section whose heading or body contains ``offset``, else None."""
    section = section_holding(sections, offset)
    return section.title if section is not None else None


def code_fence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each fenced code block (``` or ~~~), fences included."""
    spans: list[tuple[int, int]] = []
    opening: tuple[int, str] | None = None
    for start, end, line in iter_lines(text):
        match = _FENCE.match(line)
        if opening is None:
            if match:
                opening = (start, match.group(1))
        elif match and _closes(match.group(1), opening[1], line):
            spans.append((opening[0], end))
            opening = None
    if opening is not None:
        spans.append((opening[0], len(text)))
    return spans


def _closes(fence: str, opening: str, line: str) -> bool:
    return fence[0] == opening[0] and len(fence) >= len(opening) and line.strip() == fence


def _markdown_title(headings: Sequence[HeadingLine], text: str = "") -> str | None:
    """The first level-1 heading's title, else the first heading's that is not a line all in
    bold: a bold line heads a part of the page, not the page (Starlette's database page opens
    with its files' names, "**.env**", above their code)."""
    for heading in headings:
        if heading[2] == 1:
            return heading[3]
    titles = (h[3] for h in headings if not is_bold_line(text[h[0] : h[1]]))
    return next(titles, None)


def text_headings(text: str, excluded: Sequence[Span] = ()) -> list[HeadingLine]:
    """Headings of a plain text: underlined titles, then short standalone lines."""
    underlined = [h for h in rst_headings_by_lines(text) if not _inside(h[0], excluded)]
    if not underlined:
        return plain_headings(text, excluded)
    taken = [(h[0], h[1]) for h in underlined]
    deepest = max(h[2] for h in underlined)
    # A short standalone line among underlined titles is read as a title of the deepest style.
    others = [
        (s, e, deepest, t)
        for s, e, _, t in plain_headings(text, excluded)
        if not any(a <= s < b or a < e <= b for a, b in taken)
    ]
    return sorted(underlined + others)


def numbered_headings(text: str, excluded: Sequence[Span] = ()) -> list[HeadingLine]:
    """Numbered section titles on lines of their own, while the numbers run in order."""
    headings: list[HeadingLine] = []
    previous: tuple[int, ...] | None = None
    for start, end, line in iter_lines(text):
        match = _NUMBERED.match(line)
        if match is None or _inside(start, excluded) or _LEADERS.search(line):
            continue
        title = match.group("title")
        if not is_heading_line(title) or title[:1].isdigit():
            continue
        number = tuple(int(part) for part in match.group("number").split("."))
        if not _follows(previous, number):
            continue
        previous = number
        headings.append((start, end, len(number), line.strip()))
    # One numbered line is no numbering (a row of a table, a step).
    return headings if len(headings) >= MIN_NUMBERED_HEADINGS else []


def _follows(previous: tuple[int, ...] | None, number: tuple[int, ...]) -> bool:
    """``number`` is the next section at some depth after ``previous`` (2.1 → 2.2, 2.2 → 3, 2 →
    2.1); the first must be a first one (1, 1.1, 3.1)."""
    if previous is None:
        return number[-1] == 1
    if number == (*previous, 1):
        return True
    depth = len(number)
    return depth <= len(previous) and number == (*previous[: depth - 1], previous[depth - 1] + 1)


def plain_headings(text: str, excluded: Sequence[Span] = ()) -> list[HeadingLine]:
    """Headings of a plain text by the short-standalone-line rule (title first, level 1), and
    the entries that head an indented answer (:func:`_answered_entries`)."""
    paragraphs = _paragraphs(text, excluded)
    answered = _answered_entries(text, paragraphs)
    parted = _parted_numbers(text, paragraphs)
    # A short line inside an answer, indented as deep as the answer is, is a line of it ("If
    # "make test" produces something like" over the output it shows), not a title.
    in_answer: set[int] = set()
    for index, indent in answered.items():
        after = index + 1
        while after < len(paragraphs) and after not in answered:
            if line_indent(text[paragraphs[after][0] : paragraphs[after][1]]) <= indent:
                break
            in_answer.add(after)
            after += 1
    headings: list[HeadingLine] = []
    body_after = False
    for index in range(len(paragraphs) - 1, -1, -1):
        start, end, lines = paragraphs[index]
        level = 1 if index == 0 else 2
        if index in answered:
            headings.append((start, end, level, " ".join(text[start:end].split())))
        elif (
            lines == 1
            and body_after
            and (
                (
                    index not in in_answer
                    and (
                        is_heading_line(text[start:end])
                        # A specification's numbered title over unindented text ("2.
                        # Decompression algorithm (inflate)", "2.1 Introduction" further on).
                        or _titled_number(text[start:end].strip(), parted)
                    )
                )
                # A FAQ's numbered question heads its answer inside its chapter too.
                or _numbered_question_over_answer(text, paragraphs, index)
            )
        ):
            headings.append((start, end, level, text[start:end].strip()))
        else:
            body_after = True
    headings.reverse()
    return headings


def _numbered_question_over_answer(
    text: str, paragraphs: Sequence[tuple[int, int, int]], index: int
) -> bool:
    """Paragraph ``index`` is a FAQ's numbered question ("  1.1 What is cURL?") and the
    paragraph under it is no other such question: the entry heads its answer, indented as deep
    as the question is (curl's FAQ) or deeper (:func:`_answered_entries`)."""
    if index + 1 >= len(paragraphs):
        return False
    return _numbered_question(text, paragraphs[index]) and not _numbered_question(
        text, paragraphs[index + 1]
    )


def _numbered_question(text: str, paragraph: tuple[int, int, int]) -> bool:
    """A paragraph of one line: a number in parts, then a question ("3.5 How can I disable
    ...?"); a number alone ("2. Is the gauge calibrated?") numbers a list as often."""
    start, end, count = paragraph
    line = text[start:end].strip()
    number = _ENTRY_NUMBER.match(line)
    return (
        count == 1
        and number is not None
        and _PARTED_NUMBER.match(line) is not None
        and ASKS.search(line) is not None
    )


def _answered_entries(text: str, paragraphs: Sequence[tuple[int, int, int]]) -> dict[int, int]:
    """The paragraphs that head an answer indented deeper than they are, with their indent: a
    plain-text FAQ's questions (" 1. Is zlib thread-safe?" over "    Yes.  However ...").

    An entry is a paragraph of one line, or a numbered line whose wrapped lines are indented
    deeper (a hanging indent), followed by a paragraph indented deeper than its first line. A
    question entry (ending in a question mark) heads its answer; so does a numbered entry of
    one line that reads as a title after its number, a number with numbered parts elsewhere (a
    specification's "1. Conventions" over its indented text, "1.1. Byte ..." further on;
    steps, "1. Install the package" over indented code, have none), and every numbered entry
    of a list whose numbered entries are at least half questions ("8. I found a bug in zlib."
    among numbered questions; a list is the numbered entries whose text starts at one column).
    Numbered steps over indented notes stay list items.
    """
    # index, indent, the lists a numbered entry is in, question, title
    entries: list[tuple[int, int, tuple[str, ...], bool, bool]] = []
    parted = _parted_numbers(text, paragraphs)
    for index, (start, end, count) in enumerate(paragraphs[:-1]):
        lines = text[start:end].split("\n")
        indent = line_indent(lines[0])
        following = paragraphs[index + 1]
        if line_indent(text[following[0] : following[1]]) <= indent:
            continue
        first = lines[0].expandtabs(8)
        number = _ENTRY_NUMBER.match(first, indent)
        if count > 1 and not (number and all(line_indent(line) > indent for line in lines[1:])):
            continue
        question = ASKS.search(lines[-1].rstrip()) is not None
        titled = count == 1 and _titled_number(first[indent:], parted)
        lists = _lists(number) if number else ()
        entries.append((index, indent, lists, question, titled))
    questions: dict[str, list[bool]] = {}
    for _, _, lists, question, _ in entries:
        for key in lists:
            questions.setdefault(key, []).append(question)
    faq = {key for key, found in questions.items() if 2 * sum(found) >= len(found)}
    return {
        index: indent
        for index, indent, lists, question, titled in entries
        if question or titled or not faq.isdisjoint(lists)
    }


def _parted_numbers(text: str, paragraphs: Sequence[tuple[int, int, int]]) -> set[str]:
    """The numbers that have numbered parts ("1" of "1.1. Byte ..."): sections', not steps'."""
    return {m.group(1) for start, _, _ in paragraphs if (m := _PARTED_NUMBER.match(text, start))}


def _titled_number(line: str, parted: set[str]) -> bool:
    """``line`` is a numbered entry that reads as a title after its number, a number with
    numbered parts elsewhere (see :func:`_parted_numbers`)."""
    number = _ENTRY_NUMBER.match(line)
    return (
        number is not None
        and is_heading_line(line[number.end() :])
        and number.group().strip().rstrip(".)") in parted
    )


def _lists(number: re.Match[str]) -> tuple[str, ...]:
    """The lists a numbered entry is in: the entries whose text starts at its column, and, for
    a number of parts, the entries numbered under the same parent ("5.9." and "5.10." are both
    under "5.", their text a column apart)."""
    column = f"text at column {number.end()}"
    parent = number.group().strip().rstrip(".)").rpartition(".")[0]
    return (column, f"numbered under {parent}") if parent else (column,)


def is_heading_line(line: str) -> bool:
    """True for a short line that reads like a heading (no end punctuation, capitalised)."""
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS:
        return False
    if len(stripped.split()) > MAX_HEADING_WORDS or _END_PUNCT.search(stripped):
        return False
    if _LIST_ITEM.match(stripped) or _NOTICE.match(stripped) or _NOT_TITLE.search(stripped):
        return False
    if stripped.split()[-1].lower() in _RUNS_ON:
        return False
    first = next((ch for ch in stripped if ch.isalnum()), "")
    return bool(first) and (first.isupper() or first.isdigit()) and stripped[0].isalnum()


def _paragraphs(text: str, excluded: Sequence[Span]) -> list[tuple[int, int, int]]:
    """Paragraphs ``(start, end, line_count)``; excluded lines count as blank."""
    found: list[tuple[int, int, int]] = []
    current: list[tuple[int, int]] = []
    for start, end, line in iter_lines(text):
        if line.strip() and not _inside(start, excluded):
            current.append((start, end))
        elif current:
            found.append((current[0][0], current[-1][1], len(current)))
            current = []
    if current:
        found.append((current[0][0], current[-1][1], len(current)))
    return found


def _sections(text: str, headings: Sequence[HeadingLine]) -> list[Section]:
    sections: list[Section] = []
    for index, (start, end, level, title) in enumerate(headings):
        body_end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
        sections.append(Section(title, level, start, end, end, body_end))
    return sections


def _inside(offset: int, spans: Sequence[Span]) -> bool:
    return any(s.start <= offset < s.end for s in spans)
