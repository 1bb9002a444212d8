"""Gap detection: announced content that is missing, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.analyze import analyze_document
from ingest.cleaning import find_boilerplate
from ingest.gaps import detect_gaps
from ingest.structure import find_sections
from vectorstore.types import Gap

DATA = Path(__file__).parent / "data" / "ingest"
REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "shadow-negotiation-28-point-plan.txt"
FASTAPI_DOCS = Path("/work/shared/corpora/fastapi-docs")
BODY_LINE = "This file answers questions about the Tide tool, and it is kept up to date."
INTRO = "The plan was debated for weeks by the committee. According to reports, these included:"


def _gaps(text: str, media_type: str = "text/plain") -> list[Gap]:
    excluded = find_boilerplate(text)
    _, sections = find_sections(text, media_type, excluded)
    return detect_gaps("doc", text, sections, excluded)


def test_colon_at_end_of_text_is_a_gap() -> None:
    text = f"Title Of Piece\n\n{INTRO}\n\n"
    (gap,) = _gaps(text)
    assert gap.kind == "announced_list_missing"
    assert gap.announcement == "According to reports, these included:"
    assert text[gap.start : gap.end] == gap.announcement
    assert gap.offset == gap.end
    assert gap.document == "doc"


def test_colon_followed_only_by_boilerplate_is_a_gap() -> None:
    text = (DATA / "news_comment_form.txt").read_text()
    (gap,) = _gaps(text)
    assert gap.announcement == "The main measures included:"


def test_a_table_of_contents_after_its_announcement_is_no_gap() -> None:
    """lsof's FAQ: "Table of Contents:" over its entries, which the text repeats as its
    sections' titles; the contents are left out of the text, and they are what was announced."""
    entries = ["1.0\tGeneral Concepts", "1.1\tWhat is Tide?", "1.2\tWhere do I get Tide?"]
    entries += ["2.0\tPorts", "2.1\tWhat ports exist?"]
    body = "\n\n".join(f"{e}\n\n\tThe answer to this part is given here." for e in entries)
    text = f"{BODY_LINE}\n\nTable of Contents:\n\n" + "\n".join(entries)
    text += f"\n\n{body}\n"
    assert [s.text for s in find_boilerplate(text)] == ["\n".join(entries)]
    assert _gaps(text) == []
    document = analyze_document("faq.txt", "faq.txt", text, "text/plain")
    assert document.gaps == []
    # The contents are no text to quote: a boilerplate block, as other excluded spans are.
    start = text.index("1.0")
    (block,) = [b for b in document.blocks if b.start <= start < b.end]
    assert (block.kind, text[block.start : block.end]) == ("boilerplate", "\n".join(entries))
    # Announced, and cut off before the contents: a gap.
    assert [g.announcement for g in _gaps(text[: text.index("1.0")])] == ["Table of Contents:"]


@pytest.mark.parametrize("media_type", ["text/plain", "text/markdown", "text/x-rst"])
@pytest.mark.parametrize(
    "chrome",
    [
        "Was this page helpful?\n\nYes No",
        "Edit this page on GitHub",
        "Previous: Installation\n\nNext: Configuration",
        "Last updated on March 3, 2024",
        "Built with Sphinx using a theme provided by Read the Docs.",
        "This site uses cookies. By continuing to use this website, you agree to their use.\n\n"
        "To find out more, including how to control cookies, see here: Cookie Policy",
    ],
)
def test_a_list_missing_before_site_chrome_is_a_gap_and_present_is_not(
    chrome: str, media_type: str
) -> None:
    cut = f"{INTRO}\n\n{chrome}\n"
    assert [g.announcement for g in _gaps(cut, media_type)] == [
        "According to reports, these included:"
    ]
    intact = f"{INTRO}\n\n- the first measure\n- the second measure\n\n{chrome}\n"
    assert _gaps(intact, media_type) == []


def test_colon_followed_by_next_heading_is_a_gap() -> None:
    text = f"{INTRO}\n\nNext Section Heading\n\nBody text of the next section goes on here.\n"
    assert [g.announcement for g in _gaps(text)] == ["According to reports, these included:"]
    md = f"## Plan\n\n{INTRO}\n\n## Reactions\n\nBody text.\n"
    assert len(_gaps(md, "text/markdown")) == 1


