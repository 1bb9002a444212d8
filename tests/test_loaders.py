"""Loaders: text kept unchanged, HTML made readable, PDFs extracted, bad files refused."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.analyze import analyze_document, analyze_loaded
from ingest.candidates import answer_candidates
from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    LoadError,
    decode_text,
    iter_files,
    load_file,
    load_html,
    load_text,
    parse_html,
)

DATA = Path(__file__).parent / "data" / "ingest"


def _pdf_with_pages(*pages: str) -> bytes:
    """A minimal, valid PDF of Helvetica text, one page per argument (lines split at newlines)."""
    return _pdf_of(
        "BT /F1 12 Tf 72 720 Td "
        + " ".join(f"({line}) Tj 0 -16 Td" for line in text.split("\n"))
        + " ET"
        for text in pages
    )


def _pdf_laid_out(*lines: tuple[str, float, float] | tuple[str, float, float, str]) -> bytes:
    """A one-page PDF of lines given as ``(text, font size, space above the line in points)``,
    and ``"bold"`` for Helvetica-Bold: the baseline moves down by the space and the line's size."""
    y, shown = 760.0, []
    for text, size, space, *face in lines:
        y -= space + size
        font = "/F2" if face == ["bold"] else "/F1"
        shown.append(f"BT {font} {size} Tf 72 {y} Td ({text}) Tj ET")
    return _pdf_of([" ".join(shown)])


