"""A PDF page's text with its paragraphs: where the layout starts one, a blank line.

pypdf's text extraction gives one line of text per line of the page and nothing more: a page is
one run of lines, its headings, paragraphs, list items and code blocks run together, and the
structure rules (which read blank lines as paragraph breaks and short standalone lines as
headings) see a page as a single paragraph.  A typesetter marks those breaks with space: more
room above a paragraph than between its lines, and a heading in another font size.  So the text
is pypdf's own, character for character, with one newline added before each line that

- lies further below the line before it than ``PARAGRAPH_GAP`` times the page's most common
  line spacing (both measured in the lines' font sizes, so a heading's taller lines are not a gap),
  or above it (a new column, a float), or
- is set in a font size that differs from the line before's by more than ``SIZE_CHANGE`` (a
  heading, a code block in a smaller font).

Pages whose lines are evenly spaced in one size (many typeset manuals mark a paragraph by an
indent instead) come out exactly as pypdf extracts them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypdf import PageObject

# A line this many times the usual spacing below the one before it starts a paragraph: body
# text is set at 1.1-1.3 times the font size and a paragraph adds a half line or more.
PARAGRAPH_GAP = 1.4
# A line whose font size differs from the line before's by more than this ratio starts a block.
SIZE_CHANGE = 1.15


@dataclass
class _Line:
    """One line of extracted text, where its first characters sit and the size most are in."""

    text: str
    baseline: float | None = None  # page units, upward
    sizes: Counter[float] = field(default_factory=Counter)

    def add(self, text: str, baseline: float, size: float) -> None:
        if not text.strip():
            return
        if self.baseline is None:
            self.baseline = baseline
        self.sizes[size] += len(text.strip())

    @property
    def size(self) -> float | None:
        return self.sizes.most_common(1)[0][0] if self.sizes else None


def page_text(page: PageObject) -> str:
    """The page's text as pypdf extracts it, with a blank line before each line the layout
    starts a paragraph or a heading with (rules in the module docstring)."""
    lines = [_Line("")]

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        # The text matrix in the page's space: the baseline's height and the rendered size.
        baseline = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        rendered = round(abs(size * (tm[3] * cm[3] + tm[2] * cm[1])) or abs(size), 1)
        first, *rest = text.split("\n")
        lines[-1].text += first
        lines[-1].add(first, baseline, rendered)
        for part in rest:
            lines.append(_Line(part))
            lines[-1].add(part, baseline, rendered)

    extracted = page.extract_text(visitor_text=visit) or ""
    if "\n".join(line.text for line in lines) != extracted:
        return extracted  # the pieces do not add up to the text: keep pypdf's, unchanged
    breaks = _breaks(lines)
    return "\n".join(("\n" if i in breaks else "") + line.text for i, line in enumerate(lines))


def _breaks(lines: list[_Line]) -> set[int]:
    """Indices of the lines a paragraph or heading starts at (not after a blank line)."""
    placed = [
        (i, line.baseline, line.size)
        for i, line in enumerate(lines)
        if line.baseline is not None and line.size
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
