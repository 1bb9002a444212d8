"""Answer candidates read from the block structure, with roles and exact offsets."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.analyze import analyze_document
from ingest.candidates import answer_candidates, introduces
from ingest.loaders import load_file
from qa.lists import list_items_after
from vectorstore.types import Document

DATA = Path(__file__).parent / "data" / "structure"


def _analyze(name: str, folder: Path = DATA) -> Document:
    path = folder / name
    loaded = load_file(path)
    return analyze_document(
        name, str(path), loaded.text, loaded.media_type, loaded.headings, loaded.blocks
    )


def _written(folder: Path, name: str, text: str) -> Document:
    """``text`` written to ``folder/name`` and analysed as that file."""
    (folder / name).write_text(text, encoding="utf-8")
    return _analyze(name, folder)


def _pairs(doc: Document, start: int = 0, end: int | None = None) -> list[tuple[str, str]]:
    return [(c.role, doc.text[c.start : c.end]) for c in answer_candidates(doc, start, end)]


def test_markdown_candidates_have_roles_and_never_markup() -> None:
    doc = _analyze("guide.md")
    pairs = _pairs(doc)
    texts = [text for _, text in pairs]
    assert ("list_intro", "The marina offers the following berth types:") in pairs
    assert ("list_item", "Short-stay pontoons for visiting yachts.") in pairs
    assert ("list_item", "covered sheds") in pairs
    assert ("quote", "Boats must give way to the ferry.") in pairs
    assert ("table_row", "| Pontoon | 12 |") in pairs
    assert not any(t.startswith("|--") for t in texts)
    code = [text for role, text in pairs if role == "code"]
    assert code[0].startswith("```python") and code[0].endswith("```")
    for text in texts:
        assert "Harbour Guide" not in text and "=====" not in text and "------" not in text
        assert text.strip() not in ("```", "Fees", "## Fees { #fees }")


def test_rst_and_html_candidates() -> None:
    rst = _pairs(_analyze("guide.rst"))
    assert ("list_item", "Pay at the office.") in rst
    assert ("code", '.. code-block:: python\n\n   print("hello")') in rst
    assert all("=====" not in text and text != "Berths" for _, text in rst)
    html = _pairs(_analyze("page.html"))
    assert ("list_item", "Swinging moorings in the outer basin.") in html
    assert ("table_row", "Pontoon | 12") in html
    assert all(text not in ("Harbour Guide", "Berths") for _, text in html)


def test_a_grid_table_row_is_its_lines_between_borders(tmp_path: Path) -> None:
    """A reStructuredText grid table wraps a cell's text onto the next lines: the row is the
    lines between two borders ("Indicates how deep ... Starts at level 1" is one row, not two
    half sentences), the borders are no row."""
    text = (
        "Loops\n=====\n\nThe special variables:\n\n"
        "+--------------+------------------------------+\n"
        "| Variable     | Description                  |\n"
        "+==============+==============================+\n"
        "| `loop.depth` | Indicates how deep in a      |\n"
        "|              | loop it is. Starts at 1.     |\n"
        "+--------------+------------------------------+\n"
        "| `loop.last`  | True if last.                |\n"
        "+--------------+------------------------------+\n"
    )
    rows = [t for role, t in _pairs(_written(tmp_path, "loops.rst", text)) if role == "table_row"]
    assert rows == [
        "| Variable     | Description                  |",
        "| `loop.depth` | Indicates how deep in a      |\n"
        "|              | loop it is. Starts at 1.     |",
        "| `loop.last`  | True if last.                |",
    ]


def test_rst_directives_docutils_does_not_know_keep_their_prose(tmp_path: Path) -> None:
    # Sphinx's directives (and its extensions') are unknown to docutils: the body of one
    # written with an argument (a signature, a version, a label) is prose to quote; the body of
    # one without (a code sample, a list of page names) is not, unless it holds directives.
    doc = _written(
        tmp_path,
        "config.rst",
        (
            "Settings\n========\n\n"
            ".. toctree::\n   :maxdepth: 2\n\n   install\n   usage\n\n"
            ".. py:data:: HARBOUR_MODE\n\n"
            "    Whether the harbour accepts night arrivals.\n\n"
            "    Default: ``False``\n\n"
            "    .. versionadded:: 2.0\n"
            "       Night arrivals were added in spring.\n\n"
            ".. harbour:example::\n\n    moor(boat)\n    pay(fee)\n\n"
            ".. harbour:example::\n    undock(boat)\n\n"
            ".. tabs::\n\n   .. tab:: Winter\n\n      The office closes at four.\n"
        ),
    )
    assert _pairs(doc) == [
        ("sentence", "Whether the harbour accepts night arrivals."),
        ("sentence", "Default: ``False``"),
        ("sentence", "Night arrivals were added in spring."),
        ("sentence", "The office closes at four."),
    ]
    # What a signature or a label names is a section one level down (as Sphinx's contents
    # list it); a version is not.
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Settings", 1),
        ("HARBOUR_MODE", 2),
        ("Winter", 2),
    ]
    harbour = doc.sections[1]
    assert doc.text[harbour.heading_start : harbour.heading_end] == ".. py:data:: HARBOUR_MODE"
    night = doc.text.index("Night arrivals")
    assert harbour.start < night < harbour.end


def test_rst_glossary_note_and_conditional_content_are_prose(tmp_path: Path) -> None:
    # A directive without an argument whose content opens with prose (a glossary's definition,
    # a "see also" note) is read; one whose content is names or code is not.  Conditional
    # content ("only:: html") is the document's text, its condition no heading.
    doc = _written(
        tmp_path,
        "glossary.rst",
        (
            "Glossary\n========\n\n"
            ".. glossary::\n\n   berth\n      A place where a boat is moored.\n\n"
            ".. only:: html\n\n   The timetable is printed at the office.\n\n"
            ".. seealso::\n\n   :doc:`fees` for what a berth costs.\n\n"
            ".. toctree::\n\n   fees\n   berths\n\n"
            ".. harbour:example::\n\n    @moor\n    def dock(boat):\n        return 'Docked.'\n"
        ),
    )
    assert _pairs(doc) == [
        ("list_item", "berth\n      A place where a boat is moored."),
        ("sentence", "The timetable is printed at the office."),
        ("sentence", ":doc:`fees` for what a berth costs."),
    ]
    assert [s.title for s in doc.sections] == ["Glossary"]


def test_rst_class_is_sphinxs_described_class_or_docutils_class_name(tmp_path: Path) -> None:
    # ".. class::" is Sphinx's described class when its argument is a signature (a capital
    # letter, a dot, a parenthesis) and docutils' class name for what follows otherwise.
    doc = _written(
        tmp_path,
        "ferries.rst",
        (
            "Ferries\n=======\n\n"
            ".. class:: Timetable(route, season=None)\n\n"
            "   A timetable lists the crossings of one route.\n\n"
            "   .. method:: Timetable.next()\n\n"
            "      Returns the next crossing.\n\n"
            ".. class:: Berth\n\n   A berth holds one boat.\n\n"
            ".. class:: special\n\n"
            "The office sells tickets.\n"
        ),
    )
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Ferries", 1),
        ("Timetable(route, season=None)", 2),
        ("Timetable.next()", 3),
        ("Berth", 2),
    ]
    assert [text for _, text in _pairs(doc)] == [
        "A timetable lists the crossings of one route.",
        "Returns the next crossing.",
        "A berth holds one boat.",
        "The office sells tickets.",
    ]


def test_markdown_admonitions_tabs_and_myst_notes_keep_their_prose(tmp_path: Path) -> None:
    # MkDocs' admonitions and tabs (an indented body under a marker line) and MyST's directives
    # (a fence whose info is "{name}") hold prose; their markup is never quoted, and code,
    # lists of names and examples inside fenced code stay what they are.
    doc = _written(
        tmp_path,
        "guide.md",
        (
            "# Guide\n\n"
            '!!! note "Heads up"\n\n    The harbour closes at dusk.\n\n'
            "??? tip\n    Moor on the east side.\n\n"
            '=== "Winter"\n\n    The office closes at four.\n\n'
            "```{note}\nThe ferry is free on Sundays.\n```\n\n"
            ":::{warning}\n:class: big\nDo not swim here.\n:::\n\n"
            "```{versionadded} 2.0\nNight arrivals were added.\n```\n\n"
            "```{toctree}\nberths\nfees\n```\n\n"
            "```markdown\n!!! note\n    Only an example.\n```\n"
        ),
    )
    pairs = _pairs(doc)
    assert [text for role, text in pairs if role != "code"] == [
        "The harbour closes at dusk.",
        "Moor on the east side.",
        "The office closes at four.",
        "The ferry is free on Sundays.",
        "Do not swim here.",
        "Night arrivals were added.",
    ]
    assert [text for role, text in pairs if role == "code"] == [
        "```{toctree}\nberths\nfees\n```",
        "```markdown\n!!! note\n    Only an example.\n```",
    ]


def test_a_myst_target_is_markup(tmp_path: Path) -> None:
    """ "(berths)=" names the place below it for links; it was quoted as a sentence.  Inside
    fenced code it is left as written."""
    doc = _written(
        tmp_path,
        "berths.md",
        "(berths)=\n\n# Berths\n\nA berth holds one boat.\n\n```\n(example)=\n```\n",
    )
    assert _pairs(doc) == [
        ("sentence", "A berth holds one boat."),
        ("code", "```\n(example)=\n```"),
    ]
    assert [s.title for s in doc.sections] == ["Berths"]


def test_a_myst_directive_fenced_with_colons_is_read_without_its_fences(tmp_path: Path) -> None:
    """MyST fences with colons a directive whose content is Markdown: attrs's ":::{glossary}"
    (a directive docutils does not know, without an argument) was quoted with its glossary's
    first sentence.  Its fences and options are markup; with backquotes it stays code."""
    doc = _written(
        tmp_path,
        "glossary.md",
        "# Glossary\n\n:::{glossary}\n:sorted:\nberth\n  A berth holds one boat.\n:::\n\n"
        "```{glossary}\nmole\n```\n",
    )
    assert _pairs(doc) == [
        ("sentence", "berth\n  A berth holds one boat."),
        ("code", "```{glossary}\nmole\n```"),
    ]


def test_a_line_of_marks_opening_a_sentence_is_left_out(tmp_path: Path) -> None:
    """AsciiDoc joins a term's next paragraph with a "+" line; "+\nUsing this ..." was quoted
    from the "+".  Read as AsciiDoc, the joined paragraph is the term's item."""
    doc = _written(
        tmp_path,
        "berths.txt",
        "--moor::\n\tTie the boat to the berth.\n+\nUsing this option keeps the boat in place.\n",
    )
    assert ("list_item", "Using this option keeps the boat in place.") in _pairs(doc)
    assert not any(text.startswith("+") for _, text in _pairs(doc))