def _pdf_of(streams: Iterable[str]) -> bytes:
    """A PDF with one page per content stream, Helvetica as /F1 and Helvetica-Bold as /F2."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for content in streams:
        stream = content.encode()
        content_id = len(objects) + 2
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
            f"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
            f"/F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >> >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(f"{len(objects) - 1} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_text_and_markdown_are_returned_unchanged(tmp_path: Path) -> None:
    content = "# Title\r\n\r\nSome  text with   spaces\tand tabs.\n\n  indented\n"
    path = tmp_path / "doc.md"
    path.write_bytes(content.encode("utf-8"))
    assert load_text(path) == (content, "text/markdown")
    txt = tmp_path / "doc.txt"
    txt.write_bytes(content.encode("utf-8"))
    assert load_text(txt) == (content, "text/plain")


def test_terminal_formatting_is_not_text(tmp_path: Path) -> None:
    """A man page saved from a terminal (man-db's manual as Debian ships it) keeps grotty's
    escape sequences and overstrikes: how the text looked, not what it says."""
    raw = (
        "If using a shell such as \x1b[1mbash\x1b[22m, set \x1b[4mMANPATH\x1b[24m.\n"
        " +\bo file names in \x1b[4mitalic\x1b[0m, b\bbo\bol\bld, _\bu_\bn_\bd_\ber.\n"
    )
    path = tmp_path / "manual.txt"
    path.write_bytes(raw.encode("utf-8"))
    assert load_text(path) == (
        "If using a shell such as bash, set MANPATH.\n o file names in italic, bold, under.\n",
        "text/plain",
    )


def test_utf8_bom_is_stripped() -> None:
    assert load_text(DATA / "bom.txt")[0] == "Hello with a BOM.\n"


def test_cp1252_text_falls_back_to_legacy_decoding() -> None:
    text, _ = load_text(DATA / "cp1252.txt")
    assert text == "Café menu: crème brûlée for € 5.\n"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n ", "empty"),
        (b"PK\x03\x04\x00\x00binary zip header", "binary"),
        (bytes(range(1, 32)) * 20 + b"\x81\x8d\x8f" * 50, "binary"),
    ],
)
def test_empty_and_binary_files_are_refused(tmp_path: Path, raw: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    with pytest.raises(LoadError, match=reason) as info:
        load_text(path)
    assert "bad.txt" in str(info.value)


def test_html_becomes_readable_blocks_without_chrome() -> None:
    text, media_type = load_text(DATA / "page.html")
    assert media_type == "text/html"
    assert text == (
        "Harbour Bridge Reopens\n\n"
        "The bridge reopened on Monday after two years of repairs.\n\n"
        "Traffic\n\n"
        "Traffic was light.\nOfficials expect more cars next week.\n\n"
        "- Lane one\n\n"
        "- Lane two"
    )
    for hidden in ("tracking", "Popular stories", "Footer", "Ignored title", "color: red", "Email"):
        assert hidden not in text


def test_html_heading_positions_point_into_the_text() -> None:
    text, headings = load_html((DATA / "page.html").read_bytes())
    assert [(text[s:e], level) for s, e, level in headings] == [
        ("Harbour Bridge Reopens", 1),
        ("Traffic", 2),
    ]


def test_load_file_reports_html_headings() -> None:
    loaded = load_file(DATA / "page.html")
    assert loaded.headings is not None
    assert len(loaded.headings) == 2


def test_html_without_text_is_refused() -> None:
    with pytest.raises(LoadError, match="no readable text"):
        load_html("<html><body><script>x()</script></body></html>")


def _html_blocks(body: str) -> list[tuple[str, str]]:
    """``(text, kind)`` of each block the HTML loader records for a page with ``body``."""
    page = parse_html(f"<html><body>{body}</body></html>")
    return [(page.text[b.start : b.end], b.kind) for b in page.blocks]


def test_html_media_standing_alone_become_figures_and_inline_images_stay_out() -> None:
    blocks = _html_blocks(
        "<p>Intro text.</p>"
        '<img src="a.png" alt="The login form">'
        '<p><img src="icon.png"> Icons inside a sentence stay out.</p>'
        '<picture><source srcset="b.webp"><img src="b.png"></picture>'
        '<p>Last.</p><img src="pixel.gif" width="1" height="1">'
        '<table><tr><td><a href="prev.html"><img src="prev.png" alt="Prev"></a></td>'
        "<th>User Manual</th></tr></table>"
    )
    assert blocks == [
        ("Intro text.", "paragraph"),
        ("The login form", "figure"),
        ("Icons inside a sentence stay out.", "paragraph"),
        ("[image]", "figure"),
        ("Last.", "paragraph"),
        ("User Manual", "table"),  # a navigation icon in a cell is not a figure of its own
    ]


def test_html_video_fallback_text_is_not_content() -> None:
    blocks = _html_blocks(
        "<p>Watch the tour:</p><video controls>"
        '<source src="tour.mp4" type="video/mp4">Your browser does not support the video tag.'
        '</video><h2>Setup</h2><p>Install it <audio src="a.ogg">No audio.</audio> first.</p>'
    )
    assert blocks == [
        ("Watch the tour:", "paragraph"),
        ("[video]", "figure"),
        ("Setup", "heading"),
        ("Install it first.", "paragraph"),
    ]


def test_html_list_item_paragraphs_stay_in_their_item() -> None:
    """docutils and Sphinx write loose list items as ``<li><p>..</p><p>..</p></li>``: the later
    paragraph belongs to the item, so the list is not cut short after its first item."""
    from ingest.analyze import analyze_document

    page = parse_html(
        "<html><body><p>The module has 2 modes:</p><ul>"
        "<li><p>Version 0, the old mode:</p><p>It may change over time.</p>"
        "<ul><li><p>Set by the V0 flag.</p></li><li><p>The default.</p></li></ul></li>"
        "<li><p>Version 1, the new mode.</p></li></ul><p>Pick one.</p></body></html>"
    )
    blocks = [(page.text[b.start : b.end], b.kind, b.level) for b in page.blocks]
    assert blocks == [
        ("The module has 2 modes:", "paragraph", 0),
        ("- Version 0, the old mode:\n\nIt may change over time.", "list_item", 1),
        ("It may change over time.", "item_text", 0),  # also a part of its own
        ("- Set by the V0 flag.", "list_item", 2),
        ("- The default.", "list_item", 2),
        ("- Version 1, the new mode.", "list_item", 1),
        ("Pick one.", "paragraph", 0),
    ]
    doc = analyze_document("m.html", "m.html", page.text, "text/html", page.headings, page.blocks)
    assert doc.gaps == []


def test_html_permalinks_after_headings_are_dropped() -> None:
    """Sphinx and MkDocs end each heading and API signature with a permalink ("¶", "#")."""
    page = parse_html(
        '<html><body><h2>Installation<a class="headerlink" href="#i">¶</a></h2>'
        "<p>Run the installer.</p><dl><dt><span>connect</span>(<em>host</em>)"
        '<a class="headerlink" href="#c">#</a></dt><dd><p>Open a connection.</p></dd></dl>'
        "</body></html>"
    )
    assert page.text == "Installation\n\nRun the installer.\n\nconnect(host)\n\nOpen a connection."
    assert [page.text[s:e] for s, e, _ in page.headings] == ["Installation"]


def test_html_permalinks_are_dropped_whatever_their_class() -> None:
    """Node.js's API pages end each heading with ``<a class="mark" href="#id">#</a>``: a link
    to a place on the page labelled by a symbol is a permalink; one labelled by words is not."""
    page = parse_html(
        '<html><body><h3><code>path.sep</code><span><a class="mark" href="#path-sep" '
        'id="path-sep">#</a></span></h3><p>Provides the separator.</p>'
        '<h3><a href="#sep">Separators</a></h3><p>Read <a href="#path-sep">§</a> above.</p>'
        "</body></html>"
    )
    assert page.text == "path.sep\n\nProvides the separator.\n\nSeparators\n\nRead above."
    assert [page.text[s:e] for s, e, _ in page.headings] == ["path.sep", "Separators"]


def test_html_code_blocks_leave_out_the_controls_inside_them() -> None:
    """Node.js's pages put a copy button inside each code block: a control, not the code."""
    page = parse_html(
        '<html><body><p>Load it:</p><pre><code class="language-js">const tty = '
        "require('node:tty');\n  tty.isatty(1); <span class=\"hljs-comment\">// true</span>"
        '</code> <button class="copy-button">copy</button></pre></body></html>'
    )
    assert page.text == ("Load it:\n\nconst tty = require('node:tty');\n  tty.isatty(1); // true")


def test_pdf_pages_are_joined_with_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    path.write_bytes(_pdf_with_pages("First page text.", "Second page text."))
    assert load_text(path) == ("First page text.\n\nSecond page text.", "application/pdf")


def test_pdf_paragraphs_and_headings_are_parted_where_the_layout_parts_them(
    tmp_path: Path,
) -> None:
    """More space above a line than between a paragraph's lines, or another font size, starts a
    paragraph: a blank line goes before it and nothing else of the text changes."""
    path = tmp_path / "guide.pdf"
    path.write_bytes(
        _pdf_laid_out(
            ("Berths", 20, 0),
            ("The marina has forty berths on", 11, 6),
            ("two pontoons.", 11, 3),
            ("Visitors pay at the office.", 11, 10),
            ("Fees", 16, 8),
            ("A night costs twelve pounds.", 11, 6),
        )
    )
    loaded = load_file(path)
    assert loaded.text == (
        "Berths\n\nThe marina has forty berths on\ntwo pontoons.\n\n"
        "Visitors pay at the office.\n\nFees\n\nA night costs twelve pounds."
    )
    doc = analyze_document("guide.pdf", str(path), loaded.text, loaded.media_type)
    assert [s.title for s in doc.sections] == ["Berths", "Fees"]
    # Evenly spaced lines in one size are one paragraph, as pypdf extracts them.
    even = tmp_path / "even.pdf"
    even.write_bytes(_pdf_laid_out(("One line.", 11, 0), ("Another line.", 11, 3)))
    assert load_file(even).text == "One line.\nAnother line."


def test_a_pdf_ligature_is_read_as_its_letters(tmp_path: Path) -> None:
    """A typesetter's "fi" and "fl" glyphs (Helvetica's codes 256 and 257 in its standard
    encoding) extract as U+FB01 and U+FB02; the word index and the embedding model know "files",
    not "\ufb01les"."""
    path = tmp_path / "setup.pdf"
    path.write_bytes(_pdf_laid_out(("Con\\256gure the \\257ags \\256rst.", 11, 0)))
    assert load_file(path).text == "Configure the flags first."


def test_pdf_headings_are_the_short_paragraphs_set_larger_or_bolder_than_the_body(
    tmp_path: Path,
) -> None:
    """Levels go by prominence: the largest size first, bold before regular at one size; a long
    paragraph in a large font (a lead) and a short line in the body's style are not headings."""
    path = tmp_path / "guide.pdf"
    path.write_bytes(
        _pdf_laid_out(
            ("  Harbour Guide", 22, 0, "bold"),  # spaces before the page's first characters
            ("Boats of every size are welcome at the", 14, 8),
            ("harbour, from dinghies to", 14, 3),
            ("ferries and the", 14, 3),
            ("old steamers.", 14, 3),
            ("Berths", 16, 10),
            ("The marina has forty berths.", 11, 6),
            ("Pontoons", 11, 8, "bold"),
            ("Each pontoon holds twenty boats.", 11, 8),
            ("Opening times", 11, 8),
            ("The office opens at nine.", 11, 4),
        )
    )
    loaded = load_file(path)
    doc = analyze_document("guide.pdf", str(path), loaded.text, loaded.media_type, loaded.headings)
    assert doc.title == "Harbour Guide"
    assert [(s.level, s.title) for s in doc.sections] == [
        (1, "Harbour Guide"),
        (2, "Berths"),
        (3, "Pontoons"),
    ]


class _PageWithAnOddFont:
    """A page whose font resource is no dictionary: its text extracts, its style cannot be read."""

    def extract_text(self, visitor_text: Callable[..., None] | None = None) -> str:
        if visitor_text is not None:
            visitor_text("Plain text.", [1, 0, 0, 1, 0, 0], [1, 0, 0, 1, 72, 700], "/F1", 12)
        return "Plain text."


def test_a_pdf_page_whose_layout_cannot_be_read_keeps_its_plain_text() -> None:
    from ingest.pdf import PdfPage, read_page

    assert read_page(_PageWithAnOddFont()) == PdfPage("Plain text.")  # type: ignore[arg-type]


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(_pdf_with_pages("Secret text.")))
    writer.encrypt("secret", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="encrypted"):
        load_text(path)


