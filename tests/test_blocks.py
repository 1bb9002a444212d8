"""Block structure for each format, with exact offsets into the stored text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.analyze import analyze_document
from ingest.blocks import markdown_blocks, plain_blocks, rst_blocks
from ingest.candidates import answer_candidates
from ingest.loaders import SUPPORTED_SUFFIXES, load_file
from vectorstore.types import Document

DATA = Path(__file__).parent / "data" / "structure"


def _analyze(name: str) -> Document:
    path = DATA / name
    loaded = load_file(path)
    return analyze_document(
        name, str(path), loaded.text, loaded.media_type, loaded.headings, loaded.blocks
    )


def _shape(doc: Document) -> list[tuple[str, int, str]]:
    return [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]


def _assert_exact(doc: Document) -> None:
    for block in doc.blocks:
        piece = doc.text[block.start : block.end]
        assert piece and piece == piece.strip(), block


def test_markdown_blocks_from_markdown_it() -> None:
    doc = _analyze("guide.md")
    _assert_exact(doc)
    shape = _shape(doc)
    assert shape[0] == ("heading", 1, "Harbour Guide\n=============")
    assert ("heading", 2, "Berths\n------") in shape
    assert ("heading", 2, "## Fees { #fees }") in shape
    assert ("paragraph", 0, "The marina offers the following berth types:") in shape
    items = [(level, text) for kind, level, text in shape if kind == "list_item"]
    assert items[:5] == [
        (1, "- Short-stay pontoons for visiting yachts."),
        (1, "- Swinging moorings in the outer basin\n  for boats up to twelve metres."),
        (1, "- Dry storage on the hard:"),
        (2, "- covered sheds"),
        (2, "- open yard"),
    ]
    assert (1, "1. Pay at the office.") in items
    codes = [text for kind, _, text in shape if kind == "code"]
    assert codes[0].startswith("```python\n# Not a heading") and codes[0].endswith("```")
    assert codes[1] == "indented_code = True"
    assert ("quote", 0, "> Boats must give way to the ferry.\n> No exceptions.") in shape
    assert ("table", 0, "| Berth | Price |\n|-------|-------|\n| Pontoon | 12 |") in shape
    # Setext headings are sections; a '#' line inside code is not a heading.
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Harbour Guide", 1),
        ("Berths", 2),
        ("Fees", 2),
    ]
    assert doc.title == "Harbour Guide"


def test_rst_blocks_from_docutils() -> None:
    assert ".rst" in SUPPORTED_SUFFIXES
    doc = _analyze("guide.rst")
    assert doc.media_type == "text/x-rst"
    _assert_exact(doc)
    shape = _shape(doc)
    assert shape[0] == ("heading", 1, "=============\nHarbour Guide\n=============")
    assert ("heading", 2, "Berths\n======") in shape
    assert ("heading", 3, "Fees\n----") in shape
    assert (
        "list_item",
        1,
        "- Swinging moorings in the outer basin\n  for boats up to twelve metres.",
    ) in shape
    assert ("list_item", 1, "#. Pay at the office.") in shape
    assert ("list_item", 1, "Pontoon\n   A floating walkway.") in shape
    assert ("code", 0, 'fees = {"day": 12}') in shape
    assert ("code", 0, '.. code-block:: python\n\n   print("hello")') in shape
    assert ("quote", 0, "Boats must give way to the ferry.") in shape
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Harbour Guide", 1),
        ("Berths", 2),
        ("Fees", 3),
        ("Rules", 2),
    ]
    # The section body starts after the underline: no chunk can hold "Title\n=====".
    berths = doc.sections[1]
    assert doc.text[berths.heading_start : berths.heading_end] == "Berths\n======"


def test_html_blocks_recorded_while_the_text_is_built() -> None:
    doc = _analyze("page.html")
    _assert_exact(doc)
    shape = _shape(doc)
    assert shape[:3] == [
        ("heading", 1, "Harbour Guide"),
        ("paragraph", 0, "The harbour opens at dawn and closes at dusk."),
        ("heading", 2, "Berths"),
    ]
    items = [(level, text) for kind, level, text in shape if kind == "list_item"]
    assert items == [
        (1, "- Short-stay pontoons for visiting yachts."),
        (1, "- Swinging moorings in the outer basin."),
        (1, "- Dry storage"),
        (2, "- covered sheds"),
        (2, "- open yard"),
    ]
    assert ("code", 0, 'fees = {"day": 12}') in shape
    assert ("quote", 0, "Boats must give way to the ferry.") in shape
    assert ("table", 0, "Pontoon | 12") in shape
    # Share bars and cookie banners marked by their class or id are not text at all.
    assert "Share this" not in doc.text and "cookies" not in doc.text


def test_plain_text_underlined_titles_are_sections() -> None:
    doc = _analyze("notes.txt")
    _assert_exact(doc)
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Harbour Notes", 1),
        ("Berths", 2),
        ("Opening Hours", 2),
    ]
    kinds = [b.kind for b in doc.blocks]
    assert kinds.count("list_item") == 2
    assert doc.gaps == []


def test_boilerplate_becomes_a_block_and_cuts_what_runs_into_it() -> None:
    text = "Intro line.\n\nThe options are:\nShare this:\nShare on Facebook\n"
    doc = analyze_document("x", "x.md", text, "text/markdown")
    boiler = [b for b in doc.blocks if b.kind == "boilerplate"]
    assert [text[b.start : b.end] for b in boiler] == ["Share this:\nShare on Facebook"]
    paragraphs = [text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert paragraphs == ["Intro line.", "The options are:"]
    assert [g.announcement for g in doc.gaps] == ["The options are:"]


def _kinds_and_last_lines(text: str) -> list[tuple[str, str]]:
    """Each reStructuredText block's kind and its last line, stripped."""
    return [(b.kind, text[b.start : b.end].split("\n")[-1].strip()) for b in rst_blocks(text)]


