"""The block structure of a stored text: headings, paragraphs, list items, code, tables, quotes.

Each format is read by a real parser where one exists, and every block is mapped back to exact
``[start, end)`` offsets of the stored text (``text[b.start:b.end]`` is the block, without its
trailing newline):

- Markdown: ``markdown-it-py`` (CommonMark plus tables). Tokens carry ``map``, a range of
  source lines; lines are turned into character offsets. A list item's block stops where a
  nested list starts (the nested items are blocks of their own, one level deeper). YAML front
  matter is skipped, except the value of a ``description`` (``summary``, ``excerpt``,
  ``subtitle``), which is a paragraph (:func:`front_matter_values`).
- reStructuredText: ``docutils`` (``publish_doctree`` without the title promotion). Nodes carry
  the source line they start on; the extent of each block is read from the source lines by the
  rules of the format (a paragraph ends at a blank line, an indented body at the first line
  indented no deeper than its start). Heading levels follow the document's section nesting.
  Directives docutils does not know (Sphinx's and its extensions') are read by what is written
  on their own line (:func:`_unknown_directive`): a described object's signature is a heading
  one level below its section, over its body; a version's body is text; content under no
  argument is text only when it holds directives.
- HTML: the loader records a block for each text item while it builds the stored text (see
  :func:`ingest.loaders.load_html`); they are passed in as ``html_blocks``. A paragraph laid
  out with line breaks and holding blank lines is read by the plain-text rules.
- Plain text and PDF: lines. A paragraph is a run of non-blank lines; a line opening with a
  bullet or number marker starts a list item; headings are given by the caller (the
  short-standalone-line rule and underlined titles of :mod:`ingest.structure`).

Boilerplate spans (found by :mod:`ingest.cleaning`, and a PDF's running heads and page
numbers found by the loader) become ``boilerplate`` blocks; a parsed block keeps only what
follows a span it starts inside (nothing, when the span covers it) and is cut before a span it
runs into. A span that overlaps a parsed code block is not boilerplate (:func:`outside_code`).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import textwrap
from collections.abc import Sequence
from typing import Any, cast

from ingest.cleaning import CONTENTS, MIN_CONTENTS_ENTRIES, line_indent, markdown_text
from ingest.loaders import (
    ADOC_ANCHOR,
    ADOC_BLOCK_MACRO,
    ASCIIDOC,
    BLOCK_TAGS,
    DROPPED_TAGS,
    HEADING_LEVELS,
    PAGE_FURNITURE,
    docutils_directive,
    is_admonition,
    reads_as_title,
)
from vectorstore.language import BULLET, OPTION_FIRST
from vectorstore.types import CODE_KINDS, Block, Span

HeadingLine = tuple[int, int, int, str]
# The formats whose reader records a list item's later parts (Document.item_parts).
ITEM_PART_MEDIA_TYPES = frozenset({"text/markdown", "text/x-rst", "text/html"})

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:.*\r?\n)*?---[ \t]*(?:\r?\n|\Z)")
_LIST_MARKER = re.compile(rf"^(\s*)(?:{BULLET}|\d{{1,3}}[.)]|[a-zA-Z][.)]|\(\w{{1,3}}\))\s+\S")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
# A numbered title ("1. Definitions" over a row of dashes, as the Mozilla Public License's
# plain text numbers its sections): underlined, it is a title, not a list item.
_NUMBERED_TITLE = re.compile(r"^\s*\d{1,3}[.)]\s+\S")
_RST_ITEM_MARKER = re.compile(r"^\s*(?:[-*+•]|#[.)]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\w{1,3}\))\s+\S")
_RST_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w:-]+::")
# A blank line (spaces and tabs allowed on it): paragraphs and an item's parts end there.
BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
# reStructuredText's directives whose body is code (docutils' "code" and Sphinx's aliases).
RST_CODE_DIRECTIVES = ("code-block", "code", "sourcecode")
_RST_CODE_DIRECTIVE = re.compile(rf"^\s*\.\.\s+(?:{'|'.join((*RST_CODE_DIRECTIVES, 'doctest'))})::")


class _Lines:
    """Line starts of a text, to turn line numbers into character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        if self.starts[-1] == len(text) and len(self.starts) > 1:
            self.starts.pop()

    def __len__(self) -> int:
        return len(self.starts)

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line(self, index: int) -> str:
        end = self.start(index + 1)
        return self.text[self.start(index) : end].rstrip("\r\n")

    def is_blank(self, index: int) -> bool:
        return index >= len(self.starts) or not self.line(index).strip()

    def indent(self, index: int) -> int:
        return line_indent(self.line(index))

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets of lines ``[first, last)`` with surrounding whitespace trimmed."""
        start, end = self.start(first), self.start(last)
        return _trim(self.text, start, end)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


# Markup that shows no text where it stands (a link's destination defined apart from the
# link, a substitution's definition, a comment): excluded from chunks, as boilerplate is.
MARKUP = "markup"


def format_exclusions(text: str, media_type: str) -> list[Span]:
    """What a Markdown or reStructuredText document's parser shows is not its text: markup
    that shows no text (see :data:`MARKUP`: Markdown's link reference definitions,
    reStructuredText's hyperlink targets, substitution definitions and comments) and a
    Markdown table of contents (a list of links to places in the page, :func:`_anchor_lists`)."""
    if media_type == "text/markdown":
        found = _markdown_blocks(text)
    elif media_type == "text/x-rst":
        found = _rst_blocks(text)
    elif media_type == ASCIIDOC:
        found = _asciidoc_blocks(text)
    else:
        return []
    contents = [
        Span(b.start, b.end, CONTENTS, text[b.start : b.end]) for b in found if b.kind == CONTENTS
    ]
    runs: list[tuple[int, int]] = []  # markup with only blank lines between is one span
    for block in found:
        if block.kind != MARKUP:
            continue
        if runs and not text[runs[-1][1] : block.start].strip():
            runs[-1] = (runs[-1][0], max(runs[-1][1], block.end))
        else:
            runs.append((block.start, block.end))
    markup = [Span(start, end, MARKUP, text[start:end]) for start, end in runs]
    return sorted([*markup, *contents], key=lambda s: s.start)


def parse_blocks(
    text: str,
    media_type: str,
    *,
    html_blocks: Sequence[Block] | None = None,
    headings: Sequence[HeadingLine] | None = None,
) -> list[Block] | None:
    """The blocks the format's parser finds in ``text``, before boilerplate is applied; None for
    plain text (and PDF) while its ``headings`` are not given, since its blocks need them."""
    if media_type == "text/markdown":
        return markdown_blocks(text)
    if media_type == "text/x-rst":
        return rst_blocks(text)
    if media_type == ASCIIDOC:
        return asciidoc_blocks(text)
    if html_blocks is not None:
        return [piece for block in html_blocks for piece in _by_blank_lines(text, block)]
    return None if headings is None else plain_blocks(text, headings)


def _by_blank_lines(text: str, block: Block) -> list[Block]:
    """An HTML paragraph laid out with line breaks (``<br><br>``, DocBook's ``literallayout``)
    is read like plain text: blank lines part its paragraphs and marked lines are list items."""
    body = text[block.start : block.end]
    if block.kind != "paragraph" or not BLANK_LINE.search(body):
        return [block]
    pieces = [
        Block(block.start + b.start, block.start + b.end, b.kind, b.level)
        for b in plain_blocks(body)
    ]
    if pieces:
        last = pieces[-1]
        pieces[-1] = Block(last.start, last.end, last.kind, last.level, block.ends_in_link)
    return pieces


def find_blocks(
    text: str,
    media_type: str,
    excluded: Sequence[Span] = (),
    *,
    html_blocks: Sequence[Block] | None = None,
    headings: Sequence[HeadingLine] = (),
    parsed: Sequence[Block] | None = None,
) -> list[Block]:
    """The blocks of ``text`` in text order (rules in the module docstring); ``parsed`` passes
    :func:`parse_blocks`'s result when the caller already has it."""
    if parsed is None:
        parsed = parse_blocks(text, media_type, html_blocks=html_blocks, headings=headings) or []
    return _with_boilerplate(text, parsed, excluded)


def outside_code(spans: Sequence[Span], blocks: Sequence[Block]) -> list[Span]:
    """``spans`` without those overlapping a code block: a line of code is never page furniture
    ("# last modified: 01 Jan 2016" in a config example)."""
    return without_overlap(spans, [(b.start, b.end) for b in blocks if b.kind in CODE_KINDS])


def without_overlap(spans: Sequence[Span], ranges: Sequence[tuple[int, int]]) -> list[Span]:
    """``spans`` without those that overlap any of the ``[start, end)`` ``ranges``."""
    return [s for s in spans if not any(s.start < end and start < s.end for start, end in ranges)]


def _with_boilerplate(text: str, blocks: Sequence[Block], excluded: Sequence[Span]) -> list[Block]:
    spans = sorted(
        (s.start, s.end) for s in excluded if s.kind in ("boilerplate", CONTENTS, PAGE_FURNITURE)
    )
    out = [Block(s, e, "boilerplate") for s, e in spans]
    for block in blocks:
        start, end = block.start, block.end
        for s, e in spans:
            if s <= start < e:
                start = e  # what follows a leading span (a PDF page's running head) stays
        for s, _ in spans:
            if start < s < end:
                end = s
        cut = end < block.end
        start, end = _trim(text, start, end)
        if start < end:
            out.append(Block(start, end, block.kind, block.level, block.ends_in_link and not cut))
    out.sort(key=lambda b: (b.start, -b.end))
    return out


# Markdown ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _markdown_parser(*, inline: bool = False) -> Any:
    from markdown_it import MarkdownIt

    if inline:
        return MarkdownIt("commonmark")
    from mdit_py_plugins.deflist import deflist_plugin

    # Block structure only: inline parsing (links, emphasis) is not needed for line maps.
    # Definition lists ("Term" over ": its definition") are MyST's and Python-Markdown's.
    return MarkdownIt("commonmark").enable("table").disable("inline").use(deflist_plugin)


# Python-Markdown's admonitions and content tabs, the marker line of an indented body of Markdown:
# "!!! note", '??? tip "Title"' (collapsible), '=== "Python"' (a tab).
_INDENTED_BODY = re.compile(
    r"^(?P<indent>[ \t]*)"
    r'(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-][\w -]*(?:"[^"\n]*")?|===[!+]?[ \t]+"[^"\n]*")[ \t]*$'
)
# A MyST directive: a fence of backquotes, tildes or colons whose info is "{name}" (and an
# argument): ```{note}, :::{warning}, ```{versionadded} 2.0.
_MYST_DIRECTIVE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[A-Za-z][\w:.-]*)\}(?P<argument>.*)$"
)
# A container of Docusaurus, VitePress or markdown-it-container: ":::tip", "::: warning Careful",
# ":::note[Title]", closed by a line of as many colons.
_CONTAINER = re.compile(
    r"^[ \t]*(?P<fence>:{3,})[ \t]*[A-Za-z][\w-]*(?:\[[^\]\n]*\])?(?:[ \t].*)?$"
)
# The first line of a GitHub alert or an Obsidian callout: "> [!NOTE]", "> [!tip]- Title".
_ALERT = re.compile(r"^[ \t]*>[ \t]*\[![A-Za-z][\w-]*\][+-]?(?:[ \t].*)?$")
# A MyST target, a name for references to the place below it: "(vcs-support)=" on its own.
_MYST_TARGET = re.compile(r"^[ \t]*\([^()\s][^()]*\)=[ \t]*$")
_QUOTE_MARK = re.compile(r"^([ \t]*)>")
# A line of a site generator's template tags alone: Hugo's shortcodes ("{{< note >}}",
# "{{% tab name=\"Linux\" %}}", "{{< /note >}}") and Jekyll's Liquid tags ("{% include x.md %}").
# They show no text there (or text kept elsewhere); an expression ("{{ site.title }}") shows its
# value and stays.
_TEMPLATE_TAGS = re.compile(r"[ \t]*(?:(?:\{\{[<%].*?[%>]\}\}|\{%.*?%\})[ \t]*)+")
_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_MYST_OPTION = re.compile(r"^[ \t]*:[\w-]+:")