def test_broken_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(LoadError, match=r"broken\.pdf"):
        load_text(path)


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG")
    with pytest.raises(LoadError, match="unsupported"):
        load_text(path)


def test_iter_files_walks_sorted_and_skips_hidden_folders(tmp_path: Path) -> None:
    for name in ["b.md", "a.txt", "sub/c.html", "sub/d.pdf", "notes.docx", ".hidden.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    for hidden in [".git/config.txt", ".venv/lib.md", ".verbatim/x.txt"]:
        (tmp_path / hidden).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / hidden).write_text("x")
    files, skipped = iter_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "a.txt",
        "b.md",
        "sub/c.html",
        "sub/d.pdf",
    ]
    assert [p.name for p in skipped] == ["notes.docx"]
    assert iter_files([tmp_path]) == (files, skipped)


def test_iter_files_passes_over_a_sphinx_builds_source_copies_and_indexes(tmp_path: Path) -> None:
    """A Sphinx HTML build (``objects.inv`` at its root) keeps each page's source in ``_sources``
    and writes index pages: they repeat the pages, so they are skipped, and only there."""
    build, plain = tmp_path / "build", tmp_path / "plain"
    names = [
        "index.html",
        "user/install.html",
        "_sources/index.rst.txt",
        "_sources/user/install.rst.txt",
        "genindex.html",
        "genindex-A.html",
        "py-modindex.html",
        "search.html",
        "_modules/pkg/api.html",
    ]
    for root in (build, plain):
        for name in names:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("x")
    (build / "objects.inv").write_bytes(b"# Sphinx inventory version 2\n")
    files, skipped = iter_files([build])
    assert [p.relative_to(build).as_posix() for p in files] == [
        "index.html",
        "_modules/pkg/api.html",
        "user/install.html",
    ]
    assert sorted(p.relative_to(build).as_posix() for p in skipped) == sorted(
        [*names[2:8], "objects.inv"]
    )
    files, _ = iter_files([plain])
    assert len(files) == len(names)


def test_iter_files_accepts_single_files(tmp_path: Path) -> None:
    good, bad = tmp_path / "one.md", tmp_path / "two.csv"
    good.write_text("x")
    bad.write_text("x")
    assert iter_files([good, bad, good]) == ([good], [bad])


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".markdown", ".rst", ".html", ".htm", ".pdf"} <= SUPPORTED_SUFFIXES
    assert decode_text(b"plain") == "plain"


def test_a_markdown_suffix_file_is_read_as_markdown(tmp_path: Path) -> None:
    page = tmp_path / "post.markdown"
    page.write_text("Setup\n=====\n\nThe installer needs three things:\n")
    assert iter_files([tmp_path]) == ([page], [])
    loaded = load_file(page)
    assert loaded.media_type == "text/markdown"
    doc = analyze_document("post.markdown", str(page), loaded.text, loaded.media_type)
    # The setext heading is structure (a section, never an answer) and the list is missing.
    assert [(s.title, s.level) for s in doc.sections] == [("Setup", 1)]
    assert [g.announcement for g in doc.gaps] == ["The installer needs three things:"]


def test_a_text_file_written_in_restructuredtext_is_read_as_restructuredtext(
    tmp_path: Path,
) -> None:
    """Many projects' ".txt" files are reStructuredText (docutils's docs, PEPs): explicit markup
    tells them from plain text. Read as plain text, a link target before a heading read as a
    list introduction with its list missing."""
    page = tmp_path / "install.txt"
    page.write_text(
        "Install\n=======\n\nRun the installer once.\n\n"
        ".. _runtime settings:\n\nConfiguration\n=============\n\nIt keeps these settings:\n\n"
        "* the port\n* the data folder\n\n.. note:: Back up the data folder first.\n"
    )
    loaded = load_file(page)
    assert loaded.media_type == "text/x-rst"
    doc = analyze_document("install.txt", str(page), loaded.text, loaded.media_type)
    assert [s.title for s in doc.sections] == ["Install", "Configuration"]
    assert doc.gaps == []
    plain = analyze_document("install.txt", str(page), loaded.text, "text/plain")
    assert [g.announcement for g in plain.gaps] == ["_runtime settings:"]
    # Plain text stays plain text, dots and colons included.
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes\n=====\n\n.. and then the list:\n\nIt was short.\n")
    assert load_file(notes).media_type == "text/plain"


def test_html_state_classes_on_page_wrappers_do_not_hide_the_page() -> None:
    """mdBook and Bootstrap mark the whole page (``sidebar-visible``, ``modal-open``); only the
    sidebar itself is furniture."""
    page = (
        '<html class="light sidebar-visible"><body class="modal-open">'
        '<div class="page-wrapper has-sidebar"><div class="sidebar"><a href="#">Chapter one</a>'
        "</div><main><h1>What is rustdoc?</h1><p>It generates documentation.</p></main></div>"
        "</body></html>"
    )
    text, headings = load_html(page)
    assert text == "What is rustdoc?\n\nIt generates documentation."
    assert [(text[s:e], level) for s, e, level in headings] == [("What is rustdoc?", 1)]