def test_github_alerts_and_containers_are_the_pages_prose(tmp_path: Path) -> None:
    # A GitHub alert ("> [!NOTE]") is the page's own voice, not a quotation, and its marker is
    # markup; a Docusaurus or VitePress container's fences are markup too.  A real quote stays
    # a quote, its wrapped lines one sentence.
    doc = _written(
        tmp_path,
        "readme.md",
        (
            "# Gauges\n\n"
            "> [!NOTE]\n> Gauges drift in winter.\n>\n> Read them twice\n> a day.\n\n"
            ":::tip[Moorings]\nUse the east pier.\n:::\n\n"
            "::: warning\nDo not swim here.\n:::\n\n"
            "> The sea is\n> never still.\n"
        ),
    )
    assert _pairs(doc) == [
        ("sentence", "Gauges drift in winter."),
        ("sentence", "Read them twice\n> a day."),
        ("sentence", "Use the east pier."),
        ("sentence", "Do not swim here."),
        ("quote", "The sea is\n> never still."),
    ]


def test_candidates_stay_inside_the_range_and_code_is_whole_or_absent() -> None:
    doc = _analyze("guide.md")
    code = next(b for b in doc.blocks if b.kind == "code")
    inside = _pairs(doc, code.start, code.end)
    assert inside == [("code", doc.text[code.start : code.end])]
    assert _pairs(doc, code.start + 3, code.end) == []
    for start in range(0, len(doc.text), 37):
        for candidate in answer_candidates(doc, start, start + 120):
            assert start <= candidate.start < candidate.end <= start + 120


