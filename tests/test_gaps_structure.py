"""Gaps in every format, after any kind of page furniture, and none on intact lists."""

from __future__ import annotations

import pytest

from ingest.analyze import analyze_document
from ingest.candidates import answer_candidates
from ingest.loaders import parse_html
from vectorstore.types import Document

INTRO = "The committee considered several approaches, such as:"
ITEMS = ["Raising the harbour wall.", "Dredging the channel.", "Moving the ferry berth."]

# Page furniture in wordings that appear nowhere in the product code.
FURNITURE = {
    "share": "Spread the word:\n\n[Mastodon](#) [Bluesky](#) [Reddit](#)",
    "share-plain": "Share this article\n\nTweet\nEmail",
    "newsletter": "Want more like this? Sign up for our monthly digest.\n\nYour e-mail\n\nJoin",
    "newsletter-box": "## Never miss a story\n\nThe best of the week, in your inbox every Sunday.",
    "cookie": "This site relies on cookies for analytics. Continue browsing to accept, or change "
    "your settings.\n\nOK",
    "cookie-short": "Cookie preferences\n\nAccept all\n\nReject all",
    "comments": "Join the discussion\n\nYou need to log in to add a comment.\n\n0 comments",
    "related": "More stories\n\n- [A winter on the quay](#)\n- [The lighthouse keepers](#)",
    "related-plain": "You might also enjoy:\n\n* Ten walks along the coast\n* Our guide to tides",
    "share-social": "Share this article on social media",
    "share-icons": "Tweet · Email · Print · Copy link",
    "share-friends": "Found this useful? Share it with your friends!",
    "newsletter-weak": "Newsletter\n\nEmail address\n\nSubscribe",
    "newsletter-notify": "Don't miss out! Enter your email below to get notified.",
    "newsletter-updates": "Subscribe to receive updates\n\nName\n\nEmail",
    "cookie-ok": "We use cookies. Learn more\n\nOK",
    "cookie-continue": "By continuing to use this site, you agree to our use of cookies.",
    "comments-thoughts": "What do you think? Let us know your thoughts in the comments below.",
    "comments-closed": "Comments are closed.",
    "comments-count": "12 Responses to the plan\n\nReply",
    "related-more": "More from the blog\n\n- Spring cleaning for boats\n- Knots every sailor needs",
    "related-popular": "### Popular posts\n\n1. [Tides explained](#)\n2. [Reading charts](#)",
    "related-next": "← Previous post: The harbour in winter",
    "newsletter-launch": "Subscribe to The Harbour Log\n\nLaunched 2 years ago\n\nType your "
    "email…\n\nSubscribe",
    "newsletter-signup": "Sign up to discover more stories from the coast.\n\nFree\n\nNo ads.",
    "comments-js": "Please enable JavaScript to view the comments powered by our provider.",
    "cookie-partners": "Your privacy\n\nWe and our partners use cookies and similar "
    "technologies to store and access information on your device.\n\nAccept all",
    "comments-publish": "Comments (0)\n\nAdd your comment\n\nPublish",
    "related-see-more": "See more posts like this\n\n- Post one\n- Post two",
    "related-readers": "Readers also enjoyed\n\n- Post one\n- Post two",
    "pager-plural": "← Older posts\n\nNewer posts →",
}


def _doc(text: str, name: str) -> Document:
    if name.endswith(".html"):
        page = parse_html(text)
        return analyze_document(name, name, page.text, "text/html", page.headings, page.blocks)
    media = {"md": "text/markdown", "rst": "text/x-rst", "txt": "text/plain"}
    return analyze_document(name, name, text, media[name.rsplit(".", 1)[1]])


def _markdown(tail: str) -> str:
    return f"# Flood Plan\n\nThe town met in May to plan for floods. {INTRO}\n\n{tail}"


@pytest.mark.parametrize("kind", sorted(FURNITURE))
@pytest.mark.parametrize("suffix", ["md", "txt", "rst"])
def test_introduction_followed_by_furniture_is_a_gap(kind: str, suffix: str) -> None:
    doc = _doc(_markdown(FURNITURE[kind] + "\n"), f"cut.{suffix}")
    assert [g.announcement for g in doc.gaps] == [INTRO], doc.excluded