def test_a_markdown_definition_list_gives_items_and_its_definitions_go_on() -> None:
    """MyST's and Python-Markdown's definition lists ("Term" over ": its definition"): the
    term and the definition are items, as HTML's <dt> and <dd> are; the definition's item
    starts after its ": " mark, and its later paragraphs are parts of it."""
    text = (
        "Paths:\n\nUser\n: `~/.config/tide.conf`, read after the global one.\n\n"
        "  The legacy `~/.tide.conf` is read too.\n\n"
        "Site\n: * On Linux: `/etc/tide.conf`\n  * On Windows: not supported.\n\nAfter.\n"
    )
    shape = [(b.kind, b.level, text[b.start : b.end]) for b in markdown_blocks(text)]
    assert shape == [
        ("paragraph", 0, "Paths:"),
        ("list_item", 1, "User"),
        (
            "list_item",
            1,
            "`~/.config/tide.conf`, read after the global one.\n\n"
            "  The legacy `~/.tide.conf` is read too.",
        ),
        ("item_text", 0, "The legacy `~/.tide.conf` is read too."),
        ("list_item", 1, "Site"),
        ("list_item", 2, "* On Linux: `/etc/tide.conf`"),
        ("list_item", 2, "* On Windows: not supported."),
        ("paragraph", 0, "After."),
    ]


def test_a_code_directive_inside_another_directive_is_code() -> None:
    """docutils gives a ``.. code-block::`` inside a tab (an extension's directive) no line; it
    is still that tab's code, each tab's its own."""
    text = (
        "To show a package:\n\n"
        ".. tab:: Unix\n\n   .. code-block:: console\n\n      $ pip show x\n\n"
        ".. tab:: Windows\n\n   Run it in a console.\n\n   .. code-block:: console\n\n"
        "      C:> pip show x\n\nAfter.\n"
    )
    kinds = _kinds_and_last_lines(text)
    assert kinds == [
        ("paragraph", "To show a package:"),
        ("heading", ".. tab:: Unix"),
        ("code", "$ pip show x"),
        ("heading", ".. tab:: Windows"),
        ("paragraph", "Run it in a console."),
        ("code", "C:> pip show x"),
        ("paragraph", "After."),
    ]