def test_boilerplate_and_caption_are_never_candidates() -> None:
    text = (
        "Ferry Service Resumes\n\n"
        "Passengers queue at the pier before the first crossing of the season began.\n\n"
        + "The ferry service resumed on Monday after a long winter pause, and the operator "
        "said that timetables would expand in stages through the spring as crews return. "
        * 2
        + "\n\nSubscribe to our newsletter\n\nGet new posts in your inbox.\n"
    )
    doc = analyze_document("x", "x.txt", text, "text/plain")
    assert doc.caption is not None
    texts = [doc.text[c.start : c.end] for c in answer_candidates(doc)]
    assert texts and all("Subscribe" not in t and "inbox" not in t for t in texts)
    assert all("Passengers queue" not in t for t in texts)


def test_html_caption_sits_beside_an_image(tmp_path: Path) -> None:
    """A web page shows its images: a short line under the first heading is a caption when an
    image stands beside it, and the section's opening sentence otherwise (SQLite's "1.
    Introduction" opens with "A partial index is an index over a subset of the rows of a
    table.")."""
    body = (
        "<p>The ferry service resumed on Monday after a long winter pause, and the operator "
        "said that timetables would expand in stages through the spring as crews return, "
        "with the first crossings at dawn and the last at dusk.</p></body></html>"
    )
    plain = "<html><body><h1>Ferries</h1><p>A ferry is a boat for passengers.</p>" + body
    doc = _written(tmp_path, "plain.html", plain)
    assert doc.caption is None
    assert ("sentence", "A ferry is a boat for passengers.") in _pairs(doc)
    pictured = (
        '<html><body><h1>Ferries</h1><p><img src="pier.jpg" alt="The pier"></p>'
        "<p>Passengers queue at the pier at dawn.</p>" + body
    )
    doc = _written(tmp_path, "pictured.html", pictured)
    assert doc.caption is not None
    assert doc.caption.text == "Passengers queue at the pier at dawn."