@pytest.mark.parametrize("tail", ["", "\n\n\n", "# Next Topic\n\nOther text here.\n"])
def test_introduction_cut_at_end_blank_lines_or_sibling_heading(tail: str) -> None:
    doc = _doc(_markdown(tail), "cut.md")
    assert [g.announcement for g in doc.gaps] == [INTRO]


def test_an_introduction_pointing_below_is_answered_by_the_sections_that_follow() -> None:
    page = (
        "# Selectors\n\n## Attribute selectors\n\nA selector may read nested values. "
        "See examples below:\n\n## Objects\n\nOne example.\n\n## Arrays\n\nAnother.\n"
    )
    assert _doc(page, "selectors.md").gaps == []
    # Cut at the introduction, it is still a gap.
    cut = page[: page.index("## Objects")]
    assert [g.announcement for g in _doc(cut, "selectors.md").gaps] == ["See examples below:"]
    # Without "below", a sibling heading on another subject closes the section.
    sibling = page.replace("See examples below:", "These examples show it:")
    assert [g.announcement for g in _doc(sibling, "selectors.md").gaps] == [
        "These examples show it:"
    ]


@pytest.mark.parametrize("suffix", ["md", "txt", "rst"])
def test_intact_list_is_not_a_gap_even_with_furniture_after_it(suffix: str) -> None:
    bullets = "\n".join(f"- {item}" for item in ITEMS)
    text = _markdown(f"{bullets}\n\n{FURNITURE['share']}\n\n{FURNITURE['cookie']}\n")
    doc = _doc(text, f"intact.{suffix}")
    assert doc.gaps == []


def test_setext_and_rst_headings_close_an_introduction() -> None:
    md = _doc(f"Plan\n====\n\n{INTRO}\n\nNext\n====\n\nText here.\n", "x.md")
    assert [g.announcement for g in md.gaps] == [INTRO]
    rst = _doc(f"Plan\n====\n\n{INTRO}\n\nNext\n====\n\nText here.\n", "x.rst")
    assert [g.announcement for g in rst.gaps] == [INTRO]
    deeper = _doc(f"Plan\n====\n\n{INTRO}\n\nWalls\n-----\n\nText here.\n", "x.rst")
    assert deeper.gaps == []


def test_html_introduction_followed_by_furniture_is_a_gap() -> None:
    html = (
        f"<h1>Flood Plan</h1><p>{INTRO}</p>"
        '<div class="newsletter-signup"><p>Get updates</p></div>'
        "<p>Share this:</p><p>Share on Facebook</p>"
    )
    doc = _doc(html, "cut.html")
    assert [g.announcement for g in doc.gaps] == [INTRO]
    intact = _doc(
        html.replace("</p><div", "</p><ul><li>Walls</li><li>Dredging</li></ul><div"), "i.html"
    )
    assert intact.gaps == []


@pytest.mark.parametrize("suffix", ["md", "rst"])
def test_a_list_of_names_closed_by_colons_announces_nothing(suffix: str) -> None:
    """An outline of names each closed by a colon ("Stations:" / "Gauges:") ends on one before
    the next heading; an item that alone ends in a colon still announces a list."""
    outline = "- Harbour:\n\n  - Stations:\n  - Gauges:\n\n- Readings:\n"
    heading = "Next\n====\n\nText here.\n" if suffix == "rst" else "# Next\n\nText here.\n"
    names = _doc(f"Layout\n======\n\nThe file holds:\n\n{outline}\n{heading}", f"x.{suffix}")
    assert names.gaps == []
    single = "- Harbour works.\n- Dredging.\n- The works include:\n"
    cut = _doc(f"Layout\n======\n\nThe file holds:\n\n{single}\n{heading}", f"x.{suffix}")
    assert [g.announcement for g in cut.gaps] == ["- The works include:"]


def test_code_lines_ending_in_colons_are_not_introductions() -> None:
    text = "Settings\n========\n\n.. code-block:: yaml\n\n   server:\n     port: 80\n   logging:\n"
    assert _doc(text, "conf.rst").gaps == []
    md = "# Settings\n\n```yaml\nlogging:\n```\n\n    indented:\n"
    assert _doc(md, "conf.md").gaps == []