def test_html_page_contents_are_furniture() -> None:
    """Sphinx's pages: a "Contents" box of links to the page's own sections repeated the
    headings and was quoted as answers.  A list of links to other pages, or of items that say
    more than a link, is content."""
    page = (
        '<html><body><div class="body" role="main"><h1>Gauges</h1>'
        '<div class="contents topic"><p class="topic-title">Contents</p><ul>'
        '<li><p><a href="#why">Why do gauges drift?</a></p><ul><li><a href="#fix">Fixing it'
        '</a></li></ul></li><li><a href="#how">How are they read?</a></li></ul></div>'
        '<h2 id="why">Why do gauges drift?</h2><p>Silt settles in the well.</p>'
        '<ul><li><a href="tides.html">Tide tables</a></li><li><a href="#why">Drift</a>, '
        "twice a year</li></ul></div></body></html>"
    )
    text, _ = load_html(page)
    assert text == (
        "Gauges\n\nContents\n\nWhy do gauges drift?\n\nSilt settles in the well.\n\n"
        "- Tide tables\n\n- Drift, twice a year"
    )


def test_html_contents_as_rows_of_links_are_furniture() -> None:
    """SQLite's pages write their contents as a ``div`` of ``div`` rows, one link each: it
    repeated the headings ("Creating Partial Indexes" quoted for "What is a partial index?").
    A ``div`` whose text says more than its links, or holding a heading, is content."""
    page = (
        '<html><body><h1>Gauges</h1><div class="toc"><a onclick="t()">Contents</a>'
        '<div id="sub"><div class="toc1"><a href="#why">1. Why gauges drift</a></div>'
        '<div class="toc2"><a href="#fix">1.1. Fixing it</a></div></div></div>'
        '<div>See <code><a href="#why">drift</a></code> and <code><a href="#fix">fixes</a>'
        "</code>.</div>"
        '<div><h2 id="why"><a href="#why">1. Why gauges drift</a></h2>'
        '<div><a href="#fix">Fixing it</a></div></div>'
        '<h3 id="fix">1.1. Fixing it</h3><p>Flush the well.</p></body></html>'
    )
    text, _ = load_html(page)
    assert text == (
        "Gauges\n\nContents\n\nSee drift and fixes.\n\n1. Why gauges drift\n\nFixing it\n\n"
        "1.1. Fixing it\n\nFlush the well."
    )


def test_html_an_index_table_of_links_is_furniture() -> None:
    """Texinfo ends a manual with its index as a table: "Index Entry | Section" over rows of
    two links each to places in the page (Nettle's, 700 rows: "rsa_sha256_sign_tr(const: | |
    RSA" was quoted for "Why should I use rsa_sha256_sign_tr?").  A table whose rows show
    links to the page and nothing else, under rows of headers, is its contents; a table with
    anything else in a row, or linking elsewhere, is content."""
    entry = (
        '<tr><td></td><td><a href="#index-{0}"><code>{0}</code></a>:</td><td>&nbsp;</td>'
        '<td><a href="#Gauges">Gauges</a></td></tr>'
    )
    page = (
        '<html><body><h2 id="Gauges">Gauges</h2><p id="index-drift">Gauges drift.</p>'
        '<p id="index-flush">Flush the well.</p><h2>Index</h2><table class="index-fn">'
        "<tr><td></td><th>Index Entry</th><td>&nbsp;</td><th>Section</th></tr>"
        '<tr><td colspan="4"><hr></td></tr><tr><th id="letter-D">D</th><td></td></tr>'
        + entry.format("drift")
        + entry.format("flush")
        + "</table><table><tr><th>Step</th><th>Where</th></tr>"
        '<tr><td><a href="#index-drift">drift</a></td><td>the north quay</td></tr>'
        '<tr><td><a href="#index-flush">flush</a></td><td><a href="well.html">well</a></td>'
        "</tr></table></body></html>"
    )
    text, _ = load_html(page)
    assert "Index Entry" not in text and "drift:" not in text
    assert "Gauges drift." in text and "drift | the north quay" in text


def test_html_bold_paragraph_alone_is_a_heading() -> None:
    """A hand-written FAQ sets each question as a paragraph all in bold above its answer: a
    heading one level below its section.  A bold sentence or lead-in ("Note:"), a paragraph
    with text beside the bold, and bold in a list item stay what they are."""
    page = (
        "<html><body><h2>Questions</h2><p><b>(6) Is it threadsafe?</b></p>"
        "<blockquote><p>It is threadsafe.</p></blockquote>"
        "<p><strong>Never share a handle.</strong></p><p><b>Note:</b></p>"
        "<p><b>Beware</b> of locks.</p><ul><li><p><b>Limits</b></p><p>Few.</p></li></ul>"
        "</body></html>"
    )
    text, headings = load_html(page)
    assert [(text[s:e], level) for s, e, level in headings] == [
        ("Questions", 2),
        ("(6) Is it threadsafe?", 3),
    ]
    assert "Never share a handle.\n\nNote:\n\nBeware of locks.\n\n- Limits" in text


def test_html_diagram_standing_alone_is_a_figure() -> None:
    """SQLite's pages draw each syntax diagram as an inline ``svg`` under its label
    ("rollback-stmt:"): dropped, the label announced nothing and was recorded as a gap.  An
    ``svg`` larger than an icon, standing alone between blocks, is a figure (its title, else
    "[image]"); an icon (small, or inside a link or a button) stays dropped."""
    page = (
        "<html><body><h1>Syntax</h1><p>rollback-stmt:</p>"
        '<div><svg viewBox="0 0 801.7 67.4"><text>ROLLBACK</text></svg></div>'
        '<p>commit-stmt:</p><div><svg width="600" height="80"><title>COMMIT syntax</title>'
        "<text>COMMIT</text></svg></div>"
        '<p>Read <a href="x.html"><svg viewBox="0 0 400 400"></svg>more</a> here.'
        '<svg width="16" height="16"></svg></p>'
        '<div><svg width="24" height="24"><path d="M0 0"/></svg></div></body></html>'
    )
    text, _ = load_html(page)
    assert text == (
        "Syntax\n\nrollback-stmt:\n\n[image]\n\ncommit-stmt:\n\nCOMMIT syntax\n\nRead more here."
    )


def test_html_docbook_contents_are_furniture() -> None:
    """DocBook writes a page's contents as a definition list of links, each term's nested
    entries in its description, pointing at "page.html#place" where the page has that place.
    Links to places another page has stay."""
    page = (
        '<html><body><h1>Gauges</h1><div class="toc"><dl class="toc">'
        '<dt><a href="gauges.html#g.why">1. Why gauges drift</a></dt>'
        '<dd><dl><dt><a href="gauges.html#g.fix">1.1. Fixing it</a></dt></dl></dd>'
        '<dt><a href="gauges.html#g.read">2. Reading</a></dt></dl></div>'
        '<h2><a name="g.why"></a>1. Why gauges drift</h2><p>Silt settles in the well.</p>'
        '<h3 id="g.fix">1.1. Fixing it</h3><p>Flush the well.</p>'
        '<h2 id="g.read">2. Reading</h2><p>Read it hourly.</p>'
        '<dl><dt><a href="tides.html#t.spring">Spring tides</a></dt>'
        "<dd>The highest tides.</dd></dl></body></html>"
    )
    text, _ = load_html(page)
    assert text == (
        "Gauges\n\n1. Why gauges drift\n\nSilt settles in the well.\n\n1.1. Fixing it\n\n"
        "Flush the well.\n\n2. Reading\n\nRead it hourly.\n\nSpring tides\n\nThe highest tides."
    )