def test_documents_without_blocks_fall_back_to_lines() -> None:
    text = "The steps are:\n\n- Open the valve.\n- Close the lid.\n"
    doc = Document(id="x", path="x", text=text, content_hash="h")
    assert _pairs(doc) == [
        ("list_intro", "The steps are:"),
        ("list_item", "- Open the valve."),
        ("list_item", "- Close the lid."),
    ]


def test_template_tags_are_markup_not_candidates() -> None:
    text = (
        "# Works\n\nThe works on the north quay start in April.\n\n"
        '{{< figure src="quay.jpg" caption="The north quay in winter" >}}\n\n'
        '{% include "footer.html" %}\n\nThe ferry keeps running.\n'
    )
    doc = analyze_document("post.md", "post.md", text, "text/markdown")
    texts = [t for _, t in _pairs(doc)]
    assert texts == ["The works on the north quay start in April.", "The ferry keeps running."]


README_WITH_HTML = """<p align="center">
  <a href="https://example.org"><img src="logo.png" alt="Harbourmaster"></a>
</p>
<p align="center">
    <em>Harbourmaster books berths, collects fees and keeps the tide tables</em>
</p>

<h3 align="center">Berth booking for small marinas</h3>

[![Build](https://example.org/badge.svg)](https://example.org/ci)
[![Version](https://img.shields.io/pypi/v/harbour.svg)](https://pypi.org/project/harbour/)

<p align="center">
  <a href="https://example.org/docs">Docs</a> ·
  <a href="https://example.org/install">Install</a>
</p>

<div>{{ sponsor.name }} sponsors the project with {{ sponsor.amount }}</div>

Harbourmaster is maintained by the marina's volunteers.

<pre>
pip install harbourmaster. Then run harbour serve.
</pre>

- Ada Lovelace <ada@example.org>
- ``BERTH <number>``
"""