@pytest.mark.parametrize(
    "after",
    [
        "- first\n- second\n",
        "1. first\n2. second\n",
        "* first\n* second\n",
        "```python\nprint('hi')\n```\n",
        "    indented_code = True\n",
        "> A quotation from the report that gives the content.\n",
        "“We will not accept this,” the minister said on Friday.\n",
        "{* ../../docs_src/first_steps/tutorial001.py hl[3] *}\n",
        "/// tip\n\nA tip.\n\n///\n",
        "### A Subsection\n\nDetails.\n",
    ],
)
def test_colon_followed_by_content_is_not_a_gap(after: str) -> None:
    text = f"## Section\n\n{INTRO}\n\n{after}"
    assert _gaps(text, "text/markdown") == []


@pytest.mark.parametrize(
    ("after", "heads"),
    [
        # An example set off by a tab, as plain-text manuals show screen output.
        ("\t101,29       84% ~\n\nThe first number is the line number of the cursor.\n", 0),
        # Names and an address indented under "Developed by:".
        ("        LLVM Team\n\n        University of Illinois\n\n        http://llvm.org\n", 1),
    ],
)
def test_plain_text_indented_under_the_announcement_is_content(after: str, heads: int) -> None:
    intro = "The editor shows the position of the cursor. It looks like this:\n\n"
    assert _gaps(intro + after) == []
    # The same short line at the announcement's own indentation heads the next section when
    # it reads as a title; columns set apart by spaces are content wherever they sit.
    heading = after.splitlines()[0].lstrip()
    text = f"{intro}{heading}\n\nMore body text follows here, at some length.\n"
    assert len(_gaps(text)) == heads


def test_lines_of_a_flattened_table_are_content() -> None:
    intro = "The following portions of the kit may be shared:\n\n"
    lines = "Component\n\nRuntime Library\n\nWindows\n\nruntime.dll, runtime_static.lib\n"
    assert _gaps(intro + lines) == []
    section = "Component Licences\n\nEach component is licensed on its own terms.\n"
    assert len(_gaps(intro + section)) == 1


def test_an_editor_modeline_announces_nothing() -> None:
    body = "A Manual\n\nThe manual ends with the settings of the editor.\n\n"
    assert _gaps(body + " vim:tw=78:ts=8:noet:ft=help:\n") == []
    assert len(_gaps(body + "The settings are:\n")) == 1


def test_a_copyright_notice_opens_the_announced_licence() -> None:
    """ "... subject to the following license:" over "Copyright (c) 2015, A. Author": the notice
    is the licence's first line, not a heading closing the section."""
    head = "Software Licence\n\nThe terms below apply.\n\nThird Party Notices\n\n"
    intro = (
        "Some routines were contributed by others and are subject to the\nfollowing license:\n\n"
    )
    notice = "Copyright (c) 2015-2017, A. Author\nAll rights reserved.\n\n"
    terms = "Redistribution and use in source and binary forms are permitted.\n"
    assert _gaps(head + intro + notice + terms) == []
    # A heading of the section's level still closes it, "Copyright" as a title too.
    assert len(_gaps(head + intro + "Acknowledgements\n\n" + terms)) == 1
    assert len(_gaps(head + intro + "Copyright\n\n" + terms)) == 1


def test_heading_sharing_a_word_with_the_announcement_is_content() -> None:
    text = (
        "### Story\n\nImagine the following story about burgers:\n\n### Concurrent Burgers\n\nOk.\n"
    )
    assert _gaps(text, "text/markdown") == []


def test_colon_inside_fenced_code_is_not_an_announcer() -> None:
    text = "## Code\n\n```python\nclass Foo:\n\n```\n\n## Next\n\nText.\n"
    assert _gaps(text, "text/markdown") == []


def test_list_shorter_than_announced_is_a_gap() -> None:
    text = "The council adopted the following three measures:\n\n- fares\n- buses\n\nLater text.\n"
    (gap,) = _gaps(text)
    assert gap.kind == "list_shorter_than_announced"
    assert gap.announcement == "The council adopted the following three measures:"
    assert gap.offset == text.index("- buses") + len("- buses")
    full = text.replace("- buses\n", "- buses\n- trains\n")
    assert _gaps(full) == []


def test_cut_off_last_sentence_is_a_gap() -> None:
    text = (
        "A Title\n\nThe first paragraph is complete.\n\n"
        "The report went on to say that the officials in charge had"
    )
    (gap,) = _gaps(text)
    assert gap.kind == "cut_off_sentence"
    assert gap.announcement.startswith("The report went on")
    assert gap.offset == len(text)