def test_html_docbook_faq_questions_head_their_answers() -> None:
    """DocBook lays a FAQ out as a table holding its sections' headings: the numbered list of
    questions (numbers outside the links) and each section's cell of links are contents; a row
    all in bold (a question's number and words) heads the answer's row; the answer's cell holds
    paragraphs of the page, not a table's rows. A table of data keeps its rows, bold or not."""
    page = (
        "<html><body><h1>Gauges FAQ</h1>"
        '<dl><dt>1. <a href="faq.html#f.bg">Background</a></dt>'
        '<dd>1.1. <a href="faq.html#f.say">How do you say "Gauge"?</a></dd></dl>'
        '<table summary="Q and A"><tr><td colspan="2"><h3><a name="f.bg"></a>1. Background</h3>'
        '</td></tr><tr><td colspan="2">1.1. <a href="faq.html#f.say">How do you say "Gauge"?'
        '</a><br>1.2. <a href="faq.html#f.old">How old is it?</a><br></td></tr>'
        '<tr><td><a name="f.say"></a><b>1.1.</b></td><td><b>How do you say "Gauge"?</b></td></tr>'
        "<tr><td></td><td><p>Like cage. Rhymes with page.</p><p>Most get it wrong.</p></td></tr>"
        '<tr><td><a name="f.old"></a><b>1.2.</b></td><td><b>How old is it?</b></td></tr>'
        "<tr><td></td><td><p>Ten years.</p></td></tr></table>"
        "<table><tr><td><b>Well</b></td><td><b>Depth</b></td></tr>"
        "<tr><td>North</td><td>4 m</td></tr></table></body></html>"
    )
    page_of = parse_html(page)
    assert page_of.text == (
        'Gauges FAQ\n\n1. Background\n\n1.1. How do you say "Gauge"?\n\n'
        "Like cage. Rhymes with page.\n\nMost get it wrong.\n\n1.2. How old is it?\n\n"
        "Ten years.\n\nWell | Depth\n\nNorth | 4 m"
    )
    headings = [page_of.text[start:end] for start, end, _ in page_of.headings]
    assert headings == [
        "Gauges FAQ",
        "1. Background",
        '1.1. How do you say "Gauge"?',
        "1.2. How old is it?",
    ]
    kinds = {page_of.text[b.start : b.end]: b.kind for b in page_of.blocks}
    assert kinds["Like cage. Rhymes with page."] == "paragraph"
    assert kinds["North | 4 m"] == "table"


def test_html_described_objects_are_sections_and_plain_definition_lists_stay_lists() -> None:
    """Sphinx writes a function, a setting or a glossary term as a definition list whose terms
    are link targets: each term heads its description, one level below its section (a method
    one below its class), a heading of kind ``term``; a definition list without targets is a
    list."""
    page = (
        "<html><body><main><h1>gauges</h1><h2>Reading</h2>"
        '<dl class="py function"><dt class="sig" id="gauges.read">gauges.read(well)'
        '<a class="headerlink" href="#gauges.read">\u00b6</a></dt>'
        "<dd><p>Return the water level of <em>well</em>.</p>"
        '<dl class="py method"><dt id="gauges.Well.reset">reset()</dt>'
        "<dd><p>Zero the gauge.</p></dd></dl></dd></dl>"
        "<dl><dt>Silt</dt><dd>Fine sand in the well.</dd></dl></main></body></html>"
    )
    parsed = parse_html(page)
    assert [(parsed.text[b.start : b.end], b.kind, b.level) for b in parsed.blocks] == [
        ("gauges", "heading", 1),
        ("Reading", "heading", 2),
        ("gauges.read(well)", "term", 3),
        ("Return the water level of well.", "paragraph", 0),
        ("reset()", "term", 4),
        ("Zero the gauge.", "paragraph", 0),
        ("Silt", "list_item", 1),
        ("Fine sand in the well.", "list_item", 1),
    ]


def test_html_terms_holding_an_anchor_are_described_objects() -> None:
    """DocBook (Valgrind's manual) marks each option's place with an empty anchor inside its
    term: the option heads its description, as a term with an id does; a term holding only a
    link that shows text is still a list item."""
    page = (
        "<html><body><h1>Options</h1><dl>"
        '<dt><a name="opt.depth"></a><span class="term"><code>--depth=&lt;n&gt; '
        "[default: 12]</code></span></dt><dd><p>Sets how deep the gauge reads.</p></dd>"
        '<dt><a name="opt.quiet"></a><span class="term"><code>-q, --quiet</code></span></dt>'
        "<dd><p>Prints nothing.</p></dd></dl>"
        '<dl><dt><a href="other.html#silt">Silt</a></dt><dd>Fine sand.</dd></dl></body></html>'
    )
    parsed = parse_html(page)
    assert [(parsed.text[b.start : b.end], b.kind) for b in parsed.blocks] == [
        ("Options", "heading"),
        ("--depth=<n> [default: 12]", "term"),
        ("Sets how deep the gauge reads.", "paragraph"),
        ("-q, --quiet", "term"),
        ("Prints nothing.", "paragraph"),
        ("Silt", "list_item"),
        ("Fine sand.", "list_item"),
    ]
    headings = [parsed.text[start:end] for start, end, _ in parsed.headings]
    assert headings == ["Options", "--depth=<n> [default: 12]", "-q, --quiet"]


def test_a_described_objects_term_heads_its_section_and_is_a_candidate(tmp_path: Path) -> None:
    """The term states the object's form and defaults ("[default: 12]"), which its
    description may not repeat: it heads its section and is quoted too; a heading is not."""
    page = (
        "<html><body><h1>Options</h1><dl>"
        '<dt id="opt.depth"><code>--depth=&lt;n&gt; [default: 12]</code></dt>'
        "<dd><p>Sets how deep the gauge reads.</p></dd></dl></body></html>"
    )
    path = tmp_path / "opts.html"
    path.write_text(page, encoding="utf-8")
    document = analyze_loaded("opts.html", "opts.html", load_file(path))
    assert [s.title for s in document.sections] == ["Options", "--depth=<n> [default: 12]"]
    quoted = [(c.role, document.text[c.start : c.end]) for c in answer_candidates(document)]
    assert quoted == [
        ("list_item", "--depth=<n> [default: 12]"),
        ("sentence", "Sets how deep the gauge reads."),
    ]