def test_a_code_directive_with_sphinx_options_is_code() -> None:
    """docutils rejects options it does not know, and Sphinx adds several (a file's name as
    ``:caption:``): the directive is still code, its options with it."""
    text = (
        "Write the view:\n\n"
        ".. code-block:: python\n    :caption: ``polls/views.py``\n    :emphasize-lines: 2\n\n"
        "    def index(request):\n        return HttpResponse('Hello')\n\n"
        ".. code:: python\n    :linenos:\n\n    x = 1\n\n"
        "After.\n"
    )
    kinds = _kinds_and_last_lines(text)
    assert kinds == [
        ("paragraph", "Write the view:"),
        ("code", "return HttpResponse('Hello')"),
        ("code", "x = 1"),
        ("paragraph", "After."),
    ]


def test_rst_that_docutils_cannot_read_still_has_blocks() -> None:
    text = "Title\n=====\n\n- item one\n- item two\n\n   unexpected indent\n  odd\n"
    blocks = rst_blocks(text)
    assert any(b.kind == "list_item" for b in blocks)
    for block in blocks:
        assert text[block.start : block.end].strip() == text[block.start : block.end]


def test_plain_blocks_mark_list_items() -> None:
    text = "Para one\ncontinues.\n\n1. first\n2. second\n   more\n"
    assert [(b.kind, text[b.start : b.end]) for b in plain_blocks(text)] == [
        ("paragraph", "Para one\ncontinues."),
        ("list_item", "1. first"),
        ("list_item", "2. second\n   more"),
    ]


def test_text_set_left_of_a_list_is_no_item_of_it() -> None:
    """libjpeg's manual lists unsupported options indented under its text and goes on at the
    margin with no blank line: that text is a paragraph, not the last item's (which read as
    "Nonintegral subsampling ratios We support both 8- and 12-bit data ..."). So is text
    after an item whose last line ends a sentence. An item whose text wraps left of its
    marker, as some licences lay out their numbered terms, keeps its lines."""
    items = "        * Hierarchical storage\n        * DNL marker\n        * Nonintegral ratios\n"
    text = f"Unsupported options include:\n{items}We support 12-bit data.\n"
    assert [(b.kind, text[b.start : b.end]) for b in plain_blocks(text)] == [
        ("paragraph", "Unsupported options include:"),
        ("list_item", "* Hierarchical storage"),
        ("list_item", "* DNL marker"),
        ("list_item", "* Nonintegral ratios"),
        ("paragraph", "We support 12-bit data."),
    ]
    ended = "  * Two sample applications that\n    use the library.\nThey are simple.\n"
    assert [b.kind for b in plain_blocks(ended)] == ["list_item", "paragraph"]
    licence = "   11. BECAUSE THE PROGRAM IS FREE, THERE IS NO WARRANTY\n FOR THE PROGRAM.\n"
    assert [(b.kind, b.end) for b in plain_blocks(licence)] == [("list_item", len(licence) - 1)]


def test_a_paragraph_of_fields_is_a_list_of_them() -> None:
    """A FAQ's header ("Archive-Name: ...", "Maintainer: ...") ran together as one sentence:
    a paragraph whose every line is a field, or a field's value folded deeper, is a list of
    one item per field. Two fields, or prose with a colon, stay a paragraph."""
    header = (
        "Archive-Name: harbour-faq\nLast-modified: 10 March 2003\n"
        "Maintainer: Ann Pier (ann@example.org),\n    with help from the harbour office\n"
    )
    blocks = plain_blocks(header)
    assert [(b.kind, b.level) for b in blocks] == [("list_item", 1)] * 3
    assert header[blocks[2].start : blocks[2].end].endswith("the harbour office")
    assert [b.kind for b in plain_blocks("Version: 015\nURL: http://example.org\n")] == [
        "paragraph"
    ]
    prose = "Note: the office opens at dawn.\nBoats moor at the pier.\nFees: see below.\n"
    assert [b.kind for b in plain_blocks(prose)] == ["paragraph"]