def _unwrapped(source: str) -> str:
    """``source`` with the markup around bodies of Markdown taken out, line for line (so token
    line maps still hold for the stored text), for markdown-it to read those bodies as Markdown:

    - a Python-Markdown admonition or content tab (MkDocs, Material): its marker line is blanked
      and its body, indented four columns past the marker, is dedented;
    - a MyST directive whose content is prose (:func:`_myst_body`), or fenced with colons (MyST's
      fence for content written in Markdown, ``:::{glossary}``): its fences and its options are
      blanked;
    - a container of Docusaurus or VitePress (``:::tip`` ... ``:::``): its fences are blanked;
    - a GitHub alert or Obsidian callout (a block quote opening with ``> [!NOTE]``): its marker
      line is blanked and its quote marks are spaces, so its text is the page's own prose, not a
      quotation.
    - a MyST target (``(vcs-support)=``, a name for links to the place below it) is blanked:
      it was read as a sentence.
    - a line of template tags alone (:data:`_TEMPLATE_TAGS`: Hugo's ``{{< note >}}``, Liquid's
      ``{% include %}``) is blanked: it opened the paragraph under it ("{{< note >}} **Note:**
      To maintain ...") or closed the one above.

    Before, an admonition's body was an indented code block (or, right under its marker, went
    on the marker's paragraph) and a MyST note a fenced code block: never quoted.  A marker or
    directive inside fenced code is left as it is.
    """
    rows = source.split("\n")
    fence = ""  # the fence of the open code block, if any
    for i, row in enumerate(rows):
        if fence:
            if _closes(row, fence):
                fence = ""
        elif marker := _INDENTED_BODY.match(row):
            rows[i] = " " * len(row)
            _dedent_body(rows, i + 1, _columns(marker.group("indent")) + 4)
        elif directive := _MYST_DIRECTIVE.match(row):
            mark = directive.group("fence")
            end = next((j for j in range(i + 1, len(rows)) if _closes(rows[j], mark)), None)
            name, argument = directive.group("name"), directive.group("argument").strip()
            if end is not None and (
                mark.startswith(":") or _myst_body(name, argument, rows[i + 1 : end])
            ):
                indent = _indent(row)
                _blank_directive_markup(rows, i, end)
                if _myst_label(name, argument):
                    # A heading for markdown-it; its level and title are read from the stored
                    # line (_markdown_blocks, _markdown_title_text).
                    rows[i] = indent + "###### " + argument
            elif not mark.startswith(":"):
                fence = mark
        elif container := _CONTAINER.match(row):
            mark = container.group("fence")
            end = next((j for j in range(i + 1, len(rows)) if _closes(rows[j], mark)), None)
            if end is not None:
                rows[i], rows[end] = " " * len(row), " " * len(rows[end])
        elif _MYST_TARGET.match(row) or _TEMPLATE_TAGS.fullmatch(row):
            rows[i] = " " * len(row)
        elif _ALERT.match(row):
            rows[i] = " " * len(row)
            for j in range(i + 1, len(rows)):
                if not _QUOTE_MARK.match(rows[j]):
                    break
                rows[j] = _QUOTE_MARK.sub(lambda m: m.group(1) + " ", rows[j], count=1)
        elif opening := _FENCE_OPEN.match(row):
            fence = opening.group(1)
    return "\n".join(rows)


def _closes(row: str, fence: str) -> bool:
    """``row`` closes a block opened by ``fence``: the same character, at least as many."""
    mark = row.strip()
    return len(mark) >= len(fence) and not mark.strip(fence[0])


def _columns(indent: str) -> int:
    return len(indent.expandtabs(4))


def _dedent_body(rows: list[str], first: int, indent: int) -> None:
    """Dedent, by four columns, the rows from ``first`` on that are blank or indented at least
    ``indent`` columns: an admonition's or a tab's body."""
    for j in range(first, len(rows)):
        expanded = rows[j].expandtabs(4)
        if not expanded.strip():
            continue
        if _columns(expanded[: len(expanded) - len(expanded.lstrip())]) < indent:
            return
        rows[j] = expanded[: indent - 4] + expanded[indent:]


def _blank_directive_markup(rows: list[str], opening: int, closing: int) -> None:
    """Blank a MyST directive's fences and its options (``:class: tip`` lines, or a YAML block
    between ``---`` lines) at the start of its content."""
    for j in (opening, closing):
        rows[j] = " " * len(rows[j])
    j = opening + 1
    if j < closing and rows[j].strip() == "---":
        end = next((k for k in range(j + 1, closing) if rows[k].strip() == "---"), None)
        if end is not None:
            for k in range(j, end + 1):
                rows[k] = " " * len(rows[k])
    while j < closing and _MYST_OPTION.match(rows[j]):
        rows[j] = " " * len(rows[j])
        j += 1


def _myst_body(name: str, argument: str, content: Sequence[str]) -> bool:
    """Whether a MyST directive's content is prose to read as Markdown: an admonition's as
    docutils knows them (``{note}``, ``{warning}``, ``{admonition}``); for a directive docutils
    does not know, by the rule :func:`_unknown_directive` reads reStructuredText by (an
    argument, ``{versionadded} 2.0``, ``{tab-item} Linux``; or content opening with another
    directive); any other directive's content (``{code-block}``, ``{math}``, ``{toctree}``)
    stays as it is."""
    known = docutils_directive(name)
    # A name registered while reading reStructuredText is still one docutils does not know.
    if known is not None and known is not _unknown_directive():
        return is_admonition(name)
    first = next((row for row in content if row.strip()), "")
    return bool(argument.strip()) or _MYST_DIRECTIVE.match(first) is not None


def _myst_label(name: str, argument: str) -> bool:
    """A MyST directive's argument names what its content is, as :func:`_unknown_directive`
    reads reStructuredText's (``{tab} Linux``, ``{tab-item} Windows``, ``{dropdown} Details``):
    a directive docutils does not know, whose argument is not a version (``{versionadded} 2.0``)
    nor a condition on the build (``{only} html``). Its line is a heading one level below the
    enclosing section's, so "~/.cache/pip" under ``{tab} Linux`` is in a section "Linux"; the
    argument was blanked with the fence, and the tabs' contents ran together."""
    known = docutils_directive(name)
    return (
        (known is None or known is _unknown_directive())
        and bool(argument)
        and not argument[:1].isdigit()
        and name.lower() not in _CONDITIONAL
    )