def test_html_admonition_title_is_a_label_not_text() -> None:
    page = (
        "<html><body><main><h1>Gauges</h1><p>Read the gauge daily.</p>"
        '<div class="admonition note"><p class="admonition-title">Note</p>'
        "<p>The gauge freezes in winter.</p></div></main></body></html>"
    )
    parsed = parse_html(page)
    assert [parsed.text[b.start : b.end] for b in parsed.blocks] == [
        "Gauges",
        "Read the gauge daily.",
        "The gauge freezes in winter.",
    ]
    assert "Note" not in parsed.text


def test_html_docbook_admonition_heading_opens_no_section() -> None:
    """DocBook writes a note's label as a heading (PostgreSQL's manual): the options after the
    note stay in the section "Options", and the note's text is read as the page's."""
    page = (
        "<html><body><h2>Options</h2><dl><dt>-a</dt><dd><p>Dump all.</p></dd></dl>"
        '<div class="note"><h3 class="title">Note</h3><p>Dumps may be large.</p></div>'
        "<dl><dt>-b</dt><dd><p>Dump blobs.</p></dd></dl>"
        '<div class="release-note"><h3>Version 2</h3><p>New in 2.</p></div></body></html>'
    )
    parsed = parse_html(page)
    headings = [parsed.text[b.start : b.end] for b in parsed.blocks if b.kind == "heading"]
    assert headings == ["Options", "Version 2"]
    assert "Dumps may be large." in parsed.text
    assert "Note" not in parsed.text


def test_html_terms_in_a_row_are_one_term() -> None:
    """Texinfo writes an option's two forms as two terms over one description: one item, a name
    a line, as DocBook's ``<dt>-v<br>--verbose</dt>`` is."""
    body = (
        "<h1>Options</h1><dl><dt><code>-v</code></dt><dt><code>--verbose</code>"
        "</dt><dd><p>Use the verbose format.</p></dd><dt>-q</dt><dd><p>Say nothing.</p></dd>"
        "</dl>"
    )
    assert _html_blocks(body) == [
        ("Options", "heading"),
        ("-v\n--verbose", "list_item"),
        ("Use the verbose format.", "list_item"),
        ("-q", "list_item"),
        ("Say nothing.", "list_item"),
    ]


def test_html_labelled_list_laid_out_as_a_table_is_a_definition_list() -> None:
    """DocBook and AsciiDoc lay out a horizontal labelled list as a table, a label and its
    description a row (Ninja's manual: "query" beside "dump the inputs and outputs of a given
    target."): read as ``<dl>`` is. A data table, its cells bare text or headed, stays a table."""
    labelled = (
        "<table><tr><td><p><code>read</code></p></td><td><p>print the level.</p>"
        "<pre>gauge -t read</pre><p>It waits for the tide.</p></td></tr>"
        "<tr><td><p><code>reset</code></p></td><td><p>zero the gauge.</p></td></tr></table>"
    )
    assert _html_blocks(f"<h1>Tools</h1>{labelled}") == [
        ("Tools", "heading"),
        ("read", "list_item"),
        ("print the level.\n\ngauge -t read\n\nIt waits for the tide.", "list_item"),
        ("gauge -t read", "item_code"),  # the description's later parts are its own
        ("It waits for the tide.", "item_text"),
        ("reset", "list_item"),
        ("zero the gauge.", "list_item"),
    ]
    for data in (
        "<table><tr><td>read</td><td>print the level.</td></tr>"
        "<tr><td>reset</td><td>zero the gauge.</td></tr></table>",
        "<table><tr><th>Tool</th><th>Does</th></tr><tr><td><p>read</p></td>"
        "<td><p>print the level.</p></td></tr><tr><td><p>reset</p></td>"
        "<td><p>zero the gauge.</p></td></tr></table>",
    ):
        parsed = parse_html(f"<html><body><h1>Tools</h1>{data}</body></html>")
        assert {b.kind for b in parsed.blocks} == {"heading", "table"}


def test_html_a_table_cell_in_paragraphs_stays_in_its_row() -> None:
    """Node.js's history tables lay a change out in a paragraph ("<td>v14.2.0</td><td><p>The
    <code>groupIndentation</code> option was introduced.</p></td>"): the row is one block, its
    version beside its change, not two (the change quoted under the row above's version)."""
    body = (
        "<h1>Gauges</h1><table><tr><th>Version</th><th>Changes</th></tr>"
        "<tr><td>v2.0</td><td><p>The <code>depth</code> option was added.</p><p>Faster.</p></td>"
        "</tr><tr><td>v1.0</td><td><p>Added.</p></td></tr></table>"
    )
    assert _html_blocks(body) == [
        ("Gauges", "heading"),
        ("Version | Changes", "table"),
        ("v2.0 | The depth option was added. Faster.", "table"),
        ("v1.0 | Added.", "table"),
    ]


def test_html_comments_and_related_articles_stay_furniture() -> None:
    page = (
        "<html><body><main><h1>Harbour news</h1><p>The quay reopens in May.</p></main>"
        '<section class="related-posts"><article><h2>Winter tides</h2><p>Old story.</p>'
        '</article></section><div id="comments"><article class="comment-body"><p>Great!</p>'
        "</article></div></body></html>"
    )
    text, _ = load_html(page)
    assert text == "Harbour news\n\nThe quay reopens in May."


def test_html_aside_inside_the_main_content_is_the_texts_own() -> None:
    """docutils writes footnotes as ``<aside class="footnote">`` inside the page's body (Sphinx:
    ``role="main"``); they were dropped with the site's sidebars. An aside outside the main
    content stays out (``page.html``'s "Popular stories")."""
    page = (
        '<html><body><div class="body" role="main"><h1>Quickstart</h1>'
        "<p>Store it on g.<a href='#f1'>[1]</a></p>"
        '<aside class="footnote-list"><aside class="footnote" id="f1" role="note">'
        "<p>The g object holds data for one request.</p></aside></aside></div>"
        "<aside><p>Popular pages</p></aside></body></html>"
    )
    text, _ = load_html(page)
    assert "The g object holds data for one request." in text
    assert "Popular pages" not in text
    article = "<html><body><article><p>Tides rise.</p><aside><p>Moon pulls.</p></aside></article>"
    assert load_html(article + "</body></html>")[0] == "Tides rise.\n\nMoon pulls."
    # A box of links inside the text (a news page's "Related" stories) is no text of its own.
    related = (
        "<html><body><article><p>Tides rise.</p><aside><h3>Related</h3><ul>"
        "<li><a href='/a'>Storm surge warning</a></li><li><a href='/b'>New pier</a></li>"
        "</ul></aside></article></body></html>"
    )
    assert load_html(related)[0] == "Tides rise."
    cited = related.replace("<li><a href='/b'>New pier</a></li>", "").replace(
        "<a href='/a'>Storm surge warning</a>", "<a href='https://t.example'>https://t.example</a>"
    )
    assert "https://t.example" in load_html(cited)[0]  # a footnote that is an address