def test_an_image_after_an_introduction_is_content_not_a_gap() -> None:
    """A screenshot after "Example:" is what was announced; its alt text is never an answer."""
    page = (
        "<html><body><main><h1>Settings</h1>"
        "<h2>Collapse implementations</h2>"
        "<p>This setting folds every trait implementation by default. Example:</p>"
        '<p><img src="collapsed.png" alt="Folded trait implementations"></p>'
        "<h2>Line numbers</h2><p>Numbers are shown beside each code example.</p>"
        "</main></body></html>"
    )
    doc = _doc(page, "settings.html")
    assert doc.gaps == []
    figure = [b for b in doc.blocks if b.kind == "figure"]
    assert [doc.text[b.start : b.end] for b in figure] == ["Folded trait implementations"]
    quoted = [doc.text[c.start : c.end] for c in answer_candidates(doc)]
    assert "Folded trait implementations" not in quoted
    assert any("folds every trait" in q for q in quoted)


@pytest.mark.parametrize(
    "image",
    [
        '<p><img src="x.png"></p>',
        '<img src="x.png">',  # between blocks, as Markdown renderers write a raw image line
        '<a href="x.png"><img src="x.png"></a>',
        '<video src="tour.mp4" controls></video>',
    ],
)
def test_an_image_without_alt_text_after_an_introduction_is_content_not_a_gap(image: str) -> None:
    """A screenshot with no alternative text is still what "It looks like this:" shows; it
    stands as ``[image]`` in the stored text and is never an answer."""
    page = (
        "<html><body><h1>Settings</h1><p>The dashboard looks like this:</p>"
        f"{image}<p>Nothing is checked yet.</p><h1>Recap</h1><p>More text here.</p>"
        "</body></html>"
    )
    doc = _doc(page, "settings.html")
    assert doc.gaps == []
    figures = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "figure"]
    assert figures in (["[image]"], ["[video]"])
    assert not any("[" in doc.text[c.start : c.end] for c in answer_candidates(doc))


@pytest.mark.parametrize(
    "image",
    ['<p><img src="divider.png" alt=""></p>', '<img src="t.gif" width="1" height="1">', ""],
)
def test_a_decorative_image_or_a_tracking_pixel_after_an_introduction_leaves_a_gap(
    image: str,
) -> None:
    """``alt=""`` marks an image as decoration (the HTML standard's wording) and a one-pixel
    image shows nothing: the list is still missing."""
    page = (
        "<html><body><h1>Settings</h1><p>The defaults are:</p>"
        f"{image}<h1>Next steps</h1><p>More text here.</p></body></html>"
    )
    assert [g.announcement for g in _doc(page, "settings.html").gaps] == ["The defaults are:"]


@pytest.mark.parametrize(
    ("last", "kinds"),
    [
        # A closing "... check out the Cargo Guide", the guide a link, points somewhere: the
        # page is whole, although the sentence has no full stop.
        ('For more details on using Cargo, check out the <a href="g.html">Cargo Guide</a>', []),
        (
            'Cargo builds the project, and the <a href="g.html">guide</a> explains how the '
            "build cache then decides which of the",
            ["cut_off_sentence"],
        ),
    ],
)
def test_a_last_html_paragraph_is_cut_off_unless_it_ends_on_a_link(
    last: str, kinds: list[str]
) -> None:
    page = f"<html><body><main><h1>First steps</h1><p>Cargo runs it.</p><p>{last}</p></main>"
    assert [g.kind for g in _doc(page + "</body></html>", "first-steps.html").gaps] == kinds