def test_html_inside_markdown_gives_its_text_and_badges_give_nothing() -> None:
    doc = analyze_document("README.md", "README.md", README_WITH_HTML, "text/markdown")
    pairs = _pairs(doc)
    texts = [text for _, text in pairs]
    # The tagline inside <p><em> is a sentence, quoted without its tags.
    tagline = "Harbourmaster books berths, collects fees and keeps the tide tables"
    assert ("sentence", tagline) in pairs
    # An <h3> is a heading: a section, never an answer.
    assert [s.title for s in doc.sections] == ["Berth booking for small marinas"]
    assert "Berth booking for small marinas" not in texts
    # A row of badges, a logo, navigation links and template placeholders are markup.
    assert not any("badge.svg" in t or "logo.png" in t or "{{" in t for t in texts)
    assert not any(">Docs<" in t or ">Install<" in t for t in texts)
    assert ("sentence", "Harbourmaster is maintained by the marina's volunteers.") in pairs
    # Angle brackets that are not HTML stay: an address, a placeholder argument.
    # Preformatted HTML is a code block, quoted whole.
    pre = "<pre>\npip install harbourmaster. Then run harbour serve.\n</pre>"
    assert ("code", pre) in pairs
    assert ("list_item", "Ada Lovelace <ada@example.org>") in pairs
    assert ("list_item", "``BERTH <number>``") in pairs
    for c in answer_candidates(doc):
        assert doc.text[c.start : c.end].strip() == doc.text[c.start : c.end]


def test_a_list_item_ending_in_a_colon_introduces_its_nested_list(tmp_path: Path) -> None:
    path = tmp_path / "changes.rst"
    path.write_text(
        "Changes\n=======\n\n"
        "* Dropped support for old readers.\n"
        "* Added new gauge options:\n\n"
        "  - ``--gauge-interval`` sets how often a gauge is read.\n"
        "  - ``--gauge-limit`` caps the readings kept.\n"
        "* Removed the legacy tide table.\n",
        encoding="utf-8",
    )
    doc = _analyze("changes.rst", tmp_path)
    found = answer_candidates(doc)
    texts = {doc.text[c.start : c.end]: c for c in found}
    # The item keeps its role (the model's training rows hold such items as list items) ...
    parent = texts["Added new gauge options:"]
    assert parent.role == "list_item"
    # ... and the list logic reads it as the introduction of its nested list.
    assert introduces(doc.text[parent.start : parent.end])
    assert not introduces("Dropped support for old readers.")
    items = [item.text for item in list_items_after(doc, parent)]
    assert items == [
        "``--gauge-interval`` sets how often a gauge is read.",
        "``--gauge-limit`` caps the readings kept.",
    ]


def test_a_markdown_item_going_on_past_its_paragraph_is_quoted_in_parts(tmp_path: Path) -> None:
    path = tmp_path / "harbour.md"
    path.write_text(
        "# Harbour options\n\nThe harbour takes these settings:\n\n"
        "* `allow_night` - Let boats enter after dark. Defaults to `False`.\n\n"
        "    None of `allow_fuel` and `allow_repairs` may be on when it is set.\n\n"
        "    ```python\n    harbour.configure(allow_night=True)\n    ```\n\n"
        "    /// note\n\n    The pilot must be told first.\n\n    ///\n\n"
        "* `allow_fuel` - Let boats take on fuel. Defaults to `True`.\n",
        encoding="utf-8",
    )
    doc = _analyze("harbour.md", tmp_path)
    pairs = _pairs(doc)
    # The item is its first paragraph: the note after it is no part of that quote ...
    assert (
        "list_item",
        "`allow_night` - Let boats enter after dark. Defaults to `False`.",
    ) in pairs
    # ... each further paragraph gives the item's sentences, its code code, its markup nothing.
    assert (
        "list_item",
        "None of `allow_fuel` and `allow_repairs` may be on when it is set.",
    ) in pairs
    assert ("code", "```python\n    harbour.configure(allow_night=True)\n    ```") in pairs
    assert ("list_item", "The pilot must be told first.") in pairs
    assert not any("///" in text for _, text in pairs)
    assert Document.from_dict(doc.to_dict()).item_parts == doc.item_parts  # as stored
    found = answer_candidates(doc)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    # A question for the list quotes each item as its candidate is: its first paragraph.
    intro = next(c for c in found if c.role == "list_intro")
    items = [item.text for item in list_items_after(doc, intro)]
    assert items == [
        "`allow_night` - Let boats enter after dark. Defaults to `False`.",
        "`allow_fuel` - Let boats take on fuel. Defaults to `True`.",
    ]