def test_html_pager_links_are_furniture() -> None:
    """Texinfo's "Next: ..., Previous: ..., Up: ..." over every page was quoted as a sentence;
    a paragraph saying more around such a link is content."""
    page = (
        '<html><body><div class="header"><p>Next: <a href="b.html" rel="next">Berths</a>, '
        'Previous: <a href="a.html" rel="prev">Anchors</a>, Up: <a href="i.html" rel="up">'
        'Harbour</a> &nbsp; [<a href="x.html" rel="index">Index</a>]</p></div>'
        "<h2>4 Tides</h2><p>Tides turn twice a day.</p>"
        '<p>The harbour master explains in <a href="b.html" rel="next">Berths</a> how boats '
        "are moored at low tide.</p></body></html>"
    )
    text, _ = load_html(page)
    assert text == (
        "4 Tides\n\nTides turn twice a day.\n\nThe harbour master explains in Berths how "
        "boats are moored at low tide."
    )
    # A page that is a heading, a pager and a menu of links keeps its heading and menu.
    menu = (
        '<html><body><div class="section"><div class="header"><p>Next: <a href="b.html" '
        'rel="next">Berths</a></p></div><h3>2.3 Tides</h3><ul><li><a href="s.html">Spring tides'
        "</a></li></ul></div></body></html>"
    )
    text, _ = load_html(menu)
    assert text == "2.3 Tides\n\n- Spring tides"


def test_pdf_running_heads_and_page_numbers_are_furniture_and_a_list_runs_on(
    tmp_path: Path,
) -> None:
    from ingest.analyze import analyze_document
    from ingest.candidates import answer_candidates

    path = tmp_path / "guide.pdf"
    path.write_bytes(
        _pdf_with_pages(
            "Harbour Guide\nThe harbour opens at six every morning.\n1",
            "Harbour Guide\nThe marina offers the following berth types:\n2",
            "Harbour Guide\n- Short-stay pontoons for visiting yachts.\n- Swinging moorings.\n3",
            "Harbour Guide\nThe office closes at nine.\n4",
        )
    )
    loaded = load_file(path)
    text = loaded.text
    assert sorted(text[s.start : s.end] for s in loaded.furniture) == sorted(
        ["Harbour Guide"] * 3 + ["1", "2", "3", "4"]
    )
    assert loaded.furniture[0].start > 0  # the first line is the title, not a running head
    doc = analyze_document(
        "guide.pdf", str(path), text, loaded.media_type, furniture=loaded.furniture
    )
    quotes = [text[c.start : c.end] for c in answer_candidates(doc)]
    assert any(q.endswith("The harbour opens at six every morning.") for q in quotes)
    assert "The office closes at nine." in quotes
    assert not any(q.strip() in {"1", "2", "3", "4"} for q in quotes)
    assert sum("Harbour Guide" in q for q in quotes) <= 1
    assert doc.gaps == []  # the list goes on after the page break and its running head
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(
        _pdf_with_pages(
            "Harbour Guide\nThe harbour opens at six every morning.\n1",
            "Harbour Guide\nVisiting boats pay at the office.\n2",
            "Harbour Guide\nThe marina offers the following berth types:\n3",
        )
    )
    loaded = load_file(cut)  # the list never comes: only a page number follows the introduction
    doc = analyze_document(
        "cut.pdf", str(cut), loaded.text, loaded.media_type, furniture=loaded.furniture
    )
    assert [g.announcement for g in doc.gaps] == ["The marina offers the following berth types:"]


@pytest.mark.parametrize("number", ["2", "Page 2", "2 of 2", "- 2 -"])
def test_a_page_number_ends_a_short_pdf_as_furniture_so_a_cut_list_is_a_gap(
    tmp_path: Path, number: str
) -> None:
    """Two pages are too few for the number to recur as a running foot; a line that is only a
    page number is furniture all the same, and the introduction it follows is a gap."""
    from ingest.analyze import analyze_document

    path = tmp_path / "cut.pdf"
    path.write_bytes(
        _pdf_with_pages(
            f"Harbour Guide\nThe harbour opens at six every morning.\n{number.replace('2', '1')}",
            f"Visiting boats pay at the office.\nThe marina offers the following berth types:\n"
            f"{number}",
        )
    )
    loaded = load_file(path)
    assert [loaded.text[s.start : s.end] for s in loaded.furniture] == [
        number.replace("2", "1"),
        number,
    ]
    doc = analyze_document(
        "cut.pdf", str(path), loaded.text, loaded.media_type, furniture=loaded.furniture
    )
    assert [g.announcement for g in doc.gaps] == ["The marina offers the following berth types:"]


def test_pdf_numbered_section_titles_are_headings_while_their_numbers_run_in_order(
    tmp_path: Path,
) -> None:
    from ingest.analyze import analyze_document
    from ingest.candidates import answer_candidates

    path = tmp_path / "manual.pdf"
    path.write_bytes(
        _pdf_with_pages(
            "Tide Tables Manual\nContents\n1 Introduction. . . . . . 1\n2 Reading a table. . . 2",
            "1 Introduction\nThe tables give the height of water at each port.\n"
            "2 Reading a table\n2.1 Columns\nThe first column is the hour.\n"
            "2.2 Units\nHeights are in metres.\n3 Ports\nEvery port has its own table. The "
            "office is at\n7 Harbour Road\nin the old town.",
        )
    )
    loaded = load_file(path)
    text = loaded.text
    doc = analyze_document("manual.pdf", str(path), text, loaded.media_type)
    # Table-of-contents lines (leader dots) and a line whose number breaks the order are not.
    assert [(s.level, s.title) for s in doc.sections] == [
        (1, "1 Introduction"),
        (1, "2 Reading a table"),
        (2, "2.1 Columns"),
        (2, "2.2 Units"),
        (1, "3 Ports"),
    ]
    quotes = [text[c.start : c.end] for c in answer_candidates(doc)]
    # A heading is no longer glued to the sentence after it.
    assert "The first column is the hour." in quotes
    assert not any("2.1 Columns" in q for q in quotes)
    # One numbered line alone is no numbering.
    single = tmp_path / "note.pdf"
    single.write_bytes(_pdf_with_pages("Harbour note\n1 Introduction\nThe quay opens in May."))
    loaded = load_file(single)
    note = analyze_document("note.pdf", str(single), loaded.text, loaded.media_type)
    assert note.sections == []


