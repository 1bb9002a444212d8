"""A PDF page's text with its paragraphs parted where the layout parts them, and its headings.

pypdf's text extraction gives one line of text per line of the page and nothing more: a page is
one run of lines, its headings, paragraphs, list items and code blocks run together, and the
structure rules (which read blank lines as paragraph breaks and short standalone lines as
headings) see a page as a single paragraph.  A typesetter marks those breaks with space: more
room above a paragraph than between its lines, and a heading in another font size.  So the text
is pypdf's own, character for character but for Latin ligatures written as their letters
("\ufb01" as "fi", :func:`_unligated`), with one newline added before each line that

- lies further below the line before it than ``PARAGRAPH_GAP`` times the page's most common
  line spacing (both measured in the lines' font sizes, so a heading's taller lines are not a
  gap), or above it (a new column, a float), or
- is set in a font size that differs from the line before's by more than ``SIZE_CHANGE`` (a
  heading, a code block in a smaller font).

Pages whose lines are evenly spaced in one size (many typeset manuals mark a paragraph by an
indent instead) come out exactly as pypdf extracts them.

Each line keeps its style (the size and boldness of most of its characters), from which
:func:`headings_by_style` finds the headings: short paragraphs set more prominently than the body
text.  List items without a marker character (a browser draws its bullets) stay lines of a
paragraph: nothing in the text says where one ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from pypdf import PageObject

# A line this many times the usual spacing below the one before it starts a paragraph: body
# text is set at 1.1-1.3 times the font size and a paragraph adds a half line or more.
PARAGRAPH_GAP = 1.4
# A line whose font size differs from the line before's by more than this ratio starts a block;
# a paragraph set larger than the body text by more than it is a heading.
SIZE_CHANGE = 1.15
# A heading wraps onto at most this many lines; more is a paragraph in a large font (a lead).
MAX_HEADING_LINES = 3


# A bold face, by the font's name: the weight names of type foundries at or near bold ("Bold",
# "DemiBold", "Black", "Heavy"; URW abbreviates "Medium", the bold of its Times clone, as in
# "NimbusRomNo9L-Medi") and TeX's bold extended Computer Modern ("CMBX12"). Read off the fonts
# of the PDFs on this machine (Chromium's "LiberationSerif-Bold", the Debian manuals' "CMBX12"
# and "NimbusRomNo9L-Medi"), none of them in an eval set; with it the Starlette PDFs' section
# questions went 16 -> 20 of 24 on their test part (docs/structure.md, thirty-fourth session).
_BOLD = re.compile(r"bold|black|heavy|demi|(?<![a-z])medi|cmbx", re.IGNORECASE)


@lru_cache(maxsize=256)
def _is_bold(font_name: str) -> bool:
    """Whether the font's name says its face is bold (asked for every piece of text drawn)."""
    return bool(_BOLD.search(font_name))


class Style(NamedTuple):
    """How a line is set: its font size (in the page's units) and whether the face is bold."""

    size: float
    bold: bool


@dataclass
class _Line:
    """One line of extracted text, where its first characters sit and the style most are in."""

    text: str
    baseline: float | None = None  # page units, upward
    styles: Counter[Style] = field(default_factory=Counter)

    def add(self, text: str, baseline: float, style: Style) -> None:
        if not text.strip():
            return
        if self.baseline is None:
            self.baseline = baseline
        self.styles[style] += len(text.strip())

    @property
    def style(self) -> Style | None:
        return self.styles.most_common(1)[0][0] if self.styles else None

    @property
    def size(self) -> float | None:
        style = self.style
        return style.size if style else None


@dataclass(frozen=True)
class PdfPage:
    """A page's text, paragraphs parted and stripped, and the ``(start, end, style)`` of each of
    its lines with text, offsets in that text."""

    text: str
    lines: tuple[tuple[int, int, Style], ...] = ()


# Unicode's Latin ligatures ("\ufb01" for "fi", "\ufb02" for "fl", U+FB00 to U+FB06): a
# typesetter's glyphs, which many PDFs map to these characters. Read as themselves, "\ufb01les"
# is no word "files" to the word index, and the embedding model's vocabulary has no such piece.
_LIGATURES = re.compile("[\ufb00-\ufb06]")


