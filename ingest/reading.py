"""A chunk's text as its reader sees it, for the embedding model.

Markdown and reStructuredText keep their markup in the stored text (quotes are exact), but a
reader of the rendered page never sees a link's address, a badge or a directive's line.  The
embedding model reads them all the same, and in a README they can outweigh the prose: tqdm's
opening paragraph ("``tqdm`` derives from the Arabic word ...") sits under three rows of
badges (``|Py-Versions| |Versions| ...``), and its chunk ranked 38th for "Where does the name
tqdm come from?" (cosine 0.41; 0.57 with the badges left out).

:func:`reading_text` gives the chunk's text with that markup replaced by spaces, so its length
and every offset in it stay as they are (the candidates' vectors are read from the same forward
pass, by offset):

- text in no block (a directive's line, an HTML block of logos, a row of badges that
  reStructuredText's parser shows as images), and a Markdown paragraph made only of images;
- in prose (every block but code): a Markdown link's or image's target (``[text](url)``,
  ``[text][ref]``: the text stays) and HTML tags outside code spans; a reStructuredText
  reference's address (```text <url>`_``) and substitution references (``|badge|``) outside
  tables.

HTML pages, PDFs and plain text are stored as their reader sees them already.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.candidates import only_images
from ingest.cleaning import MD_TARGET
from vectorstore.types import CODE_KINDS, Block, Document

MARKED_UP = frozenset({"text/markdown", "text/x-rst"})
# A Markdown link's or image's target after its text: "(url)", '(url "title")', "[ref]".
_MD_TARGET = re.compile(r"(?<=\])" + MD_TARGET)
# An HTML tag ("<img src=...>", "</p>"); an autolink ("<https://...>") is no tag: its address
# is what the reader sees.
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_MD_CODE_SPAN = re.compile(r"(`+)[^`].*?\1", re.DOTALL)
# A reStructuredText reference's address: "`text <https://...>`_" keeps "`text`_".
_RST_TARGET = re.compile(r"\s+<[^<>\s]+>(?=`)")
# A substitution reference ("|badge|", "|logo|_"): no space just inside its bars.
_RST_SUBSTITUTION = re.compile(r"(?<![\w|])\|(?![\s|])[^|\n]*(?<![\s|])\|_{0,2}(?![\w|])")
_RST_LITERAL = re.compile(r"``.+?``", re.DOTALL)


def reading_text(document: Document, start: int, end: int) -> str:
    """``document.text[start:end]`` with the markup its reader never sees as spaces (see the
    module's docstring); the same length, line breaks kept."""
    text = document.text
    end = min(end, len(text))
    if document.media_type not in MARKED_UP:
        return text[start:end]
    blocks = sorted(
        (b for b in (*document.blocks, *document.item_parts) if b.end > start and b.start < end),
        key=lambda b: b.start,
    )
    hidden: list[tuple[int, int]] = []
    cursor = start
    for block in blocks:
        if block.start > cursor:
            hidden.append((cursor, block.start))
        cursor = max(cursor, block.end)
        if block.kind not in CODE_KINDS:
            hidden.extend(_hidden_in(document, block, max(block.start, start), min(block.end, end)))
    if cursor < end:
        hidden.append((cursor, end))
    chars = list(text[start:end])
    for s, e in hidden:
        for i in range(max(s, start), min(e, end)):
            if not chars[i - start].isspace():
                chars[i - start] = " "
    return "".join(chars)


def _hidden_in(document: Document, block: Block, start: int, end: int) -> Iterable[tuple[int, int]]:
    """The markup inside ``block``'s part ``[start, end)``."""
    text = document.text
    if document.media_type == "text/markdown":
        if block.kind == "paragraph" and only_images(text[block.start : block.end]):
            return [(start, end)]
        code = [m.span() for m in _MD_CODE_SPAN.finditer(text, start, end)]
        found = [*_MD_TARGET.finditer(text, start, end), *_HTML_TAG.finditer(text, start, end)]
    else:
        code = [m.span() for m in _RST_LITERAL.finditer(text, start, end)]
        found = list(_RST_TARGET.finditer(text, start, end))
        if block.kind != "table":
            found += _RST_SUBSTITUTION.finditer(text, start, end)
    return [m.span() for m in found if not any(s <= m.start() < e for s, e in code)]
