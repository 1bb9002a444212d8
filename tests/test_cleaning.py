"""Boilerplate and caption finders: whole lines only, prose left alone."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.cleaning import find_boilerplate, find_caption
from vectorstore.types import Span

DATA = Path(__file__).parent / "data" / "ingest"
LONG_BODY = (
    "The council voted on Tuesday to approve a budget that expands bus service across the "
    "eastern districts, adds late-night trains on weekends and funds a study of a new light "
    "rail line, after months of debate about costs."
)


def _texts(spans: list[Span]) -> list[str]:
    return [s.text for s in spans]


def test_comment_form_share_bar_and_crumbs_are_found_as_whole_line_blocks() -> None:
    text = (DATA / "news_comment_form.txt").read_text()
    spans = find_boilerplate(text)
    assert _texts(spans)[0] == "Home » News » Economy"
    tail = spans[-1]
    assert tail.text.startswith("Share this:")
    assert tail.text.endswith("Post Comment")
    assert "Email *" in tail.text and "Website" in tail.text
    assert len(spans) == 2
    for span in spans:
        assert span.kind == "boilerplate"
        assert text[span.start : span.end] == span.text
        assert span.start == 0 or text[span.start - 1] == "\n"
        assert span.end == len(text.rstrip("\n")) or text[span.end] == "\n"


def test_prose_mentioning_cookies_and_sharing_is_not_flagged() -> None:
    text = (DATA / "prose_cookies.txt").read_text()
    assert find_boilerplate(text) == []


def test_weak_lines_alone_are_not_boilerplate() -> None:
    assert find_boilerplate("Website\n\nOur website was redesigned in spring.\n") == []
    assert find_boilerplate("Comments\n\nSome readers wrote in.\n") == []


def test_a_sentence_about_other_things_that_says_discussion_and_required_is_prose() -> None:
    prose = "The minimum version of the tool required to build. See the discussion of versions.\n"
    assert find_boilerplate(prose) == []
    box = "Join the discussion below. Your email is required.\n"
    assert len(find_boilerplate(box)) == 1


def test_cookie_notice_and_other_patterns() -> None:
    text = (
        "Intro paragraph that is ordinary prose.\n"
        "\n"
        "We use cookies to ensure that we give you the best experience on our website.\n"
        "Accept all\n"
        "\n"
        "More text here about the topic, which stays.\n"
        "Home > World > Europe\n"
        "Subscribe to our newsletter\n"
        "\n"
        "## Related posts\n"
        "You may also like\n"
    )
    found = _texts(find_boilerplate(text))
    assert found[0].startswith("We use cookies") and found[0].endswith("Accept all")
    # Boilerplate lines separated only by blank lines merge into one span.
    assert found[1] == (
        "Home > World > Europe\nSubscribe to our newsletter\n\n## Related posts\nYou may also like"
    )
    assert len(found) == 2


@pytest.mark.parametrize(
    "chrome",
    [
        "Was this page helpful?\n\nYes No",
        "Did this article help you?\n\n👍 👎",
        "Thanks for your feedback!",
        "Edit this page on GitHub",
        "Improve this page",
        "View page source",
        "Previous: Installation\n\nNext: Configuration",
        "Next: Tides, Previous: Berths, Up: Harbour [Index]",
        "« Previous | Next »",
        "Next Previous",
        "Last updated on March 3, 2024",
        "Page last modified: 2 days ago",
        "Built with Sphinx using a theme provided by Read the Docs.",
        "Made with Material for MkDocs",
        "© Copyright 2024, The Project Authors.",
    ],
)
def test_documentation_site_chrome_is_boilerplate(chrome: str) -> None:
    text = "The tool reads its settings from one file.\n\n" + chrome + "\n"
    found = find_boilerplate(text)
    assert _texts(found) == [chrome]


@pytest.mark.parametrize(
    "prose",
    [
        "Next, install the package with pip and run the tests.",
        "Next: run the tests.",
        "Next: move the boat up: the tide is rising.",
        "Last updated in the spring, the guide now covers every command of the tool.",
        "Was this approach helpful to the team? We found that it halved the build time.",
        "Edit this file to change the defaults, then restart the server.",
        "Copyright law differs from country to country.",
    ],
)
def test_prose_that_starts_like_site_chrome_is_not_flagged(prose: str) -> None:
    assert find_boilerplate("Intro.\n\n" + prose + "\n") == []


def test_a_short_line_under_furniture_on_the_same_subject_joins_it() -> None:
    notice = (
        "This site uses cookies. By continuing to use this website, you agree to their use.\n"
        "\n"
        "To find out more, including how to control cookies, see here: Cookie Policy"
    )
    text = "The plan has three parts.\n\n" + notice + "\n"
    assert _texts(find_boilerplate(text)) == [notice]
    # The same line under ordinary prose is prose: nothing to join.
    alone = "The plan has three parts.\n\nTo find out more about cookies, see the policy page.\n"
    assert find_boilerplate(alone) == []


def test_a_wrapped_sentence_whose_last_line_reads_like_furniture_is_prose() -> None:
    """ "like this:" is a share widget's label standing alone; under a line broken off
    mid-sentence it is the end of that sentence."""
    wrapped = "When the build fails, you might see something\nlike this:\n\n    error: no space\n"
    assert find_boilerplate(wrapped) == []
    alone = "The tide was high.\n\nShare this:\n\nLike this:\n"
    assert [s.text for s in find_boilerplate(alone)] == ["Share this:\n\nLike this:"]


def test_long_line_starting_like_a_pattern_is_prose() -> None:
    line = (
        "Share this: the committee asked members to share this report with every school "
        "district in the state before the spring session begins next month."
    )
    assert find_boilerplate(line) == []


def test_a_table_of_contents_laid_out_as_text_is_boilerplate() -> None:
    """A paragraph of lines repeating titles that stand alone further on (page numbers and
    leader dots aside) is a table of contents; a list naming things the text goes on to use
    in sentences is not."""
    contents = (
        "    I. Introduction\n   II. Moorings . . . . . 4\n  III. Fees      9\n"
        "   IV. Missing chapter\n"
    )
    body = (
        "I. Introduction\n\nThe harbour opens at dawn.\n\n"
        "II. Moorings\n\nBoats moor at the east pier.\n\n"
        "III. Fees\n\nFees are paid at the office.\n"
    )
    text = f"Harbour Guide\n\n{contents}\n{body}"
    spans = find_boilerplate(text)
    assert [text[s.start : s.end] for s in spans] == [contents.rstrip("\n")]
    listed = (
        "Pier\nOffice\nSlipway\n\nThe Pier is long. The Office is small. The Slipway is steep.\n"
    )
    assert find_boilerplate(listed) == []
    # An RFC's: titles over leader dots and page numbers, set deeper than the titles.
    rfc = (
        "   1.  Introduction . . . . . . . . . . . . . .   3\n"
        "   2.  Conventions Used in This Document  . . .   4\n"
        "     2.1.  Header Fields  . . . . . . . . . . .   6\n"
    )
    titles = ("1.  Introduction", "2.  Conventions Used in This Document", "2.1.  Header Fields")
    text = rfc + "".join(f"\n{t}\n\n   Text.\n" for t in titles)
    assert [text[s.start : s.end] for s in find_boilerplate(text)] == [rfc.rstrip("\n")]
    # Fewer than three entries is no table of contents.
    assert find_boilerplate("I. Introduction\nII. Fees\n\n" + body) == []
    # A PDF manual's: entries over leader dots and a page number are contents on their own,
    # one to a paragraph too; an ellipsis before a number is prose.
    pdf = (
        "1 Introduction . . . . . . . . . 1\n\n"
        "2.1 Moorings . . . . . . . 4\n2.2 Fees. . . . . . . 9\n"
    )
    prose = "The count went on.... 5 boats left.\n\nThey waited.... 7\n"
    text = f"Contents\n\n{pdf}\n{prose}"
    assert [text[s.start : s.end] for s in find_boilerplate(text)] == [
        "1 Introduction . . . . . . . . . 1",
        "2.1 Moorings . . . . . . . 4\n2.2 Fees. . . . . . . 9",
    ]


def test_a_table_of_contents_grouped_by_chapter_is_boilerplate() -> None:
    """A FAQ's contents run over several paragraphs, one a chapter; a wrapped entry's second
    line goes with it, and an entry's title may wrap, or read a little differently, where its
    section opens: its number and first word match it. A paragraph of one numbered entry
    between two such is contents too, and the contents is one span; titles repeated one to a
    paragraph on their own are not."""
    contents = [
        "1. GENERAL\n1.1. Introduction\n1.2. Latest version\n1.3. Revision information",
        "2. BASIC SED\n2.1. What is sed?",
        "2.2. Where can I get sed?",
        "2.2.1. Unix platforms\n2.2.2. OS/2\n2.2.3. MS-DOS",
        "4.1. How do I insert a newline into the right side of a\n"
        "      substitution?\n4.2. How do I represent control-codes or non-printable\n"
        "      characters?\n4.3. How do I convert toggle characters?",
    ]
    headings = [
        "1. GENERAL",
        "1.1. Introduction",
        "1.2. Latest version",
        "1.3. Revision information",
        "2. BASIC SED",
        "2.1. What is sed?",
        "2.2. Where can I get sed?",
        "2.2.1. Unix platforms",
        "2.2.2. OS/2",
        "2.2.3. MS-DOS",
        "4.1. How do I insert a newline into the right side of a substitution?",
        "4.2. How do I represent control-codes or nonprintable\ncharacters?",
        "4.3. How do I convert toggle characters?",
    ]
    body = "".join(f"{h}\n\n   An answer.\n\n" for h in headings)
    text = "THE FAQ\n\n" + "\n\n".join(contents) + "\n\n" + body
    assert [text[s.start : s.end] for s in find_boilerplate(text)] == ["\n\n".join(contents)]
    # Titles one to a paragraph, each repeated further on: a list laid out loosely.
    loose = "Security\n\nReplication\n\nRestarts\n\nMemory\n\n"
    text = loose + "".join(f"{t}\n\nText about it.\n\n" for t in loose.split())
    assert find_boilerplate(text) == []


def test_crlf_lines_are_handled() -> None:
    text = "Body text here.\r\n\r\nLeave a Reply\r\nPost Comment\r\n"
    (span,) = find_boilerplate(text)
    assert span.text == "Leave a Reply\r\nPost Comment"


def test_caption_under_title_is_found() -> None:
    text = f"A Title\n\nCommuters wait on a crowded platform at dusk.\n\n{LONG_BODY}\n"
    caption = find_caption(text, (0, 7))
    assert caption is not None
    assert caption.kind == "caption"
    assert caption.text == "Commuters wait on a crowded platform at dusk."
    assert text[caption.start : caption.end] == caption.text


def test_no_caption_when_next_paragraph_is_not_much_longer() -> None:
    text = "A Title\n\nA short first line here.\n\nAnother short line follows it.\n"
    assert find_caption(text, (0, 7)) is None


def test_no_caption_for_multi_sentence_or_colon_lines() -> None:
    two = f"A Title\n\nFirst sentence here. Second one here.\n\n{LONG_BODY}\n"
    colon = f"A Title\n\nThe measures were:\n\n{LONG_BODY}\n"
    listed = f"A Title\n\n- a list item\n\n{LONG_BODY}\n"
    for text in (two, colon, listed):
        assert find_caption(text, (0, 7)) is None
    assert find_caption(two, None) is None


def test_caption_skips_excluded_lines() -> None:
    text = f"A Title\n\nShare this:\n\nA photo of the harbour.\n\n{LONG_BODY}\n"
    excluded = find_boilerplate(text)
    caption = find_caption(text, (0, 7), excluded)
    assert caption is not None and caption.text == "A photo of the harbour."


def test_heading_right_under_the_title_is_not_a_caption() -> None:
    for line in ["Introduction", "The Proposed Security Architecture in Exchange for Funds"]:
        text = f"A Title\n\n{line}\n\n{LONG_BODY}\n"
        assert find_caption(text, (0, 7)) is None, line
    bare = f"A Title\n\nCommuters wait on a crowded platform at dusk\n\n{LONG_BODY}\n"
    assert find_caption(bare, (0, 7)) is not None


def test_long_lines_of_dots_take_linear_time() -> None:
    """The leader-dot rules read only a line's end: lines of 20,000 dots with no page number
    after them took the search minutes (it went back over the dots from each dot)."""
    text = "Intro line.\n\n" + (". " * 20_000 + "x\n") * 3
    started = time.perf_counter()
    find_boilerplate(text)
    assert time.perf_counter() - started < 5.0