def test_html_a_bars_heading_outside_the_main_content_is_not_the_pages_title(
    tmp_path: Path,
) -> None:
    """mdBook puts the book's name in a bar over every page (``<h1 class="menu-title">``,
    outside ``<main>``): it was read as each page's title.  With a level-1 heading of its own in
    the main content, a heading outside it belongs to the site; without one it stays."""
    bar = '<div class="menu-bar"><h1 class="menu-title">The Tide Book</h1></div>'
    page = f"<html><body>{bar}<main><h1>Gauges</h1><p>A gauge reads the tide.</p></main>"
    path = tmp_path / "gauges.html"
    path.write_text(page + "</body></html>", encoding="utf-8")
    document = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert document.title == "Gauges"
    assert "The Tide Book" not in document.text
    untitled = f"<html><body>{bar}<main><p>A gauge reads the tide.</p></main></body></html>"
    path.write_text(untitled, encoding="utf-8")
    kept = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert kept.title == "The Tide Book"
    assert _html_blocks(f"{bar}<h1>Gauges</h1><p>A gauge reads the tide.</p>")[0] == (
        "The Tide Book",
        "heading",
    )


def test_html_an_elements_link_to_itself_is_a_label_not_text() -> None:
    """The Rust Reference labels each rule with a link to it (``<div class="rule" id="r-x"><a
    href="#r-x">[x]</a></div>``); the labels were paragraphs, one read between an introduction
    and its list.  A heading or a term that links to itself keeps its text."""
    rule = '<div class="rule" id="r-gauge.sync"><a href="#r-gauge.sync">[gauge.sync]</a></div>'
    body = (
        '<h1 id="gauges"><a href="#gauges">Gauges</a></h1>'
        f"<p>Gauges have two limits:</p>{rule}<ul><li>They read the tide.</li></ul>"
        '<dl><dt id="t-float"><a href="#t-float">float</a></dt><dd>The part that rises.</dd></dl>'
        '<p id="p-9"><a href="#p-9">Read</a> it twice.</p>'
    )
    assert _html_blocks(body) == [
        ("Gauges", "heading"),
        ("Gauges have two limits:", "paragraph"),
        ("- They read the tide.", "list_item"),
        ("float", "term"),
        ("The part that rises.", "paragraph"),
        ("Read it twice.", "paragraph"),
    ]


def test_html_an_element_in_the_navigation_role_is_navigation(tmp_path: Path) -> None:
    """Node.js's API pages write their sidebar of links to the other pages as ``<div
    role="navigation">``, not ``<nav>``: its links ("- Console", "- DNS") were list items of
    every page.  ARIA's navigation role is the landmark ``<nav>`` stands for; an element holding
    the page's content keeps it, whatever its role."""
    sidebar = (
        '<div role="navigation" id="column2"><ul><li><a href="gauges.html">Gauges</a></li>'
        '<li><a href="tides.html">Tide tables</a></li></ul></div>'
    )
    page = f'<html><body>{sidebar}<div role="main"><h2>Gauges</h2><p>A gauge reads the tide.</p>'
    path = tmp_path / "gauges.html"
    path.write_text(page + "</div></body></html>", encoding="utf-8")
    document = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert "Tide tables" not in document.text
    assert "A gauge reads the tide." in document.text
    wrapped = '<html><body><div role="navigation"><main><h1>Gauges</h1><p>A gauge reads.</p>'
    path.write_text(wrapped + "</main></div></body></html>", encoding="utf-8")
    kept = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert "A gauge reads." in kept.text


def test_html_the_sites_name_over_the_page_is_not_its_title(tmp_path: Path) -> None:
    """Node.js's API pages hold the site's name as an ``<h1>`` over each page and their own
    name as the ``<h2>`` opening the main content: every page was titled "Node.js v20.20.2
    documentation".  The page's ``<title>`` names both ("Console | Node.js v20.20.2
    Documentation"): the heading outside the main content that is the other name is the site's.
    A heading the ``<title>`` does not pair with the main content's first one stays."""

    def titled(title: str, bar: str, main: str) -> tuple[str | None, str]:
        page = f"<html><head><title>{title}</title></head><body><header><h1>{bar}</h1></header>"
        path = tmp_path / "gauges.html"
        path.write_text(f'{page}<div role="main">{main}</div></body></html>', encoding="utf-8")
        document = analyze_loaded("gauges.html", "gauges.html", load_file(path))
        return document.title, document.text

    main = "<h2>Gauges</h2><p>A gauge reads the tide.</p><h3>Floats</h3><p>Floats rise.</p>"
    title, text = titled("Gauges | Tide Docs", "Tide docs", main)
    assert title == "Gauges" and "Tide docs" not in text
    # A post's own name over an introduction: the <title> pairs the bar with no heading inside.
    title, text = titled("Gauges | Tide Docs", "Gauges", "<h2>Intro</h2><p>A gauge reads.</p>")
    assert title == "Gauges" and text.startswith("Gauges")
    title, _ = titled("Tide Docs", "Tide docs", main)
    assert title == "Tide docs"


def test_html_a_list_of_links_outside_the_marked_main_content_is_the_sites(
    tmp_path: Path,
) -> None:
    """Node.js's API pages list every other page again in their header, with the releases and
    "Edit on GitHub", outside the main content they mark with ``role="main"``: those lists
    were list items of every page.  Inside the main content, or on a page that marks none, a
    list of links is the page's own."""
    menu = (
        '<ul><li><a href="tides.html">Tide tables</a></li><li><a href="v2.html">2.x</a></li></ul>'
    )
    own = (
        '<ul><li><a href="floats.html">Floats</a></li><li><a href="pumps.html">Pumps</a></li></ul>'
    )
    body = f"<header>{menu}</header><h2>Gauges</h2><p>A gauge reads the tide.</p>{own}"
    marked = f'<html><body><header>{menu}</header><div role="main"><h2>Gauges</h2>{own}</div>'
    path = tmp_path / "gauges.html"
    path.write_text(marked + "</body></html>", encoding="utf-8")
    document = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert "Tide tables" not in document.text and "Floats" in document.text
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    unmarked = analyze_loaded("gauges.html", "gauges.html", load_file(path))
    assert "Tide tables" in unmarked.text and "Floats" in unmarked.text