def markdown_blocks(text: str) -> list[Block]:
    """Blocks of a Markdown text from markdown-it-py's token line maps."""
    return [b for b in _markdown_blocks(text) if b.kind not in (MARKUP, CONTENTS)]


@functools.lru_cache(maxsize=8)
def _markdown_blocks(text: str) -> tuple[Block, ...]:
    source = text
    front = _FRONT_MATTER.match(text)
    if front:
        # Keep the line count: blank the front matter instead of cutting it.
        source = re.sub(r"[^\r\n]", " ", front.group(0)) + text[front.end() :]
    source = _unwrapped(source)
    lines = _Lines(text)
    tokens = _markdown_parser().parse(source)
    blocks: list[Block] = []
    fields = front_matter_values(text) if front else {}
    # The page's summary in its front matter is prose like any paragraph; other keys are not.
    blocks.extend(
        Block(*fields[key], "paragraph") for key in FRONT_MATTER_PROSE_KEYS if key in fields
    )
    context: list[str] = []
    list_depth = 0
    open_items: list[tuple[int, int, int]] = []  # (index in blocks, nesting depth, first line)
    children: list[int] = []  # per open item: its paragraphs and code blocks seen so far
    # Per open item: "item" for a list's; for a definition, "definition" until its first
    # paragraph is its item, then "made" (the plugin maps a definition from its term's line,
    # and to a closing fence's: the item is its paragraphs).
    definitions: list[str] = []
    level = 0  # the level of the last heading
    for i, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if open_items and token.map and open_items[-1][0] < len(blocks):
                _cut_item(blocks, open_items[-1][0], lines, token.map[0])
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "list_item_open" and token.map:
            start, end = lines.span(*token.map)
            open_items.append((len(blocks), list_depth, token.map[0]))
            children.append(0)
            definitions.append("item")
            blocks.append(Block(start, end, "list_item", list_depth))
            context.append("list_item")
        elif kind in ("list_item_close", "dd_close"):
            if definitions[-1] == "made":
                # The definition's item runs to the end of its last part.
                first = open_items[-1][0]
                item = blocks[first]
                end = max(b.end for b in blocks[first:])
                blocks[first] = Block(item.start, end, item.kind, item.level)
            open_items.pop()
            children.pop()
            definitions.pop()
            context.pop()
        elif kind == "dl_open":
            list_depth += 1
        elif kind == "dl_close":
            list_depth -= 1
        elif kind == "dt_open" and token.map and "list_item" not in context:
            # A term is an item of its list, as HTML's <dt> is; the plugin maps it to no line
            # ([n, n]): it is the line it starts on.
            start, end = lines.span(token.map[0], token.map[0] + 1)
            blocks.append(Block(start, end, "list_item", list_depth))
        elif kind == "dd_open" and token.map:
            # A definition is an item too (HTML's <dd>): its first paragraph, once seen.
            open_items.append((len(blocks), list_depth, token.map[0]))
            children.append(0)
            definitions.append("definition")
            context.append("list_item")
        elif (
            kind in ("paragraph_open", "fence", "code_block")
            and token.map
            and context[-1:] == ["list_item"]
        ):
            # The item's first paragraph is the item; what follows it is a part of it.
            children[-1] += 1
            if children[-1] == 1 and definitions[-1] == "definition":
                start, end = lines.span(*token.map)
                open_items[-1] = (len(blocks), *open_items[-1][1:])
                blocks.append(Block(start, end, "list_item", list_depth))
                definitions[-1] = "made"
            elif children[-1] > 1:
                start, end = lines.span(*token.map)
                blocks.append(
                    Block(start, end, "item_text" if kind == "paragraph_open" else "item_code")
                )
        elif kind == "blockquote_open" and token.map:
            if not context:
                start, end = lines.span(*token.map)
                blocks.append(Block(start, end, "quote"))
            context.append("quote")
        elif kind == "blockquote_close":
            context.pop()
        elif kind == "heading_open" and token.map:
            start, end = lines.span(*token.map)
            if _MYST_DIRECTIVE.match(text[start:end]):
                # A directive's label (_myst_label): one level below the section it is in.
                blocks.append(Block(start, end, "heading", min(max(level + 1, 2), 6)))
            else:
                level = int(token.tag[1:])
                blocks.append(Block(start, end, "heading", level))
        elif kind in ("fence", "code_block") and token.map and "list_item" not in context:
            start, end = lines.span(*token.map)
            blocks.append(Block(start, end, "code"))
        elif kind == "table_open" and token.map and not context:
            start, end = lines.span(*token.map)
            blocks.append(Block(start, end, "table"))
        elif kind == "paragraph_open" and token.map and not context:
            start, end = lines.span(*token.map)
            one_line = token.map[1] - token.map[0] == 1
            if one_line and i + 1 < len(tokens) and _markdown_bold_title(tokens[i + 1].content):
                # A line all in bold that reads as a title is a heading one level below the
                # section it sits in, as in HTML ("**Run tests by keyword expressions**").
                blocks.append(Block(start, end, "heading", min(max(level + 1, 2), 6)))
            else:
                blocks.append(Block(start, end, "paragraph"))
        elif kind == "html_block" and token.map and not context:
            blocks.extend(_html_text_blocks(text, *lines.span(*token.map)))
    blocks.extend(_link_definitions(source, lines, tokens))
    blocks.extend(_anchor_lists(lines, tokens))
    return tuple(_after_definition_mark(text, b) for b in blocks if b.start < b.end)