def _unligated(text: str) -> str:
    """``text`` with each Latin ligature written as its letters (its compatibility form)."""
    return _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def read_page(page: PageObject) -> PdfPage:
    """The page's text as pypdf extracts it, with a blank line before each line the layout
    starts a paragraph or a heading with (rules in the module docstring), and its lines' styles."""
    lines = [_Line("")]

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = _unligated(text)
        # The text matrix in the page's space: the baseline's height and the rendered size.
        baseline = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        rendered = round(abs(size * (tm[3] * cm[3] + tm[2] * cm[1])) or abs(size), 1)
        name = str(font.get("/BaseFont", "")) if font is not None else ""
        style = Style(rendered, _is_bold(name))
        first, *rest = text.split("\n")
        lines[-1].text += first
        lines[-1].add(first, baseline, style)
        for part in rest:
            lines.append(_Line(part))
            lines[-1].add(part, baseline, style)

    try:
        extracted = _unligated(page.extract_text(visitor_text=visit) or "")
    except (AttributeError, TypeError, ValueError, ZeroDivisionError):
        # The layout could not be read (an odd font dictionary, a degenerate matrix): the text
        # alone, as pypdf extracts it (its own errors come from this call too).
        return PdfPage(_unligated(page.extract_text() or "").strip())
    if "\n".join(line.text for line in lines) != extracted:
        return PdfPage(extracted.strip())  # the pieces do not add up: pypdf's text, no sizes
    breaks = _breaks(lines)
    text = "\n".join(("\n" if i in breaks else "") + line.text for i, line in enumerate(lines))
    lead = len(text) - len(text.lstrip())
    spans, offset = [], -lead
    for i, line in enumerate(lines):
        offset += (i in breaks) + (i > 0)
        if line.style is not None and line.text.strip():
            # The line's characters without the spaces around them (the page's text is
            # stripped, so its first line's leading spaces are gone).
            start = offset + len(line.text) - len(line.text.lstrip())
            spans.append((start, offset + len(line.text.rstrip()), line.style))
        offset += len(line.text)
    return PdfPage(text.strip(), tuple(spans))


def headings_by_style(
    pages: Sequence[PdfPage], separator: str = "\n\n"
) -> list[tuple[int, int, int]]:
    """``(start, end, level)`` of the headings of the pages joined by ``separator``: each
    paragraph of at most ``MAX_HEADING_LINES`` lines all set in one style that stands out from
    the body text's (the style most characters are in): larger by more than ``SIZE_CHANGE``, or
    bold and no smaller when the body is not bold.  The most prominent style (largest, then
    bold) is level 1, the next level 2, and so on."""
    chars: Counter[Style] = Counter()
    for page in pages:
        for start, end, style in page.lines:
            chars[style] += end - start
    if not chars:
        return []
    body = chars.most_common(1)[0][0]
    found: list[tuple[int, int, Style]] = []
    offset = 0
    for page in pages:
        for paragraph in _paragraphs(page):
            styles = {style for _, _, style in paragraph}
            if len(paragraph) <= MAX_HEADING_LINES and len(styles) == 1:
                style = styles.pop()
                if _stands_out(style, body):
                    found.append((offset + paragraph[0][0], offset + paragraph[-1][1], style))
        offset += len(page.text) + len(separator)
    ranks = {
        style: level for level, style in enumerate(sorted({f[2] for f in found}, reverse=True), 1)
    }
    return [(start, end, ranks[style]) for start, end, style in found]


def _stands_out(style: Style, body: Style) -> bool:
    if style.size > body.size * SIZE_CHANGE:
        return True
    return style.bold and not body.bold and style.size >= body.size


def _paragraphs(page: PdfPage) -> list[list[tuple[int, int, Style]]]:
    """The page's lines, grouped by paragraph (lines with no blank line between them)."""
    groups: list[list[tuple[int, int, Style]]] = []
    for line in page.lines:
        if groups and page.text[groups[-1][-1][1] : line[0]] == "\n":
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _breaks(lines: list[_Line]) -> set[int]:
    """Indices of the lines a paragraph or heading starts at (not after a blank line)."""
    placed = [
        (i, line.baseline, line.size)
        for i, line in enumerate(lines)
        if line.baseline is not None and line.size  # a size of 0 has no spacing
    ]
    # Each line's distance below the placed line before it, in that line's font size.
    steps = [
        (i, (above - below) / size, max(size, other) / min(size, other))
        for (_, above, size), (i, below, other) in pairwise(placed)
    ]
    usual = [spacing for _, spacing, resized in steps if resized == 1.0 and spacing > 0]
    if not usual:
        return set()
    # The most common spacing (to a twentieth of the size; of equals, the closest): on a page of
    # a few lines the paragraphs' spacing must not count as the lines'.
    counts = Counter(round(spacing * 20) / 20 for spacing in usual)
    line_spacing = min(counts, key=lambda spacing: (-counts[spacing], spacing))
    return {
        i
        for i, spacing, resized in steps
        if lines[i - 1].text.strip()  # not already apart
        and (spacing <= 0 or spacing > PARAGRAPH_GAP * line_spacing or resized > SIZE_CHANGE)
    }