def test_a_commands_option_list_is_a_list_of_options_and_descriptions() -> None:
    """A command's help ("optional arguments:" over its options, each description folded
    under its option's line or beside it) ran together as one paragraph: the option's line and
    its description are items, a term over its description as in a definition list, so the
    description's term names the option.  Two options, or prose under an option, stay a
    paragraph."""
    intro = "optional arguments:"
    options = (
        "  -h, --help            show this help and exit\n"
        "  --tide, -t\n"
        "                        Read the tide\n"
        "                        at noon\n"
        "  --pier PIER, -p PIER\n"
        "                        Use PIER"
    )
    text = f"{intro}\n{options}\n"
    assert [(b.kind, text[b.start : b.end]) for b in plain_blocks(text)] == [
        ("paragraph", intro),
        ("list_item", "-h, --help            show this help and exit"),
        ("list_item", "--tide, -t"),
        ("list_item", "Read the tide\n                        at noon"),
        ("list_item", "--pier PIER, -p PIER"),
        ("list_item", "Use PIER"),
    ]
    document = analyze_document("tide.txt", "tide.txt", text, "text/plain")
    items = [text[c.start : c.end] for c in answer_candidates(document) if c.role == "list_item"]
    assert items[1:3] == ["--tide, -t", "Read the tide\n                        at noon"]
    two = "  --tide, -t\n        Read the tide\n  --pier PIER\n        Use PIER\n"
    assert [b.kind for b in plain_blocks(two)] == ["paragraph"]
    prose = "  --tide, -t\nreads the tide.\n  --pier\n  --moor\n"
    assert [b.kind for b in plain_blocks(prose)] == ["paragraph"]
    names = "-c\n--clean\n-x\n"  # one term's names, no description
    assert [b.kind for b in plain_blocks(names)] == ["paragraph"]


def test_a_table_laid_out_as_text_is_a_table_apart_from_the_prose_over_it() -> None:
    """A man page's table of properties, right under the paragraph that names it: the rows
    (columns set apart by runs of spaces, a cell wrapped onto a line of its own) are a table
    and each row a candidate; the prose over it stays a paragraph.  Two spaces after a full
    stop set no column apart, and two lines that align are no table."""
    prose = "Some properties are well known:\nthey have types."
    table = (
        "  Property        Type    Description\n"
        "  --------------------------------------\n"
        "  family          String  Font family names\n"
        "  scale           Double  Scale factor for point conversions (dep\n"
        "recated)\n"
        "  embeddedbitmap  Bool    Use the embedded bitmap instead of the outline"
    )
    text = f"{prose}\n{table}\n\nIt is so.  Really so.\nIt is.  So.\nYes.  Indeed.\n\nA  b\nC  d\n"
    assert [(b.kind, text[b.start : b.end]) for b in plain_blocks(text)] == [
        ("paragraph", prose),
        ("table", table.strip()),
        ("paragraph", "It is so.  Really so.\nIt is.  So.\nYes.  Indeed."),
        ("paragraph", "A  b\nC  d"),
    ]
    document = analyze_document("fonts.txt", "fonts.txt", text, "text/plain")
    rows = [text[c.start : c.end] for c in answer_candidates(document) if c.role == "table_row"]
    assert "embeddedbitmap  Bool    Use the embedded bitmap instead of the outline" in rows