# A list item that is one link to a place in the page: "- [Installation](#installation)".
_ANCHOR_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\[[^\]\n]+\]\(#[^()\s]*\)[ \t]*")


def _anchor_lists(lines: _Lines, tokens: Sequence[Any]) -> list[Block]:
    """A list every line of which is an item linking to a place in the page, at least
    :data:`MIN_CONTENTS_ENTRIES` of them: a table of contents (a README's), a ``contents``
    block, as :func:`ingest.cleaning.find_boilerplate` finds one laid out as text."""
    out: list[Block] = []
    for token in tokens:
        if token.level or token.type not in ("bullet_list_open", "ordered_list_open"):
            continue
        if not token.map:
            continue
        rows = [lines.line(i) for i in range(*token.map) if not lines.is_blank(i)]
        if len(rows) >= MIN_CONTENTS_ENTRIES and all(_ANCHOR_ITEM.fullmatch(r) for r in rows):
            out.append(Block(*lines.span(*token.map), CONTENTS))
    return out


# The first line of a link reference definition: "[label]: destination" (CommonMark 4.7).
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:")


def _link_definitions(source: str, lines: _Lines, tokens: Sequence[Any]) -> list[Block]:
    """Link reference definitions ("[pypi]: https://pypi.org/project/x") as ``markup`` blocks:
    the lines no top-level token maps. The parser reads them into its table of links and
    leaves no token (front matter, blanked in ``source``, is blank there)."""
    covered = [False] * len(lines)
    for token in tokens:
        if token.level == 0 and token.nesting >= 0 and token.map:
            for index in range(token.map[0], min(token.map[1], len(lines))):
                covered[index] = True
    shown = _Lines(source)  # the lines as the parser read them
    out: list[Block] = []
    index = 0
    while index < len(lines):
        if covered[index] or shown.is_blank(index) or not _LINK_DEFINITION.match(shown.line(index)):
            index += 1
            continue
        last = index
        while last < len(lines) and not covered[last]:
            last += 1
        out.append(Block(*lines.span(index, last), MARKUP))
        index = last
    return out


# The mark a definition's first line opens with (": its definition").
_DEFINITION_MARK = re.compile(r":[ \t]+")


def _after_definition_mark(text: str, block: Block) -> Block:
    """A definition's item without its ": " mark (a list inside it too: ": * On Windows 7")."""
    if block.kind != "list_item":
        return block
    mark = _DEFINITION_MARK.match(text, block.start, block.end)
    return Block(mark.end(), block.end, block.kind, block.level) if mark else block


def _markdown_bold_title(line: str) -> bool:
    """A paragraph's line is one strong span holding all of it, and its text reads as a title
    (:func:`ingest.loaders.reads_as_title`)."""
    if line.strip()[:2] not in ("**", "__"):
        return False
    inline = _markdown_parser(inline=True).parseInline(line.strip())
    children = [c for c in (inline[0].children or [] if inline else []) if c.content or c.markup]
    if (
        len(children) < 3
        or children[0].type != "strong_open"
        or children[-1].type != "strong_close"
    ):
        return False
    depth = 0
    for child in children[:-1]:
        depth += {"strong_open": 1, "strong_close": -1}.get(child.type, 0)
        if depth == 0:
            return False  # the first bold span closes before the end: text follows it
    return reads_as_title("".join(c.content for c in children[1:-1]))


# Raw HTML inside Markdown (READMEs centre their tagline in ``<p align="center">``) is read with
# the HTML loader's own vocabulary (:mod:`ingest.loaders`): the text between block-level tags is a
# paragraph (inline tags kept inside it; ``br`` ends a line, as in a page), h1-h6 a heading,
# ``pre`` code; comments and the content of dropped elements (scripts, styles, navigation, forms)
# are not text, and neither are tags and character references.
_HTML_SPLIT = re.compile(
    r"<!--.*?(?:-->|\Z)"
    rf"|<({'|'.join(sorted(DROPPED_TAGS))})\b[^>]*>(?:.*?</\1\s*>)?"
    rf"|<(/?)({'|'.join(sorted(BLOCK_TAGS | HEADING_LEVELS.keys() | {'pre', 'br'}))})\b[^>]*>",
    re.IGNORECASE | re.DOTALL,
)
_HTML_LEAD = re.compile(r"(?:\s+|<[^>]*>)+")
_HTML_TRAIL = re.compile(r"(?:\s+|<[^<>]*>)+\Z")
_HTML_MARKUP = re.compile(r"<[^>]*>|&#?\w+;")
_HTML_LINK = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_PRE_END = re.compile(r"</pre\s*>", re.IGNORECASE)
_TEMPLATE = re.compile(r"\{\{|\{%")


def _html_text_blocks(text: str, start: int, end: int) -> list[Block]:
    out: list[Block] = []
    heading = 0
    pos = start
    while True:
        match = _HTML_SPLIT.search(text, pos, end)
        stop = match.start() if match else end
        block = _html_text_span(text, pos, stop)
        if block is not None:
            kind = "heading" if heading else "paragraph"
            out.append(Block(block[0], block[1], kind, heading))
        if match is None:
            return out
        tag = (match.group(3) or "").lower()
        pos = match.end()
        if tag == "pre" and not match.group(2):
            # Preformatted text is code: one block, tags included, quoted whole or not at all.
            close = _HTML_PRE_END.search(text, pos, end)
            pos = close.end() if close else end
            out.append(Block(match.start(), pos, "code"))
        elif tag in HEADING_LEVELS:
            heading = 0 if match.group(2) else HEADING_LEVELS[tag]


def _html_text_span(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """The stretch of ``text[start:stop]`` from its first to its last visible character."""
    piece = text[start:stop]
    if not re.search(r"\w", _HTML_MARKUP.sub(" ", _HTML_LINK.sub(" ", piece))):
        return None  # markup only, or only links: navigation ("<a href=...>Docs</a> ·")
    if _TEMPLATE.search(piece):
        return None  # a template's placeholders ("{{ user.login }}"), not text
    lead = _HTML_LEAD.match(piece)
    trail = _HTML_TRAIL.search(piece)
    first = start + (lead.end() if lead else 0)
    last = start + (trail.start() if trail else len(piece))
    return (first, last) if first < last else None


def _cut_item(blocks: list[Block], index: int, lines: _Lines, nested_line: int) -> None:
    item = blocks[index]
    start, end = _trim(lines.text, item.start, min(item.end, lines.start(nested_line)))
    blocks[index] = Block(start, max(start, end), item.kind, item.level)


# Front matter keys whose value is the page's own prose (Jekyll, Hugo, MkDocs, Docusaurus).
FRONT_MATTER_TITLE_KEYS = ("title",)
FRONT_MATTER_PROSE_KEYS = ("description", "summary", "excerpt", "subtitle")


def front_matter_values(text: str) -> dict[str, tuple[int, int]]:
    """Exact ``[start, end)`` of the top-level string values of a Markdown file's YAML front
    matter (inside quotes for a quoted value), read with PyYAML's node marks; ``{}`` when the
    file has none or it is not YAML."""
    return dict(_front_matter_values(text))


@functools.lru_cache(maxsize=8)
def _front_matter_values(text: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    # Read once per text: both the blocks and the title (ingest.structure) need it.
    import yaml

    front = _FRONT_MATTER.match(text)
    if not front:
        return ()
    body_start = text.index("\n") + 1
    body_end = text.rfind("---", 0, front.end())
    try:
        node = yaml.compose(text[body_start:body_end])
    except Exception:  # PyYAML fails in several ways on odd input; the file is still read
        return ()
    if not isinstance(node, yaml.MappingNode):
        return ()
    values: dict[str, tuple[int, int]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            continue
        start, end = value.start_mark.index, value.end_mark.index
        if value.style in ("'", '"'):
            start, end = start + 1, end - 1
        elif value.style in ("|", ">"):
            continue  # a block scalar's text is indented lines, not one quotable span
        start, end = _trim(text, body_start + start, body_start + end)
        if start < end and isinstance(key.value, str):
            values[key.value.lower()] = (start, end)
    return tuple(values.items())


def markdown_headings(text: str) -> list[HeadingLine]:
    """ATX and setext headings: ``(start, end, level, title)``; ``end`` includes an underline."""
    out: list[HeadingLine] = []
    for block in markdown_blocks(text):
        if block.kind == "heading":
            title = _markdown_title_text(text[block.start : block.end])
            if title:
                out.append((block.start, block.end, block.level, title))
    return out


_ATX_OPEN = re.compile(r"^ {0,3}#{1,6}[ \t]*")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_ATTR_LIST = re.compile(r"[ \t]*\{[^{}]*\}$")
_BOLD_LINE = re.compile(r"(\*\*|__)(.+)\1")


def is_bold_line(text: str) -> bool:
    """``text`` is one line wrapped in bold markers ("**Methods**")."""
    return "\n" not in text.strip() and _BOLD_LINE.fullmatch(text.strip()) is not None


def _markdown_title_text(heading: str) -> str:
    """The heading's words as the reader sees them (the citation's section, the document's
    title): links as their text, images beside words (badges, icons) dropped, a title that is
    only an image (a logo) as its alt text; one without alt text keeps its markup."""
    first = heading.splitlines()[0] if heading else ""
    if directive := _MYST_DIRECTIVE.match(first):
        first = directive.group("argument")  # a MyST directive's label (_myst_label)
    elif _ATX_OPEN.match(first):
        first = _ATX_CLOSING.sub("", _ATX_OPEN.sub("", first))
    elif len(heading.splitlines()) == 1 and (bold := _BOLD_LINE.fullmatch(first.strip())):
        first = bold.group(2)  # a line all in bold (a setext heading has its underline)
    title = _ATTR_LIST.sub("", first.strip()).strip()
    for alt_text in (False, True):
        visible = " ".join(markdown_text(title, alt_text=alt_text).split())
        if re.search(r"\w", visible):
            return visible
    return title


# reStructuredText -------------------------------------------------------------------------


def rst_blocks(text: str) -> list[Block]:
    """Blocks of a reStructuredText document from docutils' node line numbers."""
    return [b for b in _rst_blocks(text) if b.kind != MARKUP]


# A directive's name: ".. py:data:: NAME", ".. versionadded:: 2.0", ".. click:example::".
_DIRECTIVE_NAME = re.compile(r"^[ \t]*\.\.[ \t]+([^\s:][^\s]*?)[ \t]*::", re.MULTILINE)


def _read_unknown_directives(text: str) -> None:
    """Register every directive of ``text`` that docutils does not know as the class
    :func:`_unknown_directive` builds.

    Sphinx and its extensions add directives docutils has never heard of; docutils replaces
    each with an error message, and the prose of their bodies (what a configuration value or a
    function does, what changed in a version) was lost with it.  Registration is global to
    docutils, as Sphinx's own is, and the same for every document: a name once registered stays
    read the same way.
    """
    from docutils import utils
    from docutils.parsers.rst import directives
    from docutils.parsers.rst.languages import en

    probe = utils.new_document("<directives>")
    for name in {m.group(1).lower() for m in _DIRECTIVE_NAME.finditer(text)}:
        if directives.directive(name, cast(Any, en), probe)[0] is None:
            directives.register_directive(name, _unknown_directive())
    directives.register_directive("class", _class_directive())
    for name in RST_CODE_DIRECTIVES:
        directives.register_directive(name, _code_directive())


# The attribute of a container node standing for a described object's signature lines.
_SIGNATURE = "verbatim-signature"


@functools.cache
def _unknown_directive() -> type:
    """The directive class standing for any directive docutils does not know (built on first
    use, so docutils is imported only for reStructuredText)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList

    class Unknown(Directive):
        """A directive docutils does not know, read by what is written on its own line:

        - an argument that starts with a digit is a version (``.. versionadded:: 2.0``): the
          lines below it and the content are body text (Sphinx goes on with the argument's
          text on the lines right below, "what changed");
        - another argument names what the content describes (a signature, ``.. py:data::
          SECRET_KEY``; a label, ``.. tab:: Bash``), as Sphinx's contents list it: the
          directive's lines are a heading one level below the enclosing section's, and the
          content is that heading's body (nothing, when there is no content: ``..
          autoclass:: Flask`` with its options);
        - no argument: the content is body text when it opens with another directive (``..
          tabs::`` holding its tabs) or with prose (:func:`_opens_with_prose`: a ``..
          seealso::`` note, a ``.. glossary::`` whose first term's definition is a sentence),
          else it is left out: a code sample (``.. testcode::``, an extension's ``..
          click:example::``) or a list of names (``.. toctree::``), not prose;
        - Sphinx's conditional content (:data:`_CONDITIONAL`, ``.. only:: html``): the
          argument is a condition, not a name; the content is body text.
        """

        optional_arguments = 1
        final_argument_whitespace = True
        has_content = True
        option_spec = _any_options()

        def run(self) -> list[Any]:
            marker, _, rest = self.block_text.partition("\n")
            argument = marker.partition("::")[2].strip()
            # Lines right below the directive's own line, before a blank line or an option,
            # are arguments to docutils.
            below = list(itertools.takewhile(str.strip, rest.split("\n")))
            below = list(itertools.takewhile(lambda line: not line.lstrip().startswith(":"), below))
            first = next((line for line in self.content if line.strip()), "")
            node = nodes.container()
            if self.name.lower() in _CONDITIONAL:
                pass
            elif argument[:1].isdigit():
                if below:
                    lines = textwrap.dedent("\n".join(below)).split("\n")
                    source = self.state.document.get("source")
                    items = [(source, self.lineno + i) for i in range(len(lines))]
                    self.state.nested_parse(StringList(lines, items=items), self.lineno, node)
            elif argument:
                if not first:
                    return []
                node[_SIGNATURE] = (self.lineno - 1, self.lineno + len(below))
            elif not (_DIRECTIVE_NAME.match(first) or _opens_with_prose(list(self.content))):
                return []
            self.state.nested_parse(self.content, self.content_offset, node)
            return [node]

    return Unknown


# Sphinx's directives whose argument is a condition on the build, not a name ("only:: html",
# "ifconfig:: releaselevel in ('alpha',)"): their content is the document's text.
_CONDITIONAL = frozenset({"only", "ifconfig"})


def _opens_with_prose(content: Sequence[str]) -> bool:
    """The first paragraph of a directive's content (for a term over its indented definition,
    as a glossary opens, the definition's) reads as prose, not as a code sample or a list of
    names: its lines are indented alike, it opens with a word (or inline markup) and ends as
    a sentence does."""
    rows = list(itertools.dropwhile(lambda row: not row.strip(), content))
    paragraph = list(itertools.takewhile(str.strip, rows))
    if len(paragraph) > 1 and _columns(_indent(paragraph[1])) > _columns(_indent(paragraph[0])):
        paragraph = paragraph[1:]
    return (
        bool(paragraph)
        and len({_indent(row) for row in paragraph}) == 1
        and _PROSE_OPENING.match(paragraph[0].lstrip()) is not None
        and SENTENCE_ENDED.search(paragraph[-1]) is not None
    )


def _indent(row: str) -> str:
    return row[: len(row) - len(row.lstrip())]


# A line opening prose: a word, or inline markup before one (":func:`x`", "*Note*", "``x``").
_PROSE_OPENING = re.compile(r"[:*`\"“]*[A-Za-z]")
# A line ending a sentence: a stop, then closing quotes, brackets or inline markup.
SENTENCE_ENDED = re.compile(r"[.!?][\"'’”)\]*`_]*\s*$")
# A line asking a question: a question mark, then closing quotes, brackets or emphasis.
ASKS = re.compile(r"\?[\"'”’)\]*_]*\s*$")


# A Sphinx class's signature names it with a capital letter, a dot or a parenthesis
# ("HttpRequest", "date(year, month, day)"); docutils' own class names never do: it lowercases
# them ("special", "align-center").
_CLASS_SIGNATURE = re.compile(r"[A-Z.(]")


@functools.cache
def _class_directive() -> type:
    """The class read for ``.. class::``, which means two things: in Sphinx (its domain's
    default) a described class, ``.. class:: HttpRequest`` over what the class does; in plain
    docutils a class name set on the elements that follow (``.. class:: special``).  A
    signature (:data:`_CLASS_SIGNATURE`) is read as Sphinx's, as :func:`_unknown_directive`
    reads any described object; anything else as docutils'."""
    from docutils.parsers.rst.directives import misc

    class Class(_unknown_directive()):  # type: ignore[misc]
        def run(self) -> list[Any]:
            argument = " ".join(self.arguments)
            if _CLASS_SIGNATURE.search(argument):
                return cast(list[Any], super().run())
            if not argument:
                return []
            return cast(list[Any], misc.Class.run(self))

    return Class


@functools.cache
def _code_directive() -> type:
    """The class read for ``.. code-block::`` (and ``code``, ``sourcecode``): docutils' own,
    taking every option Sphinx adds (``:caption:``, ``:emphasize-lines:``, ``:linenos:``,
    ``:dedent:``) as written.  docutils rejects an option it does not know, and the code went
    with the rejected directive: Django's and Flask's files under ``:caption:`` were lost."""
    from docutils.parsers.rst.directives.body import CodeBlock

    class Code(CodeBlock):
        option_spec = _any_options(CodeBlock.option_spec)

    return Code


def _any_options(known: dict[str, Any] | None = None) -> dict[str, Any]:
    """A directive's option spec that accepts every option: those in ``known`` read as docutils
    reads them, any other kept as written."""
    from docutils.parsers.rst import directives

    class AnyOption(dict[str, Any]):
        def __missing__(self, key: str) -> Any:
            return directives.unchanged

        def __contains__(self, key: object) -> bool:
            return True

        def __bool__(self) -> bool:
            return True

    return AnyOption(known or {})


@functools.lru_cache(maxsize=8)
def _rst_blocks(text: str) -> tuple[Block, ...]:
    from docutils import nodes
    from docutils.core import publish_doctree

    _read_unknown_directives(text)
    try:
        tree = publish_doctree(
            text,
            settings_overrides={
                "report_level": 5,
                "halt_level": 5,
                "doctitle_xform": False,
                "sectsubtitle_xform": False,
                "file_insertion_enabled": False,
                "raw_enabled": False,
                "warning_stream": False,
                "input_encoding": "unicode",
            },
        )
    except Exception:
        # docutils raises many kinds of errors on odd input; lines still give a structure.
        return tuple(plain_blocks(text, rst_headings_by_lines(text)))
    lines = _Lines(text)
    blocks: list[Block] = []
    # A field (":name: body") and an option ("-b FILE  Read FILE.") are items of their lists.
    items = (nodes.list_item, nodes.definition_list_item, nodes.field, nodes.option_list_item)
    lists = (
        nodes.bullet_list,
        nodes.enumerated_list,
        nodes.definition_list,
        nodes.field_list,
        nodes.option_list,
    )
    firsts: dict[int, Any] = {}

    def depth(node: nodes.Node, kind: type[nodes.Element] | tuple[type[nodes.Element], ...]) -> int:
        """How many of ``node``'s ancestors are of ``kind`` (of containers, those standing for
        described objects only)."""
        count, parent = 0, node.parent
        while parent is not None:
            count += isinstance(parent, kind) and (
                kind is not nodes.container or _SIGNATURE in parent.attributes
            )
            parent = parent.parent
        return count

    seen = 0  # the last line docutils gave a node, in document order
    for node in tree.findall(nodes.Element):
        if _SIGNATURE in node.attributes:
            node.line = node[_SIGNATURE][0] + 1
        line = node.line
        if isinstance(node, nodes.option_list_item):
            # docutils gives an option no line; its description starts on the option's line.
            line = next((p.line for p in node.findall(nodes.paragraph) if p.line), None)
        if line is None and isinstance(node, nodes.literal_block):
            # Nor a code directive's block inside another directive's content (".. tab::
            # Windows" over ".. code-block:: console"): it is the next code directive's.
            line = _next_code_directive(lines, seen)
        if line is None or isinstance(node, nodes.system_message):
            continue
        seen = line
        index = line - 1
        if isinstance(node, nodes.comment | nodes.substitution_definition | nodes.target):
            if not isinstance(node.parent, nodes.TextElement):  # not a link's own target
                markup = _rst_markup(lines, index)
                if markup is not None:
                    blocks.append(markup)
            continue
        if isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
            blocks.append(_rst_heading(lines, index, depth(node, nodes.section)))
        elif _SIGNATURE in node.attributes:
            first, last = node[_SIGNATURE]
            level = depth(node, nodes.section) + depth(node, nodes.container) + 1
            blocks.append(Block(*lines.span(first, last), "heading", max(level, 2)))
        elif isinstance(node, items):
            blocks.append(_rst_item(lines, index, depth(node, lists)))
        elif isinstance(node, nodes.literal_block | nodes.doctest_block):
            if _inside_kind(node, (nodes.table, nodes.system_message)):
                continue
            code = _rst_code(lines, index)
            if code is None:
                continue
            if not _inside_kind(node, items):
                blocks.append(code)
            elif _rst_item_part(node, items, firsts):
                blocks.append(Block(code.start, code.end, "item_code"))
        elif isinstance(node, nodes.table):
            start, end = lines.span(index, _paragraph_end(lines, index))
            blocks.append(Block(start, end, "table"))
        elif isinstance(node, nodes.line) and not _inside_kind(node, (nodes.table,)):
            level = depth(node, lists) + depth(node, nodes.line_block)
            line_item = _rst_line(lines, index, level)
            if line_item is not None:
                blocks.append(line_item)
        elif (
            isinstance(node, nodes.paragraph)
            and not _inside_kind(node, (nodes.table, nodes.system_message))
            and not _images_only(node)
        ):
            if _inside_kind(node, items):
                if not _rst_item_part(node, items, firsts):
                    continue
                kind = "item_text"
            else:
                kind = "quote" if _inside_kind(node, (nodes.block_quote,)) else "paragraph"
            if index < len(lines) and lines.line(index).strip():
                last = _paragraph_end(lines, index)
                start, end = lines.span(index, last)
                if kind == "paragraph" and last == index + 1 and _rst_bold_title(node):
                    # A line all in bold that reads as a title is a heading one level below
                    # the section it sits in, as in HTML and Markdown.
                    level = depth(node, nodes.section) + depth(node, nodes.container) + 1
                    blocks.append(Block(start, end, "heading", min(max(level, 2), 6)))
                    continue
                blocks.append(Block(start, end, kind))
    # One source range read twice (a bullet item whose body is a definition list item: "* name :
    # type" over an indented description) is one block, the outer one.
    unique: dict[tuple[int, int, str], Block] = {}
    for block in blocks:
        key = (block.start, block.end, block.kind)
        if block.start < block.end and (key not in unique or block.level < unique[key].level):
            unique[key] = block
    return tuple(sorted(unique.values(), key=lambda b: (b.start, -b.end, b.kind)))


# The first line of explicit markup that is no directive: a hyperlink target (".. _name: URL",
# "__ URL"), a substitution definition (".. |name| image:: badge.svg") or a comment.
_RST_EXPLICIT = re.compile(r"[ \t]*(?:\.\.(?:[ \t]|$)|__[ \t])")


def _rst_markup(lines: _Lines, index: int) -> Block | None:
    """A target, substitution definition or comment docutils places on line ``index``, with
    the lines indented under it (a badge's ``:target:``, a comment's body), as a ``markup``
    block; None when no explicit markup is found there.  docutils gives a target's and a
    definition's first line, but a comment's the line after its end: the markup is the block
    opening on ``index`` or the nearest one above that runs down to it."""
    probe = min(index, len(lines) - 1)
    while probe >= 0:
        if _RST_EXPLICIT.match(lines.line(probe)):
            indent, last = lines.indent(probe), probe + 1
            while last < len(lines) and (lines.is_blank(last) or lines.indent(last) > indent):
                last += 1
            return Block(*lines.span(probe, last), MARKUP) if last >= index else None
        if probe < index and not lines.is_blank(probe) and lines.indent(probe) == 0:
            return None  # text at the margin above: no body of markup reaches down here
        probe -= 1
    return None


# The mark opening a line of a line block: "| reset() -- reset state".
_LINE_MARK = re.compile(r"[ \t]*\|(?:[ \t]+|$)")


def _rst_line(lines: _Lines, index: int, level: int) -> Block | None:
    """A line of a line block (an API's methods listed one to a line, an address, a verse)
    as an item of a list, without its ``|`` mark, with the lines indented under it that carry
    it on; None for an empty line (a bare ``|``)."""
    if index >= len(lines) or not (mark := _LINE_MARK.match(lines.line(index))):
        return None
    last = index + 1
    while (
        last < len(lines)
        and not lines.is_blank(last)
        and not _LINE_MARK.match(lines.line(last))
        and lines.indent(last) > lines.indent(index)
    ):
        last += 1
    start, end = _trim(lines.text, lines.start(index) + mark.end(), lines.start(last))
    return Block(start, end, "list_item", max(level, 1)) if start < end else None


def _images_only(paragraph: Any) -> bool:
    """The paragraph shows only images (a row of badges written as substitutions, "|ci|
    |version|", each an image, linked or not): markup to the reader, no text to quote."""
    from docutils import nodes

    children = [c for c in paragraph.children if not (isinstance(c, nodes.Text) and not c.strip())]
    return bool(children) and all(
        isinstance(c, nodes.image)
        or (
            isinstance(c, nodes.reference)
            and bool(c.children)
            and all(isinstance(g, nodes.image) for g in c.children)
        )
        for c in children
    )


def _rst_bold_title(paragraph: Any) -> bool:
    """The paragraph is one ``strong`` node whose text reads as a title."""
    from docutils import nodes

    children = [c for c in paragraph.children if not (isinstance(c, nodes.Text) and not c.strip())]
    return (
        len(children) == 1
        and isinstance(children[0], nodes.strong)
        and reads_as_title(children[0].astext())
    )


def _rst_item_part(node: Any, items: tuple[type, ...], firsts: dict[int, Any]) -> bool:
    """A paragraph or literal block inside a list item that is not the item's first paragraph
    (which is the item itself): a part of the item (``item_text``, ``item_code``).  ``firsts``
    remembers each item's first paragraph by the item's id."""
    from docutils import nodes

    item: Any = node.parent
    while item is not None and not isinstance(item, items):
        item = item.parent
    if item is None:
        return False
    if id(item) not in firsts:
        kinds = (nodes.paragraph, nodes.literal_block, nodes.doctest_block)
        found = cast(nodes.Element, item).findall(lambda n: isinstance(n, kinds))
        firsts[id(item)] = next(iter(found), None)
    return firsts[id(item)] is not node


def _inside_kind(node: object, kinds: tuple[type, ...]) -> bool:
    parent = getattr(node, "parent", None)
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parent
    return False


def _paragraph_end(lines: _Lines, first: int) -> int:
    """A paragraph ends at a blank line or at a line indented less than its first (the next
    field of a field list, with no blank line between)."""
    index, indent = first, lines.indent(first)
    while index < len(lines) and not lines.is_blank(index) and lines.indent(index) >= indent:
        index += 1
    return index


def _rst_heading(lines: _Lines, index: int, level: int) -> Block:
    """A section title; docutils gives the line of its underline."""
    if index > 0 and _RST_ADORNMENT.match(lines.line(index)):
        first, last = index - 1, index + 1
    else:
        first, last = index, index + 1
        if last < len(lines) and _RST_ADORNMENT.match(lines.line(last)):
            last += 1
    if first > 0 and _RST_ADORNMENT.match(lines.line(first - 1)):
        first -= 1
    start, end = lines.span(first, last)
    return Block(start, end, "heading", max(level, 1))


def _rst_item(lines: _Lines, index: int, level: int) -> Block:
    """A list item from its marker (or term) line to its own text's end (not nested lists)."""
    indent = lines.indent(index)
    last = index + 1
    while last < len(lines):
        if lines.is_blank(last):
            following = last
            while following < len(lines) and lines.is_blank(following):
                following += 1
            if following >= len(lines) or lines.indent(following) <= indent:
                break
            if _LIST_MARKER.match(lines.line(following)):
                break
            last = following
            continue
        if lines.indent(last) <= indent:
            break
        if last > index and _LIST_MARKER.match(lines.line(last)):
            break
        last += 1
    start, end = lines.span(index, last)
    return Block(start, end, "list_item", max(level, 1))


def _next_code_directive(lines: _Lines, after: int) -> int | None:
    """The line number (from 1) of the first code directive after line number ``after``."""
    return next(
        (i + 1 for i in range(after, len(lines)) if _RST_CODE_DIRECTIVE.match(lines.line(i))),
        None,
    )


def _rst_code(lines: _Lines, index: int) -> Block | None:
    """A ``::`` literal block or a code directive (from its ``.. code-block::`` line).

    docutils reports a literal block's first line but a directive's line after its body, so the
    anchor (the directive, or the paragraph ending ``::``) is searched upwards from the node.
    """
    probe = min(index, len(lines) - 1)
    while probe >= 0:
        line = lines.line(probe)
        if _RST_CODE_DIRECTIVE.match(line):
            first, indent = probe, lines.indent(probe) + 1
            break
        if line.rstrip().endswith("::") and not _RST_DIRECTIVE.match(line):
            first = probe + 1
            while first < len(lines) and lines.is_blank(first):
                first += 1
            # The block is indented past the paragraph's text, which on a list item's first
            # line starts after the marker ("#. Install it::").
            marker = _RST_ITEM_MARKER.match(line.expandtabs(8))
            indent = (marker.end() - 1 if marker else lines.indent(probe)) + 1
            break
        probe -= 1
    else:
        return None
    last = probe + 1
    while last < len(lines):
        if not lines.is_blank(last) and lines.indent(last) < indent:
            break
        last += 1
    start, end = lines.span(first, last)
    return Block(start, end, "code") if start < end else None


def rst_headings(text: str) -> list[HeadingLine]:
    """Section titles of a reStructuredText text, over- and underlines included."""
    out: list[HeadingLine] = []
    for block in rst_blocks(text):
        if block.kind == "heading":
            rows = text[block.start : block.end].splitlines()
            title = next((r.strip() for r in rows if r.strip() and not _RST_ADORNMENT.match(r)), "")
            if _DIRECTIVE_NAME.match(title):  # a described object: its signature is its title
                title = title.partition("::")[2].strip()
            if title:
                out.append((block.start, block.end, block.level, _rst_title_text(title)))
    return out


# A hyperlink reference, `text <target>`_ (or __): a title reads as its text, as in Markdown.
_RST_LINK = re.compile(r"`([^`<>]*\w[^`<>]*?)\s*<[^<>`]+>`__?")


def _rst_title_text(title: str) -> str:
    bold = _BOLD_LINE.fullmatch(title.strip())
    if bold and bold.group(1) == "**":
        title = bold.group(2)  # a line all in bold
    return " ".join(_RST_LINK.sub(r"\1", title).split())


def rst_headings_by_lines(text: str) -> list[HeadingLine]:
    """Underlined (optionally overlined) titles found by lines; levels by order of style."""
    lines = _Lines(text)
    styles: list[tuple[str, bool]] = []
    out: list[HeadingLine] = []
    index = 0
    while index + 1 < len(lines):
        title = lines.line(index)
        under = _RST_ADORNMENT.match(lines.line(index + 1))
        stripped = title.strip()
        if (
            under
            and stripped
            and not _RST_ADORNMENT.match(title)
            and (not _LIST_MARKER.match(title) or _NUMBERED_TITLE.match(title))
            and len(lines.line(index + 1).strip()) >= min(len(stripped), 3)
            and (
                index == 0
                or lines.is_blank(index - 1)
                or _RST_ADORNMENT.match(lines.line(index - 1))
            )
        ):
            over = index > 0 and lines.line(index - 1).strip() == lines.line(index + 1).strip()
            style = (under.group(1), over)
            if style not in styles:
                styles.append(style)
            first = index - 1 if over else index
            start, end = lines.span(first, index + 2)
            out.append((start, end, styles.index(style) + 1, stripped))
            index += 2
            continue
        index += 1
    return out


def _opens_paragraph(lines: _Lines, index: int) -> bool:
    return (
        index == 0 or lines.is_blank(index - 1) or bool(_RST_ADORNMENT.match(lines.line(index - 1)))
    )


# Plain text -------------------------------------------------------------------------------


def plain_blocks(text: str, headings: Sequence[HeadingLine] = ()) -> list[Block]:
    """Paragraphs and list items by lines; the given headings become heading blocks."""
    lines = _Lines(text)
    heading_at = {lines.line_of(h[0]): h for h in headings}
    blocks: list[Block] = []
    index = 0
    current: tuple[int, str, int] | None = None  # (first line, kind, level)

    def close(last: int) -> None:
        nonlocal current
        if current is not None:
            first, kind, level = current
            pieces = (
                _field_pieces(lines, first, last)
                or _option_pieces(lines, first, last)
                or _table_pieces(lines, first, last)
                if kind == "paragraph"
                else []
            )
            if (
                not pieces
                and kind == "paragraph"
                and (_shown_code(lines, first, last, blocks) or _drawn(lines, first, last))
            ):
                kind = "code"
            for piece_first, piece_last, piece_kind in pieces or [(first, last, kind)]:
                start, end = lines.span(piece_first, piece_last)
                if start < end:
                    # A paragraph's fields are the items of a list of their own.
                    depth = 1 if piece_kind == "list_item" and kind == "paragraph" else level
                    blocks.append(Block(start, end, piece_kind, depth))
        current = None

    while index < len(lines):
        heading = heading_at.get(index)
        if heading is not None:
            close(index)
            blocks.append(Block(heading[0], heading[1], "heading", heading[2]))
            index = lines.line_of(max(heading[1] - 1, heading[0])) + 1
            continue
        if lines.is_blank(index):
            close(index)
        else:
            marker = _LIST_MARKER.match(lines.line(index))
            if marker:
                close(index)
                current = (index, "list_item", 1 + len(marker.group(1).expandtabs(8)) // 2)
            elif current is None:
                current = (index, "paragraph", 0)
            elif current[1] == "list_item" and _leaves_item(lines, current[0], index, blocks):
                close(index)
                current = (index, "paragraph", 0)
        index += 1
    close(index)
    return blocks


def _shown_code(lines: _Lines, first: int, last: int, blocks: Sequence[Block]) -> bool:
    """Lines ``[first, last)`` are code a paragraph shows: the paragraph before them ends in a
    colon, every one of them is indented past that paragraph's first line, and the last ends no
    sentence ("... in ~/git-extensions/:" over "\t$ git subtree add --prefix=git-subtree
    ...", as AsciiDoc and plain-text manuals set their examples).  A paragraph indented under
    its introduction that ends a sentence is the introduction's text."""
    if not blocks or blocks[-1].kind not in ("paragraph", "list_item"):
        return False
    intro = blocks[-1]
    if not lines.text[intro.start : intro.end].rstrip().endswith(":"):
        return False
    margin = lines.indent(lines.line_of(intro.start))
    indented = all(lines.indent(i) > margin for i in range(first, last))
    return indented and not SENTENCE_ENDED.search(lines.line(last - 1))


# Unicode's box-drawing and block elements: lines of a diagram drawn in text, never prose.
_BOX_DRAWING = re.compile("[\u2500-\u259f]")


def _drawn(lines: _Lines, first: int, last: int) -> bool:
    """Lines ``[first, last)`` are a diagram drawn with box-drawing characters (dpkg's states
    as boxes and arrows): at least half of them hold one.  Read as sentences, its pieces ("│
    v ┌────┐ │ unpacked │") were candidates."""
    drawn = sum(1 for i in range(first, last) if _BOX_DRAWING.search(lines.line(i)))
    return 2 * drawn >= last - first


def _leaves_item(lines: _Lines, first: int, index: int, blocks: Sequence[Block]) -> bool:
    """Line ``index``, set left of the marker of the list item that opens at line ``first``,
    is text after the list, not a line of the item: the item's last line ends a sentence, or
    the item is one line after another one-line item ("        * DNL marker" over "We support
    ..." at the margin). Otherwise it is the item's text wrapped left of its marker, as some
    licences lay out their numbered terms."""
    if lines.indent(index) >= lines.indent(first):
        return False
    if SENTENCE_ENDED.search(lines.line(index - 1)):
        return True
    if index - first > 1 or not blocks or blocks[-1].kind != "list_item":
        return False
    before = lines.line_of(blocks[-1].start)
    one_line = lines.line_of(blocks[-1].end - 1) == before
    return one_line and lines.indent(before) == lines.indent(first)


# A cell set apart from the text before it by a run of spaces or a tab: where a column starts in
# a table laid out as text ("embeddedbitmap  Bool    Use the embedded bitmap ..."); not the two
# spaces some writers leave after a sentence's full stop.
_CELL_GAP = re.compile(r"(?<=[^\s.!?;:,])(?: {2,}|\t+)(?=\S)")
# A rule under a table's header row ("-----------", "===== ====").
_TABLE_RULE = re.compile(r"^\s*[-=]{3,}[-=\s+|]*$")
# The fewest rows (rules aside) a table laid out as text has: fewer lines that happen to align
# are as likely prose or a pair of settings.
MIN_TABLE_ROWS = 3


def _table_pieces(lines: _Lines, first: int, last: int) -> list[tuple[int, int, str]]:
    """A paragraph's lines ``[first, last)`` parted into paragraphs and tables laid out as text.

    A table is a run of at least ``MIN_TABLE_ROWS`` rows (lines holding a cell after a run of
    spaces) all of which start a cell at one same column, rules under a header row among them;
    one line between two rows is a cell's text wrapped onto a line of its own ("(dep" /
    "recated)").  Prose before or after the run stays a paragraph (a man page's "...
    associated types." right over "Property        Type    Description").
    """
    cells: dict[int, set[int]] = {}
    for index in range(first, last):
        line = lines.line(index).expandtabs(8)
        found = {m.end() for m in _CELL_GAP.finditer(line)}
        if found or _TABLE_RULE.match(line):
            cells[index] = found
    runs: list[list[int]] = []
    for index in sorted(cells):
        if runs and index - runs[-1][-1] <= 2:
            runs[-1].append(index)
        else:
            runs.append([index])
    pieces: list[tuple[int, int, str]] = []
    position = first
    for run in runs:
        rows = [cells[i] for i in run if cells[i]]
        if len(rows) < MIN_TABLE_ROWS or not set.intersection(*rows):
            continue
        if position < run[0]:
            pieces.append((position, run[0], "paragraph"))
        pieces.append((run[0], run[-1] + 1, "table"))
        position = run[-1] + 1
    if pieces and position < last:
        pieces.append((position, last, "paragraph"))
    return pieces


# A field of a header laid out as text: a name of one to three words, a colon, its value
# ("Maintainer: Eric Pement", "Last-modified: 10 March 2003", as in a mail's header).
_FIELD = re.compile(r"[ \t]*[A-Z][\w-]*(?: [\w-]+){0,2}:[ \t]+\S")


def _field_pieces(lines: _Lines, first: int, last: int) -> list[tuple[int, int, str]]:
    """A paragraph made of fields (at least ``MIN_TABLE_ROWS``, each with its value's lines
    folded deeper), parted into one item per field: a FAQ's "Archive-Name: ..." /
    "Maintainer: ..." header ran together as one sentence. Empty for any other paragraph."""
    starts: list[int] = []
    for index in range(first, last):
        if _FIELD.match(lines.line(index)):
            starts.append(index)
        elif not starts or lines.indent(index) <= lines.indent(starts[-1]):
            return []
    if len(starts) < MIN_TABLE_ROWS:
        return []
    return [(a, b, "list_item") for a, b in zip(starts, [*starts[1:], last], strict=True)]


def _option_pieces(lines: _Lines, first: int, last: int) -> list[tuple[int, int, str]]:
    """A paragraph whose lines from one on are a command's options (at least
    ``MIN_TABLE_ROWS``), each option's line with its description folded deeper under it or
    beside it, parted into items: the option's line, then its description's lines, as a
    definition list's term and description are (a command's help, argparse's
    "--yaml-output, -y" over "Transcode jq JSON output back into YAML").  Lines before the
    first option stay a paragraph ("optional arguments:").  Options without a description,
    beside or under them, are a term's names.  Empty for any other paragraph."""
    start = next((i for i in range(first, last) if OPTION_FIRST.match(lines.line(i))), None)
    if start is None:
        return []
    margin = lines.indent(start)
    entries: list[list[int]] = []  # [option's line, its description's first line, end]
    for index in range(start, last):
        if lines.indent(index) <= margin:
            if not OPTION_FIRST.match(lines.line(index)) or lines.indent(index) < margin:
                return []
            entries.append([index, -1, index + 1])
        else:
            if entries[-1][1] < 0:
                entries[-1][1] = index
            entries[-1][2] = index + 1
    described = any(d >= 0 or _CELL_GAP.search(lines.line(o)) for o, d, _ in entries)
    if len(entries) < MIN_TABLE_ROWS or not described:
        return []  # a term's names on lines of their own ("-c" over "--clean") are one term
    pieces = [(first, start, "paragraph")] if first < start else []
    for option, description, end in entries:
        if description < 0:
            pieces.append((option, end, "list_item"))
        else:
            pieces += [(option, description, "list_item"), (description, end, "list_item")]
    return pieces


# AsciiDoc ------------------------------------------------------------------------------------

# A delimited block's fence: a line of four or more of one character (a table's "|===").
# Listing ("----"), literal ("....") and passthrough ("++++") blocks hold code, a comment block
# ("////") shows nothing, a quote block ("____") a quotation; an example ("====") or sidebar
# ("****") block holds ordinary blocks, so only its fences are markup.
_ADOC_FENCE = re.compile(r"(-{4,}|\.{4,}|\+{4,}|/{4,}|_{4,}|={4,}|\*{4,}|\|={3,})[ \t]*")
_ADOC_FENCE_KIND = {"-": "code", ".": "code", "+": "code", "/": MARKUP, "_": "quote", "|": "table"}
# A section title written with its level's equals signs ("== Options").
_ADOC_TITLE = re.compile(r"(={1,6})[ \t]+(\S.*?)(?:[ \t]+=+)?[ \t]*")
# A two-line title's underline, by level: "=" the document's title, then "-", "~", "^", "+".
_ADOC_UNDERLINES = "=-~^+"
# Lines that show no text: a block's attributes ("[source,python]", "[verse]"), an anchor
# ("[[id]]"), a list continuation ("+"), a comment line ("// ..."), an attribute entry
# (":toc: left") and a block macro ("include::config/stash.txt[]", "image::x.png[]").
_ADOC_MARKUP = re.compile(
    rf"{ADOC_ANCHOR}|\[[^\]\n]*\]|\+|//(?!//).*|:!?\w[\w-]*!?:.*|{ADOC_BLOCK_MACRO}"
)
# A block's title (".Example"), set over it.
_ADOC_BLOCK_TITLE = re.compile(r"\.[^\s.]")
# A labelled list's term, its delimiter ("::", ":::", "::::" or ";;") at the line's end or
# before the description on the same line.
_ADOC_TERM = re.compile(r"(?P<term>\S.*?)(?P<mark>:{2,4}|;;)(?:[ \t]+(?P<rest>\S.*?))?[ \t]*")
_ADOC_ITEM = re.compile(r"[ \t]*(?P<marker>\*{1,5}|-|\.{1,5}|\d{1,3}\.|[a-zA-Z]\.)[ \t]+\S")


def asciidoc_blocks(text: str) -> list[Block]:
    """The blocks of an AsciiDoc text (markup left out; see :func:`_asciidoc_blocks`)."""
    return [b for b in _asciidoc_blocks(text) if b.kind != MARKUP]


def asciidoc_headings(text: str) -> list[HeadingLine]:
    """Section titles of an AsciiDoc text, a two-line title's underline included."""
    out: list[HeadingLine] = []
    for block in _asciidoc_blocks(text):
        if block.kind == "heading":
            first = text[block.start : block.end].split("\n", 1)[0]
            titled = _ADOC_TITLE.fullmatch(first)
            out.append((block.start, block.end, block.level, titled.group(2) if titled else first))
    return out


@functools.lru_cache(maxsize=8)
def _asciidoc_blocks(text: str) -> tuple[Block, ...]:
    """Read an AsciiDoc text by its lines, as Asciidoctor's block parser does: delimited blocks
    (code, quotations, tables, comments), section titles (one line of equals signs, or a line
    over an underline as long within two characters), labelled lists (a term before "::",
    its description on the same line or the lines after), list items, paragraphs, and the
    lines that show no text (:data:`_ADOC_MARKUP`, block titles, fences) as markup. A
    paragraph after a term or after a list continuation ("+") is part of its item; an indented
    paragraph elsewhere is a literal block."""
    lines = _Lines(text)
    blocks: list[Block] = []
    index = 0
    current = 0  # the level of the list item a continuation ("+") would join (0: none)
    attached = 0  # the level of the item the next block belongs to (0: none)
    while index < len(lines):
        row = lines.line(index)
        stripped = row.strip()
        if not stripped:
            index += 1
            continue
        fence = _ADOC_FENCE.fullmatch(row)
        close = None
        if fence:
            after = range(index + 1, len(lines))
            close = next((i for i in after if lines.line(i).rstrip() == fence[1]), None)
        if fence and close is not None:
            blocks.append(Block(*lines.span(index, index + 1), MARKUP))
            kind = _ADOC_FENCE_KIND.get(fence[1][0])
            if kind is None:  # an example's or a sidebar's content is read as blocks
                index += 1
                continue
            start, end = lines.span(index + 1, close)
            if start < end:
                blocks.append(Block(start, end, kind))
            blocks.append(Block(*lines.span(close, close + 1), MARKUP))
            attached, index = 0, close + 1
            continue
        titled = _ADOC_TITLE.fullmatch(row)
        level = len(titled[1]) if titled else _underline_level(lines, index)
        if level:
            last = index + (1 if titled else 2)
            blocks.append(Block(*lines.span(index, last), "heading", level))
            current = attached = 0
            index = last
            continue
        if _ADOC_MARKUP.fullmatch(stripped) or _ADOC_BLOCK_TITLE.match(row):
            blocks.append(Block(*lines.span(index, index + 1), MARKUP))
            if stripped == "+":
                attached = current
            index += 1
            continue
        term = _ADOC_TERM.fullmatch(row)
        if term and not row[:1].isspace():
            current = len(term["mark"]) - 1 if term["mark"] != ";;" else 1
            start = lines.start(index)
            blocks.append(
                Block(start + term.start("term"), start + term.end("term"), "list_item", current)
            )
            attached, index = current, index + 1
            if term["rest"]:
                last = _adoc_paragraph_end(lines, index)
                rest = _trim(text, start + term.start("rest"), lines.start(last))
                blocks.append(Block(*rest, "list_item", current))
                attached, index = 0, last
            continue
        last = _adoc_paragraph_end(lines, index + 1)
        item = _ADOC_ITEM.match(row)
        if item:
            marker = item["marker"]
            current = len(marker) if marker[0] in "*." else 1
            blocks.append(Block(*lines.span(index, last), "list_item", current))
        elif attached:
            blocks.append(Block(*lines.span(index, last), "list_item", attached))
        elif row[:1].isspace():
            blocks.append(Block(*lines.span(index, last), "code"))  # a literal paragraph
            current = 0
        else:
            blocks.append(Block(*lines.span(index, last), "paragraph"))
            current = 0
        attached, index = 0, last
    return tuple(blocks)


def _adoc_paragraph_end(lines: _Lines, index: int) -> int:
    """The line after a paragraph going on at line ``index``: the first blank line, fence,
    section title, list continuation, list item or term."""
    while index < len(lines) and not lines.is_blank(index):
        row = lines.line(index)
        if (
            _ADOC_FENCE.fullmatch(row)
            or _ADOC_TITLE.fullmatch(row)
            or row.strip() == "+"
            or _ADOC_ITEM.match(row)
            or (_ADOC_TERM.fullmatch(row) and not row[:1].isspace())
        ):
            break
        index += 1
    return index


def _underline_level(lines: _Lines, index: int) -> int:
    """The level of a two-line title whose text is line ``index`` (0 when it is none)."""
    if index + 1 >= len(lines):
        return 0
    title, under = lines.line(index).rstrip(), lines.line(index + 1).rstrip()
    if not under or len(set(under)) != 1 or under[0] not in _ADOC_UNDERLINES:
        return 0
    if abs(len(title) - len(under)) > 2 or not title[:1].isalnum():
        return 0
    return _ADOC_UNDERLINES.index(under[0]) + 1


# Outline -----------------------------------------------------------------------------------


def document_outline(text: str, blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """The structure for people and ``verbatim inspect``: headings, lists with their items,
    code blocks, tables, quotations and boilerplate, in text order (paragraphs left out).

    Consecutive list items form one ``list`` entry; each item keeps its nesting ``level``.
    Every entry and item has exact ``start``/``end`` offsets and its ``text``.
    """
    outline: list[dict[str, Any]] = []
    for block in blocks:
        entry = {
            "kind": block.kind,
            "level": block.level,
            "start": block.start,
            "end": block.end,
            "text": text[block.start : block.end],
        }
        if block.kind == "list_item":
            last = outline[-1] if outline else None
            if last is None or last["kind"] != "list" or last["end"] > block.start:
                last = {"kind": "list", "start": block.start, "end": block.end, "items": []}
                outline.append(last)
            last["items"].append(entry)
            last["end"] = block.end
            last["text"] = text[last["start"] : block.end]
        elif block.kind != "paragraph":
            outline.append(entry)
    return outline