def test_an_rst_item_going_on_past_its_paragraph_is_quoted_in_parts(tmp_path: Path) -> None:
    path = tmp_path / "setup.rst"
    path.write_text(
        "Setup\n=====\n\n"
        "``'papersize'``\n   Paper size of the chart (``'a4'`` or\n   ``'letter'``)\n\n"
        "   Default: ``'letter'``\n\n"
        "#. Install the tide reader::\n\n      pip install tide-reader\n\n"
        "   .. note::\n\n      The reader needs a clock.\n\n"
        "   .. versionadded:: 3.1\n\n"
        "#. Start the reader.\n",
        encoding="utf-8",
    )
    doc = _analyze("setup.rst", tmp_path)
    pairs = _pairs(doc)
    assert (
        "list_item",
        "``'papersize'``\n   Paper size of the chart (``'a4'`` or\n   ``'letter'``)",
    ) in pairs
    assert ("list_item", "Default: ``'letter'``") in pairs
    # The literal block ends where the item's text resumes, past the marker's width.
    assert ("list_item", "Install the tide reader::") in pairs
    assert ("code", "pip install tide-reader") in pairs
    assert ("list_item", "The reader needs a clock.") in pairs
    assert ("list_item", "Start the reader.") in pairs
    assert not any(".. " in text for _, text in pairs)


_FIELDS = (
    "=========\n Tide docs\n=========\n\n"
    ":Author: Ann Reader\n:Contact: ann@example.org\n\n"
    "These files are for every reader:\n\n"
    ":README_:  What the project is: a start, needs,\n"
    "           and setup.\n"
    ":COPYING_: Terms for passing it on.\n\n"
    "           A second word on the terms.\n"
    ":FAQ_:     Questions often asked.\n"
)
_OPTIONS = (
    "Usage\n=====\n\nThe reader takes these options:\n\n"
    "-a         Read every gauge.\n"
    "-b FILE    Read the gauges listed in FILE.\n\n"
    "           One gauge a line.\n"
    "--quiet    Print nothing.\n"
)


@pytest.mark.parametrize(
    ("source", "items", "listed"),
    [
        (
            _FIELDS,
            [
                ":Author: Ann Reader",
                ":Contact: ann@example.org",
                ":README_:  What the project is: a start, needs,\n           and setup.",
                ":COPYING_: Terms for passing it on.",
                "A second word on the terms.",
                ":FAQ_:     Questions often asked.",
            ],
            3,
        ),
        (
            _OPTIONS,
            [
                "-a         Read every gauge.",
                "-b FILE    Read the gauges listed in FILE.",
                "One gauge a line.",
                "--quiet    Print nothing.",
            ],
            3,
        ),
    ],
    ids=["fields", "options"],
)
def test_rst_fields_and_options_are_items_quoted_once(
    tmp_path: Path, source: str, items: list[str], listed: int
) -> None:
    path = tmp_path / "page.rst"
    path.write_text(source, encoding="utf-8")
    doc = _analyze("page.rst", tmp_path)
    # Each field or option is one item, however many follow it without a blank line; its second
    # paragraph is a candidate of its own, still the item's text ...
    assert [text for role, text in _pairs(doc) if role == "list_item"] == items
    # ... no text is a candidate twice, and the introduction's list is the fields or options.
    found = answer_candidates(doc)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    intro = next(c for c in found if c.role == "list_intro")
    assert len(list_items_after(doc, intro)) == listed


def test_a_later_paragraph_of_an_item_introduces_its_nested_list_only(tmp_path: Path) -> None:
    path = tmp_path / "steps.md"
    path.write_text(
        "# Steps\n\nFollow these steps:\n\n"
        "1. Open the lock gates.\n\n"
        "    To open them, run this:\n\n"
        "    ```\n    gates open\n    ```\n\n"
        "    Then choose a basin:\n\n"
        "    - the upper basin\n"
        "    - the lower basin\n\n"
        "2. Let the boat in.\n"
        "3. Close the gates.\n",
        encoding="utf-8",
    )
    doc = _analyze("steps.md", tmp_path)
    found = {doc.text[c.start : c.end]: c for c in answer_candidates(doc)}
    steps = [item.text for item in list_items_after(doc, found["Follow these steps:"])]
    assert steps == ["Open the lock gates.", "Let the boat in.", "Close the gates."]
    # A later paragraph of item 1 is the item's text; ending in a colon over code, it opens no
    # list (the items after it are its item's siblings) ...
    assert found["To open them, run this:"].role == "list_item"
    assert list_items_after(doc, found["To open them, run this:"]) == []
    # ... and over a list nested in the item, it introduces that list.
    basins = [item.text for item in list_items_after(doc, found["Then choose a basin:"])]
    assert basins == ["the upper basin", "the lower basin"]