@pytest.mark.parametrize(
    "ending",
    [
        "See also the build tool mode and the environment variable",
        "Some shader types can only be used with recent shader models",
    ],
)
def test_a_forgotten_full_stop_after_a_content_word_is_no_cut(ending: str) -> None:
    text = f"VERBOSE\n=======\n\nActivates verbose output from the tools.\n\n{ending}\n"
    assert _gaps(text, "text/x-rst") == []
    assert [g.kind for g in _gaps(f"{text.rstrip()} and the\n", "text/x-rst")] == [
        "cut_off_sentence"
    ]
    assert [g.kind for g in _gaps(f"{text.rstrip()},\n", "text/x-rst")] == ["cut_off_sentence"]


def test_short_or_terminated_endings_are_not_cut_off() -> None:
    assert _gaps("Body text that is finished.\n\nThanks for reading\n") == []
    assert _gaps("Body text that ends well and has more than eight words in it.\n") == []
    assert (
        _gaps("Some text.\n\n- a list item without a full stop and with many words in it\n") == []
    )


def test_sample_article_has_exactly_one_gap() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    document = analyze_document(SAMPLE.name, str(SAMPLE), text, "text/plain")
    (gap,) = document.gaps
    assert gap.announcement.endswith("these included:")
    assert gap.announcement == text[gap.start : gap.end]
    assert text[gap.offset :].strip().startswith("Leave a Reply")


@pytest.mark.skipif(not FASTAPI_DOCS.is_dir(), reason="fastapi-docs corpus not present")
def test_real_markdown_docs_have_no_gaps() -> None:
    gaps = []
    for path in sorted(FASTAPI_DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        gaps.extend(analyze_document(path.name, str(path), text, "text/markdown").gaps)
    assert gaps == []


GNU_README = (
    "Tidewater predicts harbour tides from gauge readings.\n\n"
    "Report bugs to the mailing list.  The same address takes suggestions.\n\n"
)


def _analyzed_gaps(text: str) -> list[Gap]:
    return analyze_document("readme.txt", "readme.txt", text, "text/plain").gaps


def test_an_emacs_local_variables_trailer_is_not_an_announcement() -> None:
    text = (
        GNU_README + "\n\n----------------\nLocal variables:\nmode: text\nfill-column: 78\nEnd:\n"
    )
    assert _analyzed_gaps(text) == []
    spans = [text[s.start : s.end] for s in find_boilerplate(text)]
    assert spans[-1] == "Local variables:\nmode: text\nfill-column: 78\nEnd:"


def test_a_bare_link_after_an_announcement_is_its_content() -> None:
    """The furniture vocabulary further on ("get the latest") does not turn the link into a
    label above page furniture."""
    text = (
        GNU_README + "Official Tidewater website:\n\n  https://tidewater.example.org/\n\n"
        "You can get the latest source code by Git at our forge:\n\n"
        "  https://forge.example.org/tidewater\n"
    )
    assert _analyzed_gaps(text) == []
    assert [
        g.announcement for g in _analyzed_gaps(GNU_README + "Official Tidewater website:\n")
    ] == ["Official Tidewater website:"]


def test_an_announcement_after_a_directive_s_content_is_answered_by_the_next_directive() -> None:
    """Tabs (``.. tab::``) are headings one level below the section; the paragraph after the
    first tab's indented example has left that tab, so the second pair of tabs is what it
    announces, not the next section. A section heading after the same paragraph still is."""
    tabs = (
        ".. tab:: Unix\n\n   .. code-block:: console\n\n      $ {cmd}\n\n"
        ".. tab:: Windows\n\n   .. code-block:: console\n\n      C:\\> {cmd}\n\n"
    )
    text = (
        "Listing packages\n================\n\nTo list installed packages:\n\n"
        + tabs.format(cmd="pip list")
        + "To show details about an installed package:\n\n"
        + tabs.format(cmd="pip show sphinx")
    )
    assert analyze_document("guide.rst", "guide.rst", text, "text/x-rst").gaps == []
    cut = text.partition("To show")[0] + "To show details about an installed package:\n\n"
    closed = cut + "Searching\n=========\n\nSearch is gone.\n"
    (gap,) = analyze_document("guide.rst", "guide.rst", closed, "text/x-rst").gaps
    assert gap.announcement == "To show details about an installed package:"
