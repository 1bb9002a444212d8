"""Turn files into stored text: plain text, Markdown and rst unchanged, HTML and PDF extracted.

The stored text is what citations are checked against, so loaders never rewrite plain text,
Markdown or reStructuredText: the decoded file content is kept byte-for-byte (apart from a
UTF-8/UTF-16 byte order mark). HTML becomes readable plain text with one block element per
paragraph, and the loader records the structure of each block as it writes it (heading level,
list item and nesting depth, code, table row, quotation); elements whose class or id names page
furniture (share bars, cookie banners, newsletter boxes, comments, related posts) are dropped like
``nav`` and ``footer``. PDF pages are joined with a blank line, each with a blank line where its
layout starts a paragraph or a heading (:mod:`ingest.pdf`).

Errors: every failure to produce usable text raises :class:`LoadError` with a message that names
the file and the reason (binary content, empty file, encrypted or broken PDF, ...).
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

from ingest.pdf import PdfPage, headings_by_style, read_page
from vectorstore.language import reads_as_term
from vectorstore.types import ITEM_PART_KINDS, Block, Span

# AsciiDoc's media type as its tools and GitHub name it (none is registered with IANA).
ASCIIDOC = "text/asciidoc"
MEDIA_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",  # the other registered suffix (RFC 7763), common on Jekyll sites
    ".rst": "text/x-rst",
    ".adoc": ASCIIDOC,
    ".asciidoc": ASCIIDOC,
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(MEDIA_TYPES)

# Above this share of control characters a decoded file is treated as binary.
MAX_CONTROL_RATIO = 0.02
# Unicode category Cc minus the whitespace controls that text files legitimately contain.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})

DROPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "footer",
        "form",
        "noscript",
        "template",
        "head",
        "iframe",
        "svg",
        "button",
        "select",
        "textarea",
        "input",
    }
)
BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
# Tokens of class/id values that mark page furniture rather than content.
_FURNITURE_TOKENS = frozenset(
    {
        "share",
        "sharing",
        "sharedaddy",
        "social",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "comments",
        "comment",
        "respond",
        "related",
        "advert",
        "advertisement",
        "ads",
        "promo",
        "popup",
        "modal",
        "breadcrumb",
        "breadcrumbs",
        "sidebar",
        "headerlink",  # Sphinx's and MkDocs's permalink after a heading ("¶", "#")
    }
)
_CLASS_TOKEN = re.compile(r"[a-z]+")
# An element around the page's main content is never furniture, whatever its class (an
# ``article`` is not among them: comments and related-post cards are articles too).
_CONTENT_TAGS = ("main", "h1")
# The page's main content: an ``<aside>`` inside it is the text's own (a footnote, a note, a
# topic: "tangentially related to the content of the parenting sectioning content", as the HTML
# standard puts it; docutils writes its footnotes so); outside it, the site's sidebar.
_MAIN_TAGS = ("main", "article")
_LIST_TAGS = ("ul", "ol")
_WORD_CHAR = re.compile(r"\w")
# Stands for <br> while source newlines (mere whitespace in HTML) are collapsed.
_LINE_BREAK = "\ue000"
HEADING_LEVELS = {f"h{n}": n for n in range(1, 7)}
# Elements that show an image, a video or a sound. Standing on its own between blocks, one is the
# content a sentence such as "It looks like this:" announces. ``iframe`` and ``svg`` stay dropped:
# on web pages they are mostly advertising frames and icons.
MEDIA_TAGS: dict[str, str] = {
    "img": "image",
    "picture": "image",
    "video": "video",
    "audio": "audio",
}

HeadingPosition = tuple[int, int, int]


class LoadError(Exception):
    """A file could not be turned into usable text (binary, empty, encrypted, broken, ...)."""


@dataclass(frozen=True)
class LoadedFile:
    """Stored text of one file, its media type, heading positions (HTML; PDF: by style),
    blocks (HTML) and page furniture (PDF)."""

    text: str
    media_type: str
    headings: list[HeadingPosition] | None = field(default=None)
    blocks: list[Block] | None = field(default=None)
    furniture: list[Span] = field(default_factory=list)  # PDF running heads and page numbers


def media_type_for(path: Path) -> str:
    """The media type for a supported file name; raises LoadError for other suffixes."""
    try:
        return MEDIA_TYPES[path.suffix.lower()]
    except KeyError:
        raise LoadError(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}") from None


def load_file(path: Path, raw: bytes | None = None) -> LoadedFile:
    """Load one file (bytes already read may be passed as ``raw``)."""
    media_type = media_type_for(path)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"{path.name}: cannot read file: {exc}") from exc
    if media_type == "text/html":
        page = parse_html(raw, name=path.name)
        return LoadedFile(page.text, media_type, page.headings, page.blocks)
    if media_type == "application/pdf":
        pages = load_pdf_pages(raw, name=path.name)
        texts = [page.text for page in pages]
        return LoadedFile(
            join_pages(texts, path.name),
            media_type,
            headings=headings_by_style(pages) or None,
            furniture=page_furniture(texts),
        )
    text = decode_text(raw, name=path.name)
    if media_type == "text/plain" and _RST_EXPLICIT_MARKUP.search(text):
        media_type = "text/x-rst"
    elif media_type == "text/plain" and len(_asciidoc_marks(text)) >= MIN_ASCIIDOC_MARKS:
        media_type = ASCIIDOC
    return LoadedFile(text, media_type)


# Terminal formatting left in text saved from a terminal (a man page rendered by grotty, a
# coloured log): escape sequences ("\x1b[1m" bold, "\x1b[0m" reset) and overstrikes ("a\ba"
# bold, "_\ba" underlined, "+\bo" a bullet: the character struck over stays). How the text
# looked, not what it says: quoted, "\x1b[1mbash\x1b[22m" reads as "bash".
_TERMINAL_FORMATTING = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[^\n]\x08")


# A line of reStructuredText's explicit markup: a directive (".. note::"), a link target
# (".. _install:") or a substitution definition (".. |name| image:: ..."). Plain text does not
# write these; many projects' ".txt" files (docutils's docs, PEPs) are reStructuredText, read
# as plain text they lose their literal blocks and their targets read as list introductions.
_RST_EXPLICIT_MARKUP = re.compile(r"^\.\. (?:[A-Za-z][\w-]*::|_[^:\n]+:|\|[^|\n]+\|)", re.M)


# Lines only AsciiDoc writes: a list continuation ("+" alone), an anchor ("[[id]]"), a block
# macro ("include::config/stash.txt[]", "image::x.png[]"), a block's attributes over its fence
# ("[source,python]" over "----"), a labelled list's term ("--all::") and an inline macro
# ("see linkgit:git-config[1]"). Git's manual pages and many projects' ".txt" files are
# AsciiDoc; read as plain text, their fences were titles' underlines and "+" a sentence.
# AsciiDoc's anchor line ("[[id]]") and block macro ("include::x.adoc[]"), read here to tell
# AsciiDoc and by the reader (ingest.blocks) as markup.
ADOC_ANCHOR = r"\[\[[^\]\n]+\]\]"
ADOC_BLOCK_MACRO = r"\w[\w-]*::[^\s\[]*\[[^\]\n]*\]"
_ASCIIDOC_MARKS = re.compile(
    rf"^(?:(\+)|({ADOC_ANCHOR})|({ADOC_BLOCK_MACRO})"
    r"|(\[[^\]\n]*\]\n(?:-{4,}|\.{4,}|={4,}|_{4,}|\*{4,}))|(\S[^\n]*[^:\s]::))[ \t]*$"
    r"|(?<![\w:/])([a-z]+:[^\s\[\]:/][^\s\[\]]*\[[^\]\n]*\])",
    re.M,
)
# A text is AsciiDoc when it writes at least this many different kinds of those lines (one
# kind alone, "+" in a diff, can be anything's).
MIN_ASCIIDOC_MARKS = 2


def _asciidoc_marks(text: str) -> set[int]:
    """The kinds of :data:`_ASCIIDOC_MARKS` lines ``text`` writes (their group numbers)."""
    return {m.lastindex or 0 for m in _ASCIIDOC_MARKS.finditer(text)}


def load_text(path: Path) -> tuple[str, str]:
    """Return ``(stored_text, media_type)`` for a supported file."""
    loaded = load_file(path)
    return loaded.text, loaded.media_type


def decode_text(raw: bytes, name: str = "file") -> str:
    """Decode text bytes (UTF-8, UTF-16 with BOM, else cp1252/latin-1 if clearly text), only
    terminal formatting taken out (:data:`_TERMINAL_FORMATTING`)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode_or_fail(raw, "utf-16", name)
    elif b"\x00" in raw:
        raise LoadError(f"{name}: looks like a binary file (contains NUL bytes)")
    else:
        text = _decode_legacy(raw)
    text = _TERMINAL_FORMATTING.sub("", text)
    _check_is_text(text, name)
    return text


