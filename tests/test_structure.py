"""Title and sections for plain text, Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

from ingest.cleaning import find_boilerplate
from ingest.loaders import load_html
from ingest.structure import code_fence_spans, find_sections, is_heading_line, section_at

DATA = Path(__file__).parent / "data" / "ingest"
BODY = "This is a body paragraph with several words in it, ending properly."


def test_plain_text_title_and_headings() -> None:
    text = f"My Report Title\n\n{BODY}\n\nSecond Part\n\n{BODY}\n"
    title, sections = find_sections(text, "text/plain")
    assert title == "My Report Title"
    assert [(s.title, s.level) for s in sections] == [("My Report Title", 1), ("Second Part", 2)]
    first, second = sections
    assert text[first.heading_start : first.heading_end] == "My Report Title"
    assert first.end == second.heading_start
    assert second.end == len(text)
    assert text[second.start : second.end].strip() == BODY


def test_plain_text_without_title_has_no_title() -> None:
    text = f"{BODY}\n\nA Heading Later\n\n{BODY}\n"
    title, sections = find_sections(text, "text/plain")
    assert title is None
    assert [(s.title, s.level) for s in sections] == [("A Heading Later", 2)]
    assert section_at(sections, 3) is None
    assert section_at(sections, len(text) - 3) == "A Heading Later"


def test_plain_text_underlined_numbered_title_is_a_heading_and_a_list_is_not() -> None:
    """The Mozilla Public License's plain text numbers its underlined sections ("1. Definitions"
    over a row of dashes): a title, not a list item.  A list's last item over a rule stays an
    item: a title stands after a blank line."""
    text = (
        f"Tide Licence\n============\n\n1. Definitions\n--------------\n\n{BODY}\n\n"
        f"2. Grants\n---------\n\n{BODY}\n\n- one\n- two\n-----\n\n{BODY}\n"
    )
    title, sections = find_sections(text, "text/plain")
    assert title == "Tide Licence"
    assert [s.title for s in sections] == ["Tide Licence", "1. Definitions", "2. Grants"]


def test_plain_text_rejects_sentences_lists_and_trailing_lines() -> None:
    for line in [
        "This ends with a period.",
        "Is this a question?",
        "- a list item",
        "1. Numbered item",
        "lowercase start",
        "He said “Stop.”",
        " ".join(["Word"] * 16),
    ]:
        assert not is_heading_line(line), line
    assert is_heading_line("The 28-Point Plan: What It Says")
    # A copyright notice is a line of a licence or a footer; a section on copyright is a title.
    assert not is_heading_line("Copyright (c) 2015-2017, Norbert Juffa")
    assert not is_heading_line("Copyright 2019 The Authors")
    assert is_heading_line("Copyright and License")
    # A table row or a command with a setting is what an introduction shows, not a title.
    assert not is_heading_line("Key Type | Public | Private")
    assert not is_heading_line("TOKEN=abc flit publish")
    assert is_heading_line("Keys and Tokens")
    # Columns set apart by spaces, a formula, a sentence running on into what follows.
    assert not is_heading_line("Author           Name of the image's creator")
    assert not is_heading_line("Y = 0.2126 * R + 0.7152 * G")
    assert not is_heading_line("Choices for the mode are")
    assert not is_heading_line("The value of the flag is a bitwise or of")
    assert is_heading_line("Timing guarantees, races, etc")
    assert is_heading_line("Signing in")
    text = f"{BODY}\n\nThanks For Reading\n"
    assert find_sections(text, "text/plain") == (None, [])


def test_a_plain_text_faq_question_heads_its_indented_answer() -> None:
    """zlib's FAQ numbers its questions over answers indented deeper (" 1. Is zlib thread-safe?"
    over "    Yes.  However ..."): each question heads a section, a wrapped one too, and so does
    a statement among them ("8. I found a bug in zlib."); a short line inside an answer is a
    line of it; numbered steps over indented notes inside an answer stay list items."""
    text = (
        "Frequently Asked Questions about Tide\n\n"
        " 1. Is Tide thread-safe?\n\n    Yes.  Every call locks the table.\n\n"
        " 2. I found a bug in Tide.\n\n    Please send a small program that shows it.\n\n"
        " 3. Can Tide read the tables of older releases, and can I share them\n"
        "    between machines?\n\n    Yes and yes.\n\n"
        " 4. How do I check a release?\n\n    There are two ways to check one:\n\n"
        "    1.  Follow the instructions in the CHECKSUMS file.\n\n"
        "        Checking with GPG is the best method.\n\n"
        "    2.  Follow the Security section of the README.\n\n"
        "        Again, checking with GPG is the best method.\n\n"
        "10. Why does the build fail?\n\n    If the log shows something like\n\n"
        "        missing header tide.h\n\n    install the headers first.\n"
    )
    title, sections = find_sections(text, "text/plain")
    assert title == "Frequently Asked Questions about Tide"
    assert [s.title for s in sections[1:]] == [
        "1. Is Tide thread-safe?",
        "2. I found a bug in Tide.",
        "3. Can Tide read the tables of older releases, and can I share them between machines?",
        "4. How do I check a release?",
        "10. Why does the build fail?",
    ]
    assert text[sections[1].start : sections[1].end].strip() == "Yes.  Every call locks the table."
    # Numbered statements over indented notes, with no question among them: list items.
    steps = text[text.index("    1.  Follow") : text.index("10. Why")]
    assert [s.title for s in find_sections(f"Checking\n\n{steps}", "text/plain")[1]] == ["Checking"]


def test_a_faq_question_heads_its_answer_indented_as_deep_as_it_is() -> None:
    """curl's FAQ sets its numbered questions and their answers at one indent, inside chapters
    titled by number ("1. Philosophy" over "  1.1 What is cURL?" over "  cURL is ..."): each
    question heads its answer.  Numbered questions one under another with no answer between
    them (a list of questions asked) stay text."""
    text = (
        "Tide FAQ\n\n1. Philosophy\n\n  1.1 What is Tide?\n\n  Tide is a table reader.\n\n"
        "  1.2 Who makes Tide?\n\n  A few harbour masters.\n\n2. Usage\n\n"
        "  2.1 How do I read a table?\n\n  Run tide read.\n\n"
        "Questions to ask yourself:\n\n  1. Is the table current?\n\n"
        "  2. Is the gauge calibrated?\n\nThen read it.\n"
    )
    titles = [s.title for s in find_sections(text, "text/plain")[1]]
    assert titles == [
        "Tide FAQ",
        "1. Philosophy",
        "1.1 What is Tide?",
        "1.2 Who makes Tide?",
        "2. Usage",
        "2.1 How do I read a table?",
    ]


def test_a_faq_numbered_in_parts_reads_its_statements_as_questions() -> None:
    """The sed FAQ numbers its entries in parts, left-aligned ("5.9. The 'r' command isn't
    inserting the file." beside "5.10. Why can't I match ...?"): entries numbered under one
    parent are one list though their text starts a column apart, and a statement among its
    questions heads its answer as a question does, whatever else is numbered at its column."""
    answer = "   The answer is indented.\n\n"
    entries = [
        "5.1. Why don't my variables get expanded?",
        "5.2. I'm using 'p' to print, but I have duplicate lines.",
        "5.8. Does it issue an exit code?",
        "5.9. The 'r' command isn't inserting the file.",
        "5.10. Why can't I match a newline?",
        "5.11. My script aborts with an error message.",
    ]
    # Titles numbered at the same column earlier on: by column the entries are mostly not
    # questions.
    titles = ["1.1. Introduction", "1.2. Latest version", "1.3. Revisions", "1.4. Credits"]
    text = "".join(f"{e}\n\n{answer}" for e in [*titles, *entries])
    assert [s.title for s in find_sections(text, "text/plain")[1]] == [*titles, *entries]
    # Steps numbered in parts, none a question, stay list items.
    steps = "".join(f"{e}\n\n{answer}" for e in ("2.1. Open the valve.", "2.2. Fill the tank."))
    assert [s.title for s in find_sections(f"Filling\n\n{steps}", "text/plain")[1]] == ["Filling"]


def test_a_numbered_title_over_indented_text_is_a_heading() -> None:
    """The .xz format's specification numbers its sections "0. Preface", "0.1. Notices" over
    text indented eight columns: a number of one part reads as a list marker, yet a title
    over indented text is a heading when its number has numbered parts; a numbered sentence
    over indented text is not, nor are steps whose numbers have no parts."""
    body = "        This part of the document describes the format."
    text = (
        f"The Tide File Format\n====================\n\n0. Preface\n\n{body}\n\n"
        f"0.1. Notices\n\n{body}\n\n1. Conventions\n\n{body}\n\n1.1. Bytes\n\n{body}\n\n"
        f"2. Read the header first.\n\n{body}\n"
    )
    _, sections = find_sections(text, "text/plain")
    titles = ["The Tide File Format", "0. Preface", "0.1. Notices", "1. Conventions", "1.1. Bytes"]
    assert [s.title for s in sections] == titles
    # Steps numbered with no numbered parts anywhere, over the command each runs: list items.
    steps = "Setup\n\n1. Install the package\n\n    pip install tide\n\n2. Run it\n\n    tide\n"
    assert [s.title for s in find_sections(steps, "text/plain")[1]] == ["Setup"]
    # Over text that is not indented too (zlib's algorithm.txt: "2. Decompression algorithm
    # (inflate)" over its paragraphs, "2.1 Introduction" further on).
    plain = body.strip()
    flat = (
        f"1. Packing\n\n{plain}\n\n2. Unpacking (slow)\n\n{plain}\n\n2.1 Introduction\n\n"
        f"{plain}\n\n3. Read the header first.\n\n{plain}\n"
    )
    titles = ["2. Unpacking (slow)", "2.1 Introduction"]
    assert [s.title for s in find_sections(flat, "text/plain")[1]] == titles


def test_excluded_lines_are_not_headings() -> None:
    text = f"Home » News » World\n\nReal Title\n\n{BODY}\n\nLeave a Reply\n\n{BODY}\n"
    excluded = find_boilerplate(text)
    title, sections = find_sections(text, "text/plain", excluded)
    assert title == "Real Title"
    assert [s.title for s in sections] == ["Real Title"]


def test_markdown_headings_ignore_fenced_code_and_anchor_attributes() -> None:
    text = (
        "Intro text.\n\n"
        "## Install { #install }\n\n"
        "Run this:\n\n"
        "```bash\n# not a heading\n```\n\n"
        "~~~\n# also not\n~~~\n\n"
        "# Main Title #\n\n"
        "### Details\n\nMore.\n"
    )
    title, sections = find_sections(text, "text/markdown")
    assert title == "Main Title"
    assert [(s.title, s.level) for s in sections] == [
        ("Install", 2),
        ("Main Title", 1),
        ("Details", 3),
    ]
    assert len(code_fence_spans(text)) == 2


def test_a_line_all_in_bold_that_reads_as_a_title_is_a_heading() -> None:
    """As in HTML: a paragraph of one line, all of it one bold span, at most 20 words and not
    ending as a sentence or a lead-in, is a heading one level below its section, titled by
    its words.  A bold sentence, a bold lead-in and bold beside other text stay paragraphs."""
    markdown = (
        "# Usage\n\n"
        "**Run tests by keyword**\n\n"
        "Pass `-k` with an expression.\n\n"
        "**Never share a handle.**\n\n"
        "**Note:**\n\n"
        "**Beware** of locks.\n\n"
        "- **Limits**\n"
    )
    _, sections = find_sections(markdown, "text/markdown")
    assert [(s.title, s.level) for s in sections] == [("Usage", 1), ("Run tests by keyword", 2)]
    rst = (
        "Usage\n=====\n\n"
        "**Run tests by keyword**\n\n"
        "Pass ``-k`` with an expression.\n\n"
        "**Never share a handle.**\n\n"
        "**Beware** of locks.\n\n"
        "Markers\n-------\n\n"
        "**Registering markers**\n\n"
        "Use the ini file.\n"
    )
    _, sections = find_sections(rst, "text/x-rst")
    assert [(s.title, s.level) for s in sections] == [
        ("Usage", 1),
        ("Run tests by keyword", 2),
        ("Markers", 2),
        ("Registering markers", 3),
    ]
    # A bold line heads a part of the page, never the page: with no level-1 heading the title
    # is the first other heading's.
    files = "Set it up.\n\n**.env**\n\n```ini\nURL=x\n```\n\n## Queries\n\nRun them.\n"
    title, sections = find_sections(files, "text/markdown")
    assert title == "Queries"
    assert [s.title for s in sections] == [".env", "Queries"]


def test_a_myst_directive_naming_its_content_is_a_heading_over_it() -> None:
    """``{tab} Linux`` names what its content is, as ``.. tab:: Linux`` does in
    reStructuredText: a section one level below the one it sits in, titled by the argument.
    A version (``{versionadded} 2.0``), an admonition (``{note}``) and code name nothing."""
    text = (
        "# Cache\n\n## Default paths\n\n"
        "````{tab} Linux\n```\n~/.cache/tide\n```\n\nIt respects `XDG_CACHE_HOME`.\n````\n\n"
        "````{tab} Windows\n```\n%LocalAppData%\\tide\n```\n````\n\n"
        "```{versionadded} 2.0\nPaths moved.\n```\n\n"
        "```{note}\nClear it with `tide purge`.\n```\n\n"
        "## Removing it\n\nRun `tide purge`.\n"
    )
    _, sections = find_sections(text, "text/markdown")
    assert [(s.title, s.level) for s in sections] == [
        ("Cache", 1),
        ("Default paths", 2),
        ("Linux", 3),
        ("Windows", 3),
        ("Removing it", 2),
    ]
    linux = text[sections[2].start : sections[2].end]
    assert "~/.cache/tide" in linux and "XDG_CACHE_HOME" in linux and "LocalAppData" not in linux


def test_markdown_titles_read_as_their_visible_text() -> None:
    # A logo as the title, linked headings, linked badges: the section reads as its words.
    text = (
        "![libsodium](https://example.org/logo.png)\n============\n\nA library.\n\n"
        "### [Django](https://www.djangoproject.com/) / [Flask][flask] { #django }\n\nText.\n\n"
        "## Pool [![Build](https://ci.example.org/b.svg)](https://ci.example.org) ![PyPI](p.svg)"
        "\n\nOk.\n\n"
        "## [![Coverage](https://ci.example.org/c.svg)](https://ci.example.org)\n\nOk.\n\n"
        "## ![](https://example.org/divider.png)\n\nAn image without alt text stays a heading.\n"
    )
    title, sections = find_sections(text, "text/markdown")
    assert title == "libsodium"
    assert [s.title for s in sections] == [
        "libsodium",
        "Django / Flask",
        "Pool",
        "Coverage",
        "![](https://example.org/divider.png)",
    ]


def test_rst_titles_read_as_their_visible_text() -> None:
    text = (
        "`Django <https://www.djangoproject.com/>`_\n======\n\nA framework.\n\n"
        "Lookaround (`issue 163 <https://example.org/163>`__)\n-------\n\nText.\n\n"
        "The ``foo`` option\n------------------\n\nMore.\n"
    )
    title, sections = find_sections(text, "text/x-rst")
    assert title == "Django"
    assert [s.title for s in sections] == ["Django", "Lookaround (issue 163)", "The ``foo`` option"]


def test_markdown_title_falls_back_to_first_heading() -> None:
    title, _ = find_sections("## Only Second Level\n\ntext\n", "text/markdown")
    assert title == "Only Second Level"


def test_html_sections_come_from_heading_positions() -> None:
    text, headings = load_html((DATA / "page.html").read_bytes())
    title, sections = find_sections(text, "text/html", [], headings)
    assert title == "Harbour Bridge Reopens"
    assert [s.title for s in sections] == ["Harbour Bridge Reopens", "Traffic"]
    assert section_at(sections, text.index("Lane two")) == "Traffic"