_LINES = st.sampled_from(
    [
        "Plain words here.",
        "- bullet item",
        "  - nested item",
        "1. numbered",
        "# Heading",
        "Setext",
        "======",
        "```",
        "code = 1",
        "> quoted",
        "| a | b |",
        "|---|---|",
        "",
        "    indented",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINES, max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_markdown_block_offsets_are_exact_for_any_mix(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    previous_start = -1
    for block in markdown_blocks(text):
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip()
        assert 0 <= block.start < block.end <= len(text)
        assert block.start >= previous_start
        previous_start = block.start


_RST_LINES = st.sampled_from(
    [
        "Plain words here.",
        "Title",
        "=====",
        "-----",
        "- bullet item",
        "  continued",
        "#. numbered",
        "Example::",
        "    code line",
        ".. code-block:: python",
        "   print(1)",
        ".. note::",
        "term",
        "   definition",
        "+---+---+",
        "| a | b |",
        "",
        ".. comment",
        "   :option: value",
    ]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_RST_LINES, max_size=20))
def test_rst_block_offsets_are_exact_for_any_mix(lines: list[str]) -> None:
    text = "\n".join(lines)
    for block in rst_blocks(text):
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip()
        assert 0 <= block.start < block.end <= len(text)


def test_pdf_text_gets_paragraphs_and_list_items() -> None:
    doc = _analyze("notes.pdf")
    _assert_exact(doc)
    assert [(kind, text) for kind, _, text in _shape(doc)] == [
        ("paragraph", "The marina offers the following berth types:"),
        ("list_item", "- Short-stay pontoons for visiting yachts."),
        ("list_item", "- Swinging moorings in the outer basin."),
        ("paragraph", "The office opens at nine on weekdays."),
    ]
    assert doc.gaps == []


@pytest.mark.parametrize("bullet", ["\u25cf", "\u25aa", "\u2013", "\uf0b7", "\uf0a7"])
def test_typographic_and_word_bullets_mark_list_items_in_plain_text(bullet: str) -> None:
    """ "●", "▪", "–", and Word's Symbol and Wingdings bullets as a PDF gives them (U+F0B7,
    U+F0A7) are list markers like "-": the introduction's list is there, not a gap."""
    from ingest.candidates import answer_candidates

    text = (
        "The marina offers the following berth types:\n\n"
        f"{bullet} Short-stay pontoons for visiting yachts.\n"
        f"{bullet} Swinging moorings in the outer basin.\n\n"
        "The office opens at nine."
    )
    doc = analyze_document("notes.txt", "notes.txt", text, "text/plain")
    assert [kind for kind, _, _ in _shape(doc)] == [
        "paragraph",
        "list_item",
        "list_item",
        "paragraph",
    ]
    assert doc.gaps == []
    # The item's candidate is its text, the marker left out.
    roles = {text[c.start : c.end]: c.role for c in answer_candidates(doc)}
    assert roles["Short-stay pontoons for visiting yachts."] == "list_item"


def test_an_rst_bullet_whose_body_is_a_definition_is_one_block_in_a_fixed_order() -> None:
    # docutils reads "* name : type" over an indented line as a bullet item holding a
    # definition-list item: one source range, which used to give two blocks in a random order.
    text = (
        "Parameters\n----------\n\n"
        "* iterable  : iterable, optional\n    Iterable to decorate with a progress bar.\n"
        "* desc  : str, optional\n    Prefix for the progress bar.\n"
    )
    doc = analyze_document("p.rst", "p.rst", text, "text/x-rst")
    items = [
        (b.level, text[b.start : b.end].split("\n")[0]) for b in doc.blocks if b.kind == "list_item"
    ]
    assert items == [(1, "* iterable  : iterable, optional"), (1, "* desc  : str, optional")]


def test_markdown_front_matter_gives_the_title_and_its_description_is_a_candidate() -> None:
    from ingest.candidates import answer_candidates

    text = (
        "---\n"
        "title: npm-install\n"
        "section: 1\n"
        'description: "Install a package"\n'
        "notes: |\n  a block scalar\n  over two lines\n"
        "---\n\n"
        "### Synopsis\n\nThis command installs a package and the packages it depends on.\n"
    )
    doc = analyze_document("install.md", "install.md", text, "text/markdown")
    assert doc.title == "npm-install"
    first = doc.blocks[0]
    assert (first.kind, text[first.start : first.end]) == ("paragraph", "Install a package")
    quotes = [text[c.start : c.end] for c in answer_candidates(doc)]
    assert quotes[0] == "Install a package"
    assert not any("section" in q or "block scalar" in q or "title" in q for q in quotes)
    # Front matter that is not a mapping, or not YAML at all, is skipped as before.
    for front in ("- a\n- b\n", "title: [unclosed\n"):
        odd = analyze_document(
            "o.md", "o.md", f"---\n{front}---\n\n# Real\n\nBody.\n", "text/markdown"
        )
        assert odd.title == "Real"
        assert [odd.text[b.start : b.end] for b in odd.blocks if b.kind == "paragraph"] == ["Body."]


def test_markdown_link_definitions_are_markup_and_no_block() -> None:
    text = (
        "# Tool\n\nIt is maintained by [Ann][ann] and [Bo][].\n\n"
        '[ann]: https://example.org/ann\n[Bo]: https://example.org/bo\n  "Bo\'s page"\n\n'
        "[more]: https://example.org/more\n\n## Next\n\nMore text.\n"
    )
    doc = analyze_document("x", "x.md", text, "text/markdown")
    markup = [s for s in doc.excluded if s.kind == "markup"]
    assert [text[s.start : s.end] for s in markup] == [
        '[ann]: https://example.org/ann\n[Bo]: https://example.org/bo\n  "Bo\'s page"\n\n'
        "[more]: https://example.org/more"
    ]
    assert all(s.text == text[s.start : s.end] for s in markup)
    assert [text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"] == [
        "It is maintained by [Ann][ann] and [Bo][].",
        "More text.",
    ]


def test_markdown_front_matter_and_code_are_no_link_definitions() -> None:
    text = "---\n[a]: b\ntitle: T\n---\n\nText.\n\n```\n[x]: https://example.org\n```\n"
    doc = analyze_document("x", "x.md", text, "text/markdown")
    assert [s for s in doc.excluded if s.kind == "markup"] == []


def test_rst_targets_substitutions_and_comments_are_markup_and_badges_no_block() -> None:
    text = (
        "Tool\n====\n\n|ci| |version|\n\n"
        ".. |ci| image:: https://example.org/ci.svg\n   :target: https://example.org/ci\n\n"
        ".. |version| image:: https://example.org/v.svg\n\n"
        "It reads `the docs <https://example.org/docs>`_ and the guide_.\n\n"
        ".. _guide: https://example.org/guide\n\n"
        ".. a comment\n   that goes on\n\n"
        "The end.\n"
    )
    doc = analyze_document("x", "x.rst", text, "text/x-rst")
    assert [s.text for s in doc.excluded if s.kind == "markup"] == [
        ".. |ci| image:: https://example.org/ci.svg\n   :target: https://example.org/ci\n\n"
        ".. |version| image:: https://example.org/v.svg",
        ".. _guide: https://example.org/guide\n\n.. a comment\n   that goes on",
    ]
    assert [text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"] == [
        "It reads `the docs <https://example.org/docs>`_ and the guide_.",
        "The end.",
    ]


def test_rst_line_block_lines_are_items_of_a_list() -> None:
    text = (
        "Title\n=====\n\nMethods:\n\n"
        "    | update() -- update the digest\n    | reset() -- reset state\n    |\n"
        "    | copy() -- return\n      a copy\n\nAfter.\n"
    )
    doc = analyze_document("x", "x.rst", text, "text/x-rst")
    assert _shape(doc)[1:] == [
        ("paragraph", 0, "Methods:"),
        ("list_item", 1, "update() -- update the digest"),
        ("list_item", 1, "reset() -- reset state"),
        ("list_item", 1, "copy() -- return\n      a copy"),
        ("paragraph", 0, "After."),
    ]
    roles = {text[c.start : c.end]: c.role for c in answer_candidates(doc)}
    assert roles["reset() -- reset state"] == "list_item"


def test_a_markdown_list_of_links_to_places_in_the_page_is_a_contents() -> None:
    text = (
        "# Tool\n\n## Contents\n\n- [Features](#features)\n- [Installation](#installation)\n"
        "  - [From source](#from-source)\n- [Usage](#usage)\n\n## Features\n\n"
        "- Fast.\n- [Docs](https://example.org/docs)\n- [Usage](#usage)\n"
    )
    doc = analyze_document("x", "x.md", text, "text/markdown")
    assert [(s.kind, s.text) for s in doc.excluded] == [
        (
            "contents",
            "- [Features](#features)\n- [Installation](#installation)\n"
            "  - [From source](#from-source)\n- [Usage](#usage)",
        )
    ]
    items = [text[b.start : b.end] for b in doc.blocks if b.kind == "list_item"]
    assert items == ["- Fast.", "- [Docs](https://example.org/docs)", "- [Usage](#usage)"]


def test_plain_text_shows_code_indented_under_a_colon() -> None:
    """AsciiDoc and plain-text manuals set an example indented under the sentence that shows
    it ("... as a subdirectory:" over "\\t$ git subtree add ..."): code, not a sentence to
    quote.  Text indented under a colon that ends a sentence is prose, and so is an indented
    paragraph under a sentence that shows nothing."""
    text = (
        "Add the library as a subdirectory:\n\n"
        "\t$ gauge add --prefix=lib \\\n\t\tgit://example.org/lib.git main\n\n"
        "Then read the tide as follows:\n\n"
        "    The gauge reads the tide twice a day.\n\n"
        "It reads twice.\n\n"
        "\t$ gauge read\n"
    )
    assert [(b.kind, text[b.start : b.end]) for b in plain_blocks(text)] == [
        ("paragraph", "Add the library as a subdirectory:"),
        ("code", "$ gauge add --prefix=lib \\\n\t\tgit://example.org/lib.git main"),
        ("paragraph", "Then read the tide as follows:"),
        ("paragraph", "The gauge reads the tide twice a day."),
        ("paragraph", "It reads twice."),
        ("paragraph", "$ gauge read"),
    ]


def test_plain_text_diagram_of_box_drawing_is_no_prose() -> None:
    """A diagram drawn with box-drawing characters (dpkg's package states) is preformatted
    text: its pieces were quoted as sentences."""
    diagram = "       ┌──────────┐\n       │ unpacked │\n       └────┬─────┘\n            v\n"
    text = f"The states run so.\n\n{diagram}\nEach state is stored."
    kinds = [(b.kind, text[b.start : b.end].strip()) for b in plain_blocks(text)]
    assert kinds[1] == ("code", diagram.strip())
    assert [k for k, _ in kinds] == ["paragraph", "code", "paragraph"]


def test_asciidoc_blocks_by_its_lines() -> None:
    assert {".adoc", ".asciidoc"} <= SUPPORTED_SUFFIXES
    doc = _analyze("guide.adoc")
    assert doc.media_type == "text/asciidoc"
    _assert_exact(doc)
    shape = _shape(doc)
    assert shape[0] == ("heading", 1, "= Harbour Guide")
    assert ("heading", 2, "== Berths") in shape
    assert ("heading", 2, "Fees\n----") in shape
    items = [(level, text) for kind, level, text in shape if kind == "list_item"]
    assert items == [
        (1, "* Short-stay pontoons for visiting yachts."),
        (1, "* Swinging moorings in the outer basin\nfor boats up to twelve metres."),
        (2, "** covered sheds"),
        # A term without its "::", its description, and the paragraph a "+" joins to it.
        (1, "Pontoon"),
        (1, "A floating walkway. Boats moor alongside it."),
        (1, "Pontoons are cleaned every morning."),
        (1, "Mooring"),
        (1, "A buoy in the outer basin."),
    ]
    # A fence's lines are code, even one that reads as a term; an indented paragraph is a
    # literal block.
    assert ("code", 0, "$ book-berth --days 3\nPontoon:: taken") in shape
    assert ("code", 0, 'fees = {"day": 12}') in shape
    assert ("quote", 0, "Boats must give way to the ferry.") in shape
    assert ("table", 0, "| Berth | Price\n| Pontoon | 12") in shape
    # Attributes, comments, anchors, block titles, macros, continuations and fences show no
    # text: no block holds them.
    for markup in (":toc:", "// Written", "[[berths]]", ".Booking", "[source", "include::"):
        assert not any(markup in text for _, _, text in shape), markup
    assert not any(text in ("+", "----", "____", "|===") for _, _, text in shape)
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Harbour Guide", 1),
        ("Berths", 2),
        ("Fees", 2),
    ]
    assert doc.title == "Harbour Guide"
    quoted = [doc.text[c.start : c.end] for c in answer_candidates(doc)]
    assert "Pontoons are cleaned every morning." in quoted
    assert not any("::" in q or q.strip() in ("+", "----") for q in quoted if "$" not in q)


def test_a_text_file_written_in_asciidoc_is_read_as_asciidoc(tmp_path: Path) -> None:
    # Git's manual pages are ".txt" files in AsciiDoc: terms, continuations, macros.
    page = tmp_path / "git-tidy.txt"
    page.write_text(
        "git-tidy(1)\n===========\n\nOPTIONS\n-------\n--all::\n\tTidy every file.\n+\n"
        "See linkgit:git-clean[1].\n"
    )
    assert load_file(page).media_type == "text/asciidoc"
    # One kind of such a line alone is anything's: a "+" line in a diff shown in a note.
    note = tmp_path / "note.txt"
    note.write_text("The patch adds a blank line:\n\n+\n\nApply it with git am.\n")
    assert load_file(note).media_type == "text/plain"