def _decode_or_fail(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{name}: cannot decode as {encoding}: {exc}") from exc


def _decode_legacy(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _check_is_text(text: str, name: str) -> None:
    if not text.strip():
        raise LoadError(f"{name}: file is empty (no text)")
    controls = len(_CONTROL_CHARS.findall(text))
    if controls / len(text) > MAX_CONTROL_RATIO or "\x00" in text:
        raise LoadError(f"{name}: looks like a binary file ({controls} control characters)")


def load_pdf_pages(raw: bytes, name: str = "file.pdf") -> list[PdfPage]:
    """Each page that has any text: its text (stripped) and its lines' styles."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(f"{name}: PDF is encrypted (password required)")
        pages = [read_page(page) for page in reader.pages]
    except LoadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise LoadError(f"{name}: cannot read PDF: {exc}") from exc
    return [page for page in pages if page.text]


def join_pages(pages: Sequence[str], name: str = "file.pdf") -> str:
    """The stored text of a PDF: its pages joined with a blank line."""
    text = "\n\n".join(pages)
    if not text.strip():
        raise LoadError(f"{name}: PDF has no extractable text (scanned images?)")
    return text


# The kind of a page furniture span: excluded like boilerplate, but a list that runs on over a
# page break continues after it (see ingest.gaps).
PAGE_FURNITURE = "page_furniture"
# A first or last line repeated (digits aside) on this many pages is a running head or foot.
MIN_RUNNING_PAGES = 3
# A page's first or last line that is only its number ("7", "Page 7", "7 of 30", "- 7 -") is
# furniture even in a document too short for the number to recur.
_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014]",
    re.IGNORECASE,
)


def page_furniture(pages: Sequence[str]) -> list[Span]:
    """Spans (offsets in :func:`join_pages`'s text) of each page's running head or foot: a first
    or last line that recurs, digits aside, as a first or last line on at least
    ``MIN_RUNNING_PAGES`` pages ("Chapter 2: Syntax 14"), or that is only a page number ("7",
    "Page 7", "7 of 30", "- 7 -") on any page, except the document's very first line (its
    title)."""
    edges: list[tuple[int, int, str]] = []
    offset = 0
    for page in pages:
        lines = page.split("\n")
        first_end = len(lines[0])
        edges.append((offset, offset + first_end, lines[0]))
        if len(lines) > 1:
            last_start = len(page) - len(lines[-1])
            edges.append((offset + last_start, offset + len(page), lines[-1]))
        offset += len(page) + 2

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.lower().split()))

    counts = Counter(key(line) for _, _, line in edges if line.strip())
    return [
        Span(start, end, PAGE_FURNITURE, line)
        for index, (start, end, line) in enumerate(edges)
        # The document's first line is its title, even when every page repeats it.
        if line.strip()
        and index > 0
        and (counts[key(line)] >= MIN_RUNNING_PAGES or _PAGE_NUMBER.fullmatch(line.strip()))
    ]


def load_html(raw: str | bytes, name: str = "file.html") -> tuple[str, list[HeadingPosition]]:
    """Readable text of an HTML page and its h1-h6 positions as ``(start, end, level)``."""
    page = parse_html(raw, name)
    return page.text, page.headings


@dataclass(frozen=True)
class HtmlPage:
    """The stored text of an HTML page, its heading positions and its blocks."""

    text: str
    headings: list[HeadingPosition]
    blocks: list[Block]


def parse_html(raw: str | bytes, name: str = "file.html") -> HtmlPage:
    """Readable text of an HTML page with the exact offsets of each block in it."""
    soup = BeautifulSoup(raw, "html.parser")
    collector = _HtmlBlocks(
        _anchors(soup), _pager_hosts(soup), _main_titled(soup), _marks_main(soup)
    )
    collector.walk(soup)
    collector.flush()
    parts: list[str] = []
    headings: list[HeadingPosition] = []
    blocks: list[Block] = []
    offset = 0
    item = -1  # the list item block the parts that follow belong to
    for text, kind, level, ends_in_link in collector.items:
        if parts:
            offset += 2
        if kind in ("heading", "term"):
            headings.append((offset, offset + len(text), level))
        blocks.append(Block(offset, offset + len(text), kind, level, ends_in_link))
        if kind == "list_item":
            item = len(blocks) - 1
        elif kind in ITEM_PART_KINDS and item >= 0:
            # The item's block runs over its parts: a list goes on past code inside an item.
            head = blocks[item]
            end = offset + len(text)
            blocks[item] = Block(head.start, end, head.kind, head.level, ends_in_link)
        parts.append(text)
        offset += len(text)
    stored = "\n\n".join(parts)
    if not stored.strip():
        raise LoadError(f"{name}: HTML page has no readable text")
    return HtmlPage(stored, headings, blocks)


_BLOCK_BOUNDARIES = BLOCK_TAGS | frozenset(HEADING_LEVELS) | {"pre"}


class _HtmlBlocks:
    """Collects text blocks (paragraphs, list items, headings, ...) from a parsed page."""

    def __init__(
        self,
        anchors: frozenset[str],
        pager_hosts: frozenset[int],
        main_titled: bool,
        marked_main: bool,
    ) -> None:
        # The places in the page a link can point at (ids, and <a name=...> targets).
        self._anchors = anchors
        # The elements (their ids) around a link to the next, previous or parent page: only
        # these may be a pager, read once rather than searched for at every element.
        self._pager_hosts = pager_hosts
        # The page's main content holds a level-1 heading: the headings outside it are the
        # site's (see _main_titled).
        self._main_titled = main_titled
        # The page marks its main content (``<main>``, ``role="main"``): a list of links
        # outside it is the site's (see _visit).
        self._marked_main = marked_main
        self.items: list[tuple[str, str, int, bool]] = []
        self._buffer: list[str] = []
        self._links = 0  # depth of <a> elements around the walk
        self._last_in_link = False  # the last visible text added was a link's
        self._prefix = ""
        self._kind = "paragraph"
        self._lists = 0
        self._context: list[str] = []
        # Per open list item: its list depth and the index of its block in ``items`` (None
        # until its first text is added), so its later paragraphs join that block.
        self._open_items: list[tuple[int, int | None]] = []
        self._level = 0  # the level of the last heading added
        self._described = 0  # depth of described objects (``_is_descriptions``) around the walk
        self._joins_term = False  # the term being read follows another (see _visit_block)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                self._buffer.append(str(child))
                if child.strip():
                    self._last_in_link = self._links > 0
            elif isinstance(child, Tag):
                self._visit(child)

    def _visit(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name == "svg" and self._diagram_alone(tag):
            self.flush()
            self._add(_diagram_label(tag), "figure", 0)
            return
        if (
            name in DROPPED_TAGS
            or tag.has_attr("hidden")
            or (name == "aside" and (not _in_main_content(tag) or _links_alone(tag)))
            or (
                # A list of links outside the marked main content: the site's menus (Node.js's
                # header lists every API page again, the releases, "Edit on GitHub").
                name in _LIST_TAGS
                and self._marked_main
                and not _in_main_content(tag)
                and _links_alone(tag)
            )
            or _is_furniture(tag)
            or _is_navigation(tag)
            or _is_permalink(tag)
            or _is_anchor_label(tag)
            or (id(tag) in self._pager_hosts and _is_pager(tag))
            or (self._main_titled and name in HEADING_LEVELS and not _in_main_content(tag))
            or _is_page_contents(tag, self._anchors)
        ):
            return
        if name == "br":
            self._buffer.append(_LINE_BREAK)
        elif _is_admonition_title(tag):
            return
        elif name in HEADING_LEVELS:
            self.flush()
            self._add(_collapse(_visible_text(tag)), "heading", HEADING_LEVELS[name])
            self._level = HEADING_LEVELS[name]
        elif _is_descriptions(tag):
            self._visit_descriptions(tag)
        elif (terms := _labelled_rows(tag)) is not None:
            self._visit_labelled_rows(terms)
        elif name == "p" and not self._context and (title := _bold_title(tag)):
            # A paragraph all in bold, on its own line of blocks: a heading one level below the
            # section it sits in (hand-written pages' questions: "<p><b>(6) Is X
            # threadsafe?</b></p>" above the answer).
            self.flush()
            self._add(title, "heading", min(max(self._level + 1, 2), 6))
        elif name == "tr" and self._context[-1:] == ["layout"] and (title := _bold_row(tag)):
            # A row all in bold in a table that lays out the page (DocBook's FAQ: "1.1. How do
            # you pronounce "Valgrind"?" over its answer's row): a heading, as a paragraph all
            # in bold is.
            self.flush()
            self._add(title, "heading", min(max(self._level + 1, 2), 6))
        elif name == "pre":
            self.flush()
            code = _visible_text(tag, code=True).strip("\n").rstrip()
            if code.strip() and self._in_open_item():
                self._add_part(code, "item_code")
            else:
                self._add(code, "code", 0)
        elif name in ("video", "audio"):
            # What they hold is a fallback for browsers without the element ("Your browser
            # does not support the video tag."), which no reader sees.
            if not "".join(self._buffer).strip() and not self._in_table():
                self.flush()
                self._add(_media_label(tag), "figure", 0)
        elif self._media_alone(tag):
            self.flush()
            self._add(_media_label(tag), "figure", 0)
        elif name in ("td", "th"):
            if self._buffer and "".join(self._buffer).strip():
                self._buffer.append(" " if self._context[-1:] == ["layout"] else " | ")
            self.walk(tag)
        elif name == "p" and self._context[-1:] == ["table"]:
            # A data table's cell laid out in paragraphs ("<td><p>The <code>groupIndentation
            # </code> option was introduced.</p></td>", Node.js's history tables) is still its
            # row's: one row, one block.
            if self._buffer and "".join(self._buffer).strip():
                self._buffer.append(" ")
            self.walk(tag)
        elif name in BLOCK_TAGS:
            self._visit_block(tag, name)
        elif name == "a":
            self._links += 1
            self.walk(tag)
            self._links -= 1
        else:
            self.walk(tag)

    def _visit_descriptions(self, tag: Tag) -> None:
        """Described objects (``_is_descriptions``): each term is a heading one level below the
        section (or described object) it sits in, and its description that heading's body."""
        self.flush()
        self._described += 1
        level = max(self._level + self._described, 2)
        for child in tag.children:
            if not isinstance(child, Tag):
                continue
            if child.name.lower() == "dt":
                self._add(_collapse(_visible_text(child)), "term", level)
            elif child.name.lower() == "dd":
                self.walk(child)
                self.flush()
            else:
                self._visit(child)
        self._described -= 1

    def _visit_labelled_rows(self, rows: list[tuple[Tag, Tag]]) -> None:
        """A labelled list laid out as a table (``_labelled_rows``): read as ``<dl>`` is, each
        label a term and the cell beside it its description."""
        self.flush()
        self._lists += 1
        for label, description in rows:
            self._visit_block(label, "dt")
            self._visit_block(description, "dd")
        self._lists -= 1

    def _visit_block(self, tag: Tag, name: str) -> None:
        self.flush()
        if next(tag.stripped_strings, None) is None:
            # A block that is only an image (a screenshot after "Example:", a badge row) is a
            # ``figure``: content for the gap rules, never an answer.
            self._add(_media_label(tag), "figure", 0)
            return
        context = {"blockquote": "quote", "table": "table", "ul": "list", "ol": "list"}.get(name)
        if name == "table" and tag.find(list(HEADING_LEVELS)) is not None:
            # A table holding headings lays out the page's sections (DocBook's FAQ): its cells'
            # paragraphs are the page's own, not a table's rows.
            context = "layout"
        if name in ("ul", "ol", "dl"):
            self._lists += 1
        if context:
            self._context.append(context)
        if name in ("li", "dt", "dd"):
            self._prefix = "- " if name == "li" else ""
            self._kind = "list_item"
            self._open_items.append((self._lists, None))
        # Terms in a row name one description ("<dt>-v</dt><dt>--verbose</dt><dd>...", as
        # Texinfo writes an option's two forms): one item, a name a line, as "<dt>-v<br>
        # --verbose</dt>" is.
        self._joins_term = name == "dt" and _after_term(tag)
        self.walk(tag)
        self.flush()
        if name in ("li", "dt", "dd"):
            self._prefix = ""
            self._kind = "paragraph"
            self._open_items.pop()
        if context:
            self._context.pop()
        if name in ("ul", "ol", "dl"):
            self._lists -= 1

    def flush(self) -> None:
        lines = [_collapse(line) for line in "".join(self._buffer).split(_LINE_BREAK)]
        self._buffer = []
        kind = self._kind
        if kind == "paragraph" and self._context:
            kind = {"quote": "quote", "table": "table"}.get(self._context[-1], kind)
        if kind == "paragraph":
            # Two line breaks in a row leave one blank line: text laid out with <br> (DocBook's
            # literallayout, old pages) parts its paragraphs so (see ingest.blocks).
            kept = [line for i, line in enumerate(lines) if line or (i > 0 and lines[i - 1])]
        else:
            kept = [line for line in lines if line]
        text = "\n".join(kept).strip("\n")
        if text and kind == "paragraph" and self._in_open_item():
            # A later paragraph of a list item (``<li><p>...</p><p>...</p></li>``) is part of
            # the item, not a paragraph that ends its list.
            self._add_part(text, "item_text")
        elif text and kind == "list_item" and self._joins_term and self._last_is_item():
            before, _, level, _ = self.items[-1]
            self.items[-1] = (f"{before}\n{text}", kind, level, self._last_in_link)
            self._open_items[-1] = (self._open_items[-1][0], len(self.items) - 1)
            self._prefix = ""
            self._kind = "paragraph"
        elif text:
            level = self._lists if kind == "list_item" else 0
            self._add(self._prefix + text, kind, level, ends_in_link=self._last_in_link)
            if kind == "list_item" and self._open_items:
                depth, _ = self._open_items[-1]
                self._open_items[-1] = (depth, len(self.items) - 1)
            self._prefix = ""
            self._kind = "paragraph"
        self._last_in_link = False

    def _last_is_item(self) -> bool:
        """The last block added is a list item of the list being read."""
        return bool(self.items) and self.items[-1][1:3] == ("list_item", self._lists)

    def _in_open_item(self) -> bool:
        """What is added now is a later part of the innermost open list item: its block has
        been added and nothing since but its own parts."""
        if not self._open_items:
            return False
        depth, index = self._open_items[-1]
        if depth != self._lists or index is None:
            return False
        return all(kind in ITEM_PART_KINDS for _, kind, _, _ in self.items[index + 1 :])

    def _add_part(self, text: str, kind: str) -> None:
        """A later paragraph (``item_text``) or code block (``item_code``) of the open item."""
        self.items.append((text, kind, 0, self._last_in_link))

    def _in_table(self) -> bool:
        """The walk is inside a table, of data or of the page's layout."""
        return "table" in self._context or "layout" in self._context

    def _media_alone(self, tag: Tag) -> bool:
        """``tag`` shows media and no text, with no text beside it in its line of blocks (an
        ``<img>`` between two paragraphs, or inside a bare link): a block of its own."""
        if tag.name.lower() in BLOCK_TAGS or next(tag.stripped_strings, None) is not None:
            return False
        if self._in_table():
            return False  # an icon in a table cell (a navigation bar's "Prev", "Up") is the cell's
        if not _media_label(tag) or "".join(self._buffer).strip():
            return False
        return _alone_in_line(tag)

    def _diagram_alone(self, tag: Tag) -> bool:
        """``tag`` (an ``svg``) draws a diagram standing alone between blocks: larger than an
        icon, outside links, buttons and tables, with no text beside it."""
        if self._links or self._in_table() or tag.find_parent("button") is not None:
            return False
        if "".join(self._buffer).strip() or _svg_size(tag) <= ICON_SIZE:
            return False
        return _alone_in_line(tag)

    def _add(self, text: str, kind: str, level: int, *, ends_in_link: bool = False) -> None:
        if text.strip():
            self.items.append((text, kind, level, ends_in_link))


# The largest an icon is drawn (CSS pixels, its larger side): toolbar and link icons are 16-48.
# An ``svg`` drawn larger, standing alone between blocks, is a diagram a sentence may announce
# (SQLite's syntax diagrams under "rollback-stmt:"); smaller or inline, it is an icon.
ICON_SIZE = 64
_NUMBER_PREFIX = re.compile(r"\s*(\d+(?:\.\d+)?)")


def _svg_size(tag: Tag) -> float:
    """The larger side of an ``svg``, from its ``width``/``height`` or else its ``viewBox``
    (0 when it says neither, or in units other than pixels)."""
    values = [str(tag.get(side, "")).strip() for side in ("width", "height")]
    matches = [_NUMBER_PREFIX.match(v) for v in values if not v.endswith("%")]
    found = [float(m.group(1)) for m in matches if m]
    if not found:
        box = str(tag.get("viewBox", tag.get("viewbox", ""))).replace(",", " ").split()
        try:
            found = [float(v) for v in box[2:4]] if len(box) == 4 else []
        except ValueError:
            found = []
    return max(found, default=0.0)


def _diagram_label(tag: Tag) -> str:
    """What stands for a diagram in the stored text: its ``title`` or ``aria-label``, else
    ``[image]``."""
    title = tag.find("title")
    text = _collapse(title.get_text()) if title is not None else ""
    return text or _collapse(str(tag.get("aria-label", ""))) or "[image]"


def _alone_in_line(tag: Tag) -> bool:
    """No text follows ``tag`` before the next block boundary among its siblings."""
    for sibling in tag.next_siblings:
        if isinstance(sibling, Tag) and sibling.name.lower() in _BLOCK_BOUNDARIES:
            return True
        if isinstance(sibling, NavigableString) and not isinstance(sibling, PreformattedString):
            if sibling.strip():
                return False
        elif isinstance(sibling, Tag) and next(sibling.stripped_strings, None) is not None:
            return False
    return True


# The most words a bold paragraph that is a heading has: a title or a question, not a passage.
BOLD_TITLE_WORDS = 20


def _has_words(tag: Tag) -> bool:
    """``tag`` holds words of its own, outside its child elements."""
    return any(
        isinstance(child, NavigableString)
        and not isinstance(child, PreformattedString)
        and _WORD_CHAR.search(str(child)) is not None
        for child in tag.children
    )


def _bold_title(tag: Tag) -> str | None:
    """The text of a paragraph all of whose visible text is one ``b`` or ``strong`` element,
    when it reads as a title: a line of at most ``BOLD_TITLE_WORDS`` words, not ending as a
    sentence or a lead-in ("This matters.", "Note:" in bold are emphasis)."""
    inner = [child for child in tag.children if isinstance(child, Tag)]
    if len(inner) != 1 or inner[0].name.lower() not in ("b", "strong") or _has_words(tag):
        return None
    title = _collapse(_visible_text(tag))
    return title if reads_as_title(title) else None


def _bold_row(tag: Tag) -> str | None:
    """The text of a table row all of whose visible text is in ``b`` or ``strong`` elements,
    its cells joined by a space, when it reads as a title."""
    strings = [
        string
        for string in tag.find_all(string=_WORD_CHAR)
        if not isinstance(string, PreformattedString)
    ]
    if not strings or any(string.find_parent(_BOLD_TAGS) is None for string in strings):
        return None
    cells = [_collapse(_visible_text(cell)) for cell in tag.find_all(("td", "th"))]
    title = " ".join(cell for cell in cells if cell)
    return title if reads_as_title(title) else None


_BOLD_TAGS = ("b", "strong")


def reads_as_title(text: str) -> bool:
    """A bold paragraph's text reads as a title: at most ``BOLD_TITLE_WORDS`` words, not ending
    as a sentence or a lead-in ("This matters.", "Note:" in bold are emphasis)."""
    text = text.strip()
    return bool(text) and len(text.split()) <= BOLD_TITLE_WORDS and text[-1] not in ".:;,!"


def _is_furniture(tag: Tag) -> bool:
    """Page furniture by its class or id, unless it holds the page's content: a state class on
    a wrapper (``<html class="sidebar-visible">``, ``<body class="modal-open">``) marks the
    page, not furniture."""
    values = [*_attribute_values(tag, "class"), *_attribute_values(tag, "id")]
    tokens = {t for v in values for t in _CLASS_TOKEN.findall(v.lower())}
    return bool(tokens & _FURNITURE_TOKENS) and tag.find(_CONTENT_TAGS) is None


def _is_navigation(tag: Tag) -> bool:
    """An element marked with ARIA's navigation role, the landmark ``<nav>`` stands for, unless
    it holds the page's content: Node.js's API pages write their sidebar of links to the other
    pages as ``<div role="navigation">``, Sphinx its sidebar and its bars of related pages."""
    return tag.get("role") == "navigation" and tag.find(_CONTENT_TAGS) is None


def _main_titled(soup: BeautifulSoup) -> bool:
    """The page's main content (see :func:`_in_main_content`) has a level-1 heading of its own,
    or its first heading is the page's name the ``<title>`` pairs with the name of a heading
    outside it (see :func:`_site_named`): then a heading outside it is the site's, not a
    section of the page: the site's name in a bar over every page (mdBook's "The Cargo Book"
    over each page of the book, which was read as every page's title) or the page's name
    again in a bar for small screens (rustdoc's)."""
    inside: list[Tag] = []
    outside: list[Tag] = []
    for heading in soup.find_all(list(HEADING_LEVELS)):
        (inside if _in_main_content(heading) else outside).append(heading)
    return any(h.name.lower() == "h1" for h in inside) or _site_named(soup, inside, outside)


# What a page's ``<title>`` writes between the page's name and the site's ("Console | Node.js
# Documentation", "Static items - The Rust Reference").
_TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7:]+\s+")


def _site_named(soup: BeautifulSoup, inside: list[Tag], outside: list[Tag]) -> bool:
    """The page's ``<title>`` names the main content's first heading (of ``inside``) beside the
    site's name, and a heading outside the main content (of ``outside``) is that name: the
    site's bar (Node.js's API pages hold "Node.js v20 documentation" as an ``<h1>`` over each
    page, their own name as the ``<h2>`` opening the main content; the page's title was the
    site's)."""
    title = soup.find("title")
    if title is None or not inside:
        return False
    parts = {_collapse(p).casefold() for p in _TITLE_SEPARATOR.split(title.get_text())}
    name = _collapse(_visible_text(inside[0])).casefold()
    return name in parts and any(
        _collapse(_visible_text(h)).casefold() in parts - {name} for h in outside
    )


def _marks_main(soup: BeautifulSoup) -> bool:
    """The page marks its main content with ``<main>`` or ``role="main"`` (an ``<article>``
    alone does not: a card or a comment is one too)."""
    return soup.find(lambda t: t.name.lower() == "main" or t.get("role") == "main") is not None


def _in_main_content(tag: Tag) -> bool:
    """Whether ``tag`` sits inside the page's main content (``<main>``, ``<article>`` or an
    element with ``role="main"``)."""
    return any(
        parent.name.lower() in _MAIN_TAGS or parent.get("role") == "main" for parent in tag.parents
    )


def _links_alone(tag: Tag) -> bool:
    """Whether every word of ``tag`` outside its headings is a link's label: a box of related
    links ("Read more: <a>...</a>" items under a "Related" heading), not text of the page's
    own.  An address written out is a reference, not a label (a footnote that is a URL)."""
    for text in tag.find_all(string=True):
        if isinstance(text, PreformattedString) or not _WORD_CHAR.search(text):
            continue
        if text.find_parent(["a", *HEADING_LEVELS]) is None or _WRITTEN_URL.match(text):
            return False
    return True


_WRITTEN_URL = re.compile(r"\s*(?:https?://|www\.)")


def _attribute_values(tag: Tag, attribute: str) -> list[str]:
    """The values of an attribute, one or several (``class="a b"``, ``rel="next"``)."""
    value = tag.get(attribute)
    return [value] if isinstance(value, str) else list(value or [])


# Link types of sequential navigation (HTML standard): a pager's links to the pages around.
_PAGER_RELS = frozenset({"next", "prev", "previous", "up"})
# Words a pager may hold outside its links ("Next:", "Previous:", "Up:", "Contents").
MAX_PAGER_LABEL_WORDS = 6
_PAGER_WORD = re.compile(r"\w+")
# What a pager never holds: a heading, code, a list or the page's main content (a section
# whose few words sit around a pager and a list of links is the page itself).
_PAGE_PARTS = (*HEADING_LEVELS, "main", "pre", "ul", "ol", "dl")


def _pager_hosts(soup: BeautifulSoup) -> frozenset[int]:
    """The ids of the elements around a link to the next, previous or parent page."""
    hosts: set[int] = set()
    for link in soup.find_all("a", rel=True):
        if {r.lower() for r in _attribute_values(link, "rel")} & _PAGER_RELS:
            hosts.update(id(parent) for parent in link.parents)
    return frozenset(hosts)


def _is_pager(tag: Tag) -> bool:
    """A block around a link to the next, previous or parent page (``rel="next"``, as Texinfo
    writes "Next: Index, Previous: Memory Usage, Up: libffi [Index]" over every page; the walk
    asks only of such blocks, :func:`_pager_hosts`) with a few labels and nothing else: it was
    quoted as a sentence ("What features is libffi missing?" answered "Previous: Missing
    Features, Up: libffi [Index]")."""
    if tag.name.lower() not in ("p", "div", "nav", "table") or tag.find(_PAGE_PARTS) is not None:
        return False
    outside = " ".join(
        str(piece) for piece in tag.find_all(string=True) if piece.find_parent("a") is None
    )
    return len(_PAGER_WORD.findall(outside)) <= MAX_PAGER_LABEL_WORDS


def _after_term(tag: Tag) -> bool:
    """Whether the element before ``tag`` (a ``dt``) is a term too."""
    before = tag.find_previous_sibling(True)
    return before is not None and before.name.lower() == "dt"


def _is_admonition_title(tag: Tag) -> bool:
    """The label over a note or a warning (``<p class="admonition-title">Note</p>``, as Sphinx,
    docutils and MkDocs write it): it names the box and states nothing, and was quoted as a
    sentence of the passage it sits in; the box's text is read as the page's.

    DocBook writes the label as a heading, the box's first element (``<div class="note"><h3
    class="title">Note</h3><p>...``, as in PostgreSQL's manual): read as a heading, it opened a
    section "Note" that ran on over the rest of the page's section (a command's options after
    the note were all under "Note").  The box is an admonition when a class names one of
    docutils' admonition kinds exactly (see :func:`is_admonition`)."""
    classes = tag.get("class")
    if isinstance(classes, list) and "admonition-title" in classes:
        return True
    if tag.name.lower() not in HEADING_LEVELS and not (
        isinstance(classes, list) and "title" in classes
    ):
        return False
    box = tag.parent
    if box is None or box.find(True, recursive=False) is not tag:
        return False
    kinds = box.get("class")
    return isinstance(kinds, list) and any(is_admonition(kind) for kind in kinds)


def docutils_directive(name: str) -> object | None:
    """The directive docutils registers under ``name`` (any case), or None."""
    from docutils import utils
    from docutils.parsers.rst import directives
    from docutils.parsers.rst.languages import en

    found: object | None = directives.directive(
        name.lower(), cast(Any, en), utils.new_document("<directive>")
    )[0]
    return found


@lru_cache(maxsize=1024)
def is_admonition(name: str) -> bool:
    """Whether docutils knows ``name`` as an admonition ("note", "warning", "tip", "caution",
    "admonition", ...): the vocabulary the MyST reader and the HTML reader share."""
    from docutils.parsers.rst.directives.admonitions import BaseAdmonition

    known = docutils_directive(name)
    return isinstance(known, type) and issubclass(known, BaseAdmonition)


def _is_descriptions(tag: Tag) -> bool:
    """A definition list whose every term is a link target (``<dt id=...>``): the descriptions
    of named objects, as Sphinx writes a function, a setting or a glossary term
    (``<dl class="py function"><dt id="json.dump">json.dump(obj, fp, ...)</dt><dd>...``), which
    its contents list like sections; DocBook and Texinfo mark the place with an empty anchor
    inside the term, ``<dt><a name="opt.trace-children"></a>--trace-children=...</dt>``).  A
    term that is no link target is an item of a list."""
    if tag.name.lower() != "dl":
        return False
    terms = tag.find_all("dt", recursive=False)
    return bool(terms) and all(term.get("id") or _holds_anchor(term) for term in terms)


def _labelled_rows(tag: Tag) -> list[tuple[Tag, Tag]] | None:
    """A table laying out a labelled list, its rows as ``(label, description)`` cells; else
    None.  DocBook and AsciiDoc write a horizontal labelled list so (``<table
    class="horizontal"><tr><td><p>query</p></td><td><p>dump the inputs and outputs of a given
    target.</p></td></tr>``): two cells a row, none a header, every description laid out in
    paragraphs (a data table's cells hold bare text), every label a term (see
    :func:`vectorstore.language.reads_as_term`), at least two rows."""
    if tag.name.lower() != "table":
        return None
    rows = [row for row in tag.find_all("tr") if row.find_parent("table") is tag]
    found: list[tuple[Tag, Tag]] = []
    for row in rows:
        cells = list(row.find_all(("td", "th"), recursive=False))
        if len(cells) != 2 or any(c.name.lower() == "th" for c in cells):
            return None
        label, description = cells
        if description.find(("p", "pre", "div", "ul", "ol", "dl"), recursive=False) is None:
            return None
        if not reads_as_term(_collapse(_visible_text(label)).strip()):
            return None
        found.append((label, description))
    return found if len(found) >= 2 else None


def _holds_anchor(term: Tag) -> bool:
    """``term`` holds an anchor: an ``a`` element named or with an id, showing nothing."""
    return any(
        (anchor.get("name") or anchor.get("id")) and not anchor.get_text(strip=True)
        for anchor in term.find_all("a")
    )


def _anchors(soup: BeautifulSoup) -> frozenset[str]:
    """The places in a page a link can point at: element ids and ``<a name=...>`` targets."""
    found = {tag.get("id") for tag in soup.find_all(id=True)}
    found |= {tag.get("name") for tag in soup.find_all("a", attrs={"name": True})}
    return frozenset(a for a in found if isinstance(a, str))


def _is_page_contents(tag: Tag, anchors: frozenset[str]) -> bool:
    """A list of links to places in the page itself (and nested lists of them): the page's
    table of contents, navigation like ``nav`` (Sphinx writes it in a sidebar ``div`` and in a
    "Contents" box, without ``nav``; DocBook as a definition list of links, each term's nested
    entries in its description, and a FAQ section's questions in a table cell; SQLite's pages as
    a ``div`` of ``div`` rows, a link each).  Its
    items repeat the page's headings, and were quoted as answers in their place."""
    name = tag.name.lower()
    if name == "div":
        # Rows of links and nothing else: two at least, as one link alone may be any block,
        # and no heading (a heading may link to its own place).
        rows = [child for child in tag.children if isinstance(child, Tag)]
        return (
            len(rows) >= 2
            and not _has_words(tag)
            and all(_only_page_links(row, anchors) is True for row in rows)
            and tag.find(list(HEADING_LEVELS)) is None
        )
    if name in ("td", "th"):
        # A cell of links a line each (DocBook's list of a FAQ section's questions, "1.1. <a>
        # ...</a><br>1.2. <a>...</a>"): two at least, as for rows.
        links = [a for a in tag.find_all("a") if _links_here(a.get("href"), anchors)]
        return len(links) >= 2 and _only_page_links(tag, anchors) is True
    if name == "table":
        # An index (Texinfo's "Index Entry | Section"): rows of links to places in the page,
        # two at least, under rows of its own headers (column titles, an initial letter).
        rows = tag.find_all("tr")
        shown = [_only_page_links(row, anchors) for row in rows]
        return shown.count(True) >= 2 and all(
            s is not False or _headers_only(row) for s, row in zip(shown, rows, strict=True)
        )
    if name not in _CONTENTS_LISTS:
        return False
    items = [child for child in tag.children if isinstance(child, Tag)]
    if name != "dl":
        return bool(items) and all(
            item.name.lower() == "li" and _only_page_links(item, anchors) is True for item in items
        )
    # A term shows links; a description only nested lists of them.
    terms = [item for item in items if item.name.lower() == "dt"]
    return bool(terms) and all(
        (item.name.lower() == "dt" and _only_page_links(item, anchors) is True)
        or (item.name.lower() == "dd" and _only_page_links(item, anchors) is not False)
        for item in items
    )


_CONTENTS_LISTS = (*_LIST_TAGS, "dl")


def _headers_only(row: Tag) -> bool:
    """Every cell of the table row ``row`` that has words is a header cell."""
    return all(
        cell.name.lower() == "th"
        for cell in row.find_all(["td", "th"])
        if _WORD_CHAR.search(cell.get_text())
    )


def _links_here(href: object, anchors: frozenset[str]) -> bool:
    """``href`` points at a place in this page: "#place", or a page's address ending in
    "#place" where the page has that place (DocBook writes "cg-manual.html#cg-manual.overview"
    in the contents of cg-manual.html)."""
    if not isinstance(href, str) or "#" not in href:
        return False
    return href.startswith("#") or href.partition("#")[2] in anchors


# A contents entry's number, written before its link ("1.1. <a>How do you pronounce ...</a>",
# DocBook's list of a FAQ's questions): the section's number, as its heading shows it.
_ENTRY_NUMBER = re.compile(r"\s*(?:\d{1,3}(?:\.\d{1,3})*|[A-Z])[.)]?\s*")


def _only_page_links(tag: Tag, anchors: frozenset[str]) -> bool | None:
    """True when ``tag`` shows links to places in the page and nothing else (nested lists of
    them, inline wrappers and entries' numbers aside), False when it shows anything else, None
    when nothing."""
    linked: bool | None = None
    for child in tag.children:
        if isinstance(child, NavigableString):
            if (
                not isinstance(child, PreformattedString)
                and _WORD_CHAR.search(str(child))
                and not _ENTRY_NUMBER.fullmatch(str(child))
            ):
                return False
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name == "a" and _links_here(child.get("href"), anchors):
                linked = True
            elif name in _CONTENTS_LISTS:
                if not _is_page_contents(child, anchors):
                    return False
            elif (inner := _only_page_links(child, anchors)) is False:
                return False
            elif inner:
                linked = True
    return linked


def _visible_text(tag: Tag, *, code: bool = False) -> str:
    """The text of ``tag`` without its dropped or furniture elements (a heading's permalink).
    ``code``: a code block's, without the controls a site puts inside it (Node.js's "copy"
    button: dropped elements, hidden ones) and reading no class, since a highlighter's classes
    ("hljs-comment") name parts of the code, not furniture."""
    parts: list[str] = []
    for child in tag.children:
        if isinstance(child, Tag):
            name = child.name.lower()
            if (
                name not in DROPPED_TAGS
                and not child.has_attr("hidden")
                and (code or not (_is_furniture(child) or _is_permalink(child)))
            ):
                parts.append(_visible_text(child, code=code))
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            parts.append(str(child))
    return "".join(parts)


def _is_permalink(tag: Tag) -> bool:
    """A link to a place on the page whose label is a symbol, not a word: the permalink that
    documentation generators put beside a heading, whatever its class (Node.js's
    ``<a class="mark" href="#id">#</a>``, Sphinx's "¶", a Docusaurus "#")."""
    href = tag.get("href") if tag.name.lower() == "a" else None
    return isinstance(href, str) and href.startswith("#") and not _WORD_CHAR.search(tag.get_text())


def _is_anchor_label(tag: Tag) -> bool:
    """An element whose only text is a link to itself (``<div class="rule"
    id="r-items.static.sync"><a href="#r-items.static.sync">[items.static.sync]</a></div>``,
    the Rust Reference's label over each of its rules): a place's name to link to, not the
    text's own.  Each label was a paragraph, read between "there are a number of restrictions
    on statics:" and its list, and quoted as what the introduction shows.  A heading or a term
    that links to itself is the text's own (mdBook's headings, a glossary's terms)."""
    place = tag.get("id")
    name = tag.name.lower()
    if not isinstance(place, str) or not place or name in HEADING_LEVELS or name == "dt":
        return False
    link = tag.find("a", href="#" + place)
    return link is not None and _collapse(tag.get_text()) == _collapse(link.get_text())


def _media_label(tag: Tag) -> str:
    """What stands for the media in ``tag`` in the stored text: their alternative text, or the
    kind of media in brackets (``[image]``) when they have none; empty when there is none, or
    when every image is marked decorative (``alt=""``, as the HTML standard writes it) or is a
    tracking pixel (one pixel wide or high)."""
    found = [tag] if tag.name.lower() in MEDIA_TAGS else []
    found += tag.find_all(list(MEDIA_TAGS))
    labels: list[str] = []
    for media in found:
        if media.find_parent("picture") is not None and media.name.lower() == "img":
            continue  # a picture's fallback image is the picture itself
        if any(str(media.get(side, "")).strip() in ("0", "1") for side in ("width", "height")):
            continue  # a tracking pixel shows nothing
        text = next(
            (_collapse(str(media.get(a))) for a in ("alt", "title", "aria-label") if media.get(a)),
            "",
        )
        if text:
            labels.append(text)
        elif media.get("alt") is None:
            labels.append(f"[{MEDIA_TAGS[media.name.lower()]}]")
    return " ".join(labels)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def iter_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Supported files under ``paths`` (sorted, hidden folders skipped) and the skipped ones:
    unsupported files, and in a Sphinx HTML build the copies of its sources and its generated
    index pages (:func:`_walk`)."""
    files: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()
    for root in paths:
        candidates = [(root, True)] if root.is_file() else _walk(root)
        for path, wanted in candidates:
            if path in seen:
                continue
            seen.add(path)
            supported = wanted and path.suffix.lower() in SUPPORTED_SUFFIXES
            (files if supported else skipped).append(path)
    return files, skipped


# A Sphinx HTML build: its root holds the inventory every HTML build writes (``objects.inv``),
# a copy of each page's source under ``_sources`` ("quickstart.rst.txt") and generated pages
# that list the others (the general index, a module index, the search page).  The copies repeat
# the pages in raw markup ("Requests is :ref:`installed <install>`" beside the page's
# "Requests is installed.") and the indexes as entries ("json() (requests.Response method)"):
# read, they crowd the pages out of the evidence.
SPHINX_INVENTORY = "objects.inv"
SPHINX_SOURCES = "_sources"
_SPHINX_GENERATED = re.compile(r"(?:genindex(?:-\w+)?|py-modindex|search)\.html")


def _walk(root: Path) -> list[tuple[Path, bool]]:
    """Every file under ``root`` with whether it is wanted (hidden files and folders, and
    ``_SKIPPED_DIRS``, are not walked at all)."""
    found: list[tuple[Path, bool]] = []
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        here = Path(current)
        sphinx = SPHINX_INVENTORY in names
        if sphinx and SPHINX_SOURCES in dirs:
            dirs.remove(SPHINX_SOURCES)
            found.extend((p, False) for p, _ in _walk(here / SPHINX_SOURCES))
        found.extend(
            (here / n, not (sphinx and _SPHINX_GENERATED.fullmatch(n)))
            for n in sorted(names)
            if not n.startswith(".")
        )
    return found