@pytest.mark.parametrize("suffix", ["html", "md", "rst"])
def test_a_code_line_that_reads_like_furniture_is_code_not_a_gap(suffix: str) -> None:
    # A config example whose first line would be page furniture as prose ("last modified ...").
    code = ["# last modified: 01 Jan 2016", "; a scoped registry", "@scope:registry=https://x.org"]
    intro = "Lines that begin with a semicolon are comments. For example:"
    after = "Each file is read in order."
    if suffix == "html":
        body = "\n".join(code)
        text = f"<h1>Config</h1><p>{intro}</p><pre><code>{body}\n</code></pre><p>{after}</p>"
    elif suffix == "md":
        indented = "\n".join(f"    {line}" for line in code)
        text = f"# Config\n\n{intro}\n\n{indented}\n\n{after}\n"
    else:
        literal = "\n".join(f"   {line}" for line in code)
        text = f"Config\n======\n\n{intro} ::\n\n{literal}\n\n{after}\n".replace(": ::", "::")
    doc = _doc(text, f"config.{suffix}")
    assert doc.gaps == []
    assert doc.excluded == []
    assert any(
        b.kind == "code" and "last modified" in doc.text[b.start : b.end] for b in doc.blocks
    )


def test_html_laid_out_with_line_breaks_has_paragraphs_and_items() -> None:
    # DocBook's literallayout (and older pages): one element, lines and blank lines made of <br>.
    lines = [
        "Wrappers have two jobs:",
        "",
        "1. Tell a tool what is about to happen, before the call takes place. A",
        "   tool could check beforehand that the memory is writeable.",
        "",
        "2. Tell a tool what just happened, after the call. This step is",
        "   essential.",
        "",
        "The happenings are mostly reads and writes of memory.",
    ]
    page = parse_html(
        '<h1>Wrappers</h1><div class="literallayout"><p>' + "<br>\n".join(lines) + "</p></div>"
    )
    doc = analyze_document("w.html", "w.html", page.text, "text/html", page.headings, page.blocks)
    kinds = [(b.kind, doc.text[b.start : b.end].split("\n")[0]) for b in doc.blocks]
    assert kinds == [
        ("heading", "Wrappers"),
        ("paragraph", "Wrappers have two jobs:"),
        ("list_item", lines[2]),
        ("list_item", lines[5]),
        ("paragraph", lines[8]),
    ]
    assert doc.gaps == []  # two jobs announced, two given (each wrapped over two lines)
    shorter = parse_html(
        '<h1>Wrappers</h1><div class="literallayout"><p>' + "<br>\n".join(lines[:5]) + "</p></div>"
    )
    cut = analyze_document(
        "w.html", "w.html", shorter.text, "text/html", shorter.headings, shorter.blocks
    )
    assert [g.kind for g in cut.gaps] == ["list_shorter_than_announced"]


@pytest.mark.parametrize("suffix", ["md", "txt", "rst"])
def test_a_list_of_profiles_an_introduction_announces_is_content(suffix: str) -> None:
    """Network names right under "... the following social media accounts:" are the list it
    announces, not a share bar; the same names under a share header of their own are furniture."""
    profiles = (
        "* [Mastodon](https://example.social/@harbour)\n"
        "* [Bluesky](https://bsky.app/profile/harbour.example)\n"
        "* [LinkedIn](https://www.linkedin.com/company/harbour)\n"
    )
    intro = "The harbour office keeps the following social media accounts:"
    lead = "The office answers questions in public."
    text = f"# Outreach\n\n{lead} {intro}\n\n{profiles}\nMore text.\n"
    doc = _doc(text, f"outreach.{suffix}")
    assert doc.gaps == [] and doc.excluded == []
    quoted = [doc.text[c.start : c.end] for c in answer_candidates(doc)]
    assert any("Bluesky" in q for q in quoted)
    shared = text.replace(f"{intro}\n\n", f"{intro}\n\nShare this:\n\n")
    assert [g.announcement for g in _doc(shared, f"outreach.{suffix}").gaps] == [intro]


def test_a_plain_text_table_after_an_introduction_is_content_not_a_gap() -> None:
    """Rows drawn with pipes are the table the sentence announces, not headings."""
    text = (
        "The harbour charges visiting boats by length.\n\n"
        "The fees per night are:\n\nLength | Summer | Winter\n\nUnder 10 m | 20 | 12\n\n"
        "Over 10 m | 30 | 18\n\nPay at the office before leaving.\n"
    )
    doc = _doc(text, "fees.txt")
    assert doc.gaps == []
    assert doc.sections == [] and not any(b.kind == "heading" for b in doc.blocks)