def test_an_html_item_going_on_past_its_paragraph_keeps_its_list(tmp_path: Path) -> None:
    path = tmp_path / "harbour.html"
    path.write_text(
        "<html><body><h1>Harbour</h1><p>The harbour takes these settings:</p><ul>"
        "<li><p><code>allow_night</code> - Let boats enter after dark.</p>"
        "<p>None of the others may be on when it is set:</p>"
        "<pre><code>def configure():\n    harbour.night = True\n</code></pre>"
        '<div class="admonition note"><p>The pilot must be told first.</p></div></li>'
        "<li><p><code>allow_fuel</code> - Let boats take on fuel.</p>"
        "<pre><code>def refuel():</code></pre></li>"
        "</ul></body></html>",
        encoding="utf-8",
    )
    doc = _analyze("harbour.html", tmp_path)
    pairs = _pairs(doc)
    assert ("list_item", "allow_night - Let boats enter after dark.") in pairs
    assert ("list_item", "None of the others may be on when it is set:") in pairs
    assert ("code", "def configure():\n    harbour.night = True") in pairs
    assert ("list_item", "The pilot must be told first.") in pairs
    # The code inside the first item no longer ends the list before the second item ...
    intro = next(c for c in answer_candidates(doc) if c.role == "list_intro")
    items = [item.text for item in list_items_after(doc, intro)]
    assert items == [
        "allow_night - Let boats enter after dark.",
        "allow_fuel - Let boats take on fuel.",
    ]
    # ... and a line of code ending in a colon announces nothing, at the page's end too.
    assert ("code", "def refuel():") in pairs
    assert doc.gaps == []


def test_a_directive_body_wrapped_over_lines_gives_whole_sentences(tmp_path: Path) -> None:
    """The indented body of ".. note::" is one paragraph: its sentences run over line ends."""
    path = tmp_path / "gauges.txt"
    path.write_text(
        "Gauges\n======\n\n"
        ".. note::\n\n"
        "    The gauge reloads its tide table for each reading\n"
        "    as needed. You don't need to restart the gauge for new tables to take\n"
        "    effect.\n\n"
        "Later text.\n",
        encoding="utf-8",
    )
    doc = _analyze("gauges.txt", tmp_path)
    flat = [" ".join(text.split()) for _, text in _pairs(doc)]
    assert "You don't need to restart the gauge for new tables to take effect." in flat
    assert "The gauge reloads its tide table for each reading as needed." in flat


def test_an_anchor_on_the_line_under_an_item_is_no_part_of_its_quote(tmp_path: Path) -> None:
    """Rust's release notes put an empty ``<a id=...></a>`` for links to point at on the line
    under a section's last item; Markdown reads it as the item's, and its quote carried it."""
    text = (
        "Tools\n-----\n\n- Add a gauge reader.\n- Rank stale readings lower.\n"
        '<a id="1.2-Notes"></a>\n\nNotes\n-----\n\n- A <b>bold</b> change.\n'
    )
    items = [t for role, t in _pairs(_written(tmp_path, "notes.md", text)) if role == "list_item"]
    assert "Rank stale readings lower." in items
    assert not any("<a id" in t for t in items)
    assert any("<b>bold</b>" in t for t in items)


def test_a_line_of_template_tags_shows_no_text(tmp_path: Path) -> None:
    """Hugo's shortcodes and Liquid's tags on a line of their own open a note or a tab, or pull
    in text kept elsewhere: "{{< note >}} **Note:** Taints are ..." was quoted with the tag.
    An expression shows its value where it stands and stays text."""
    doc = _written(
        tmp_path,
        "taints.md",
        "# Taints\n\n{{< note >}}\n**Note:** Taints repel pods.\n{{< /note >}}\n\n"
        '{{% tab name="Linux" %}}\nRun the tool.\n{{% /tab %}}\n\n'
        "{% include warning.md %}\nKeep nodes labelled.\n\n{{ site.title }} runs pods.\n",
    )
    assert _pairs(doc) == [
        ("sentence", "**Note:** Taints repel pods."),
        ("sentence", "Run the tool."),
        ("sentence", "Keep nodes labelled."),
        ("sentence", "{{ site.title }} runs pods."),
    ]
