"""The truncation-test generator: cut and intact copies, questions, splits and figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import load_dataset
from eval.truncation import VARIANTS, generate, list_questions, main, split_of

DATA = Path(__file__).parent / "data"


def test_generates_copies_datasets_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = generate([DATA / "structure", DATA / "corpus_b"], out, per_document=2)
    copies = manifest["copies"]
    cuts = [c for c in copies if c["kind"] == "cut"]
    assert cuts and {c["variant"] for c in cuts} <= set(VARIANTS)
    for copy in cuts:
        cut_text = (out / copy["path"]).read_text(encoding="utf-8")
        source = out / copy["path"].replace(f"corpus-cut-{copy['round']}", "corpus-intact")
        original = source.read_text(encoding="utf-8")
        # The cut copy is the original up to the end of the introducing sentence.
        assert cut_text.startswith(original[: copy["intro_end"]])
        assert original[: copy["intro_end"]].rstrip("*_` ").endswith(":")
    # Each source document lands in one split only.
    for copy in copies:
        assert copy["split"] == split_of(copy["source"])
    figures = manifest["figures"]
    assert figures["gap_recorded_on_cut"] == 1.0
    assert figures["false_gaps_on_intact"] == 0.0
    for name in manifest["datasets"]:
        dataset = load_dataset(out / name)
        assert dataset.corpus is not None and dataset.corpus.is_dir()
        for case in dataset.cases:
            if case.expect == "refuse":
                assert case.refusal_reason == "source_truncated" and case.must_not_contain
                assert not any(w.lower() in case.question.lower() for w in case.must_not_contain)
            else:
                assert case.cited_contains_any
    saved = json.loads((out / "manifest.json").read_text())
    assert saved["figures"] == figures


def test_an_introduction_worded_like_another_is_not_asked_about(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    shared = "The following arguments are supported by this command:"
    (corpus / "build.md").write_text(
        f"# Build\n\n{shared}\n\n- parallel jobs\n- build target\n- verbose output\n"
    )
    (corpus / "serve.md").write_text(
        f"# Serve\n\n{shared}\n\n- listening port\n- server host\n- automatic reload\n\n"
        "The server writes its log to these three places:\n\n"
        "- console\n- rotating files\n- syslog\n"
    )
    manifest = generate([corpus], tmp_path / "out", per_document=2)
    asked = {(c["source"], c["intro_end"]) for c in manifest["copies"] if c["kind"] == "cut"}
    serve = (corpus / "serve.md").read_text()
    # Only the introduction no other one shares is cut and asked about.
    assert asked == {("docs/serve.md", serve.index("places:") + len("places:"))}


def test_questions_are_written_from_the_introduction() -> None:
    from eval.truncation import Introduction

    intro = Introduction(
        source="d.md",
        suffix=".md",
        intro_start=0,
        intro_end=40,
        intro="The marina offers the following berth types:",
        items=["a b", "c d"],
        item_fragments=["a b", "c d"],
        noun="berth types",
    )
    forms = dict(list_questions(intro))
    assert set(forms) == {"which", "first", "how-many", "list", "general-knowledge"}
    assert all("The marina offers the following berth types" in q for q in forms.values())
    assert forms["how-many"].startswith("How many berth types")


def test_cli_rejects_a_missing_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such corpus" in capsys.readouterr().err


def test_cli_refuses_an_out_folder_it_did_not_write_and_a_corpus_it_cannot_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.html").write_text("<h1>Ports</h1><p>The ports are:</p><ul><li>a</li></ul>")
    assert main(["--corpus", str(corpus), "--out", str(tmp_path / "new" / "out")]) == 2
    assert "HTML and PDF files are not cut" in capsys.readouterr().err
    rendered = ["--corpus", str(corpus), "--out", str(tmp_path / "r"), "--render", "html"]
    assert main(rendered) == 2
    assert "renders Markdown files" in capsys.readouterr().err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own notes")
    (corpus / "guide.md").write_text("# Guide\n\nThe ports are:\n\n- 80\n- 443\n- 8080\n")
    assert main(["--corpus", str(corpus), "--out", str(mine)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "my own notes"
    out = tmp_path / "new" / "out"
    assert main(["--corpus", str(corpus), "--out", str(out)]) == 0
    assert main(["--corpus", str(corpus), "--out", str(out)]) == 0  # its own output is replaced
    assert (out / "manifest.json").is_file()


def test_an_introduction_is_quoted_with_its_inline_annotations() -> None:
    """A type annotation in braces (``{Object}``) is text the reader sees: a quoted introduction
    keeps its words, so the question quotes the text's words in a row.  Anchors and includes
    (``{ #fees }``, ``{* src/app.py *}``) are markup and stay out."""
    from eval.truncation import plain

    assert plain("`options` {Object} Available options are:") == (
        "options Object Available options are:"
    )
    assert plain("## Fees { #fees }") == "Fees"
    assert plain("{* ../docs_src/app.py hl[3] *} The app has these parts:") == (
        "The app has these parts:"
    )


def test_html_copies_are_cut_after_rendering_with_links_resolved(tmp_path: Path) -> None:
    """``render="html"``: each copy is the page its Markdown renders to, cut after the
    introduction's paragraph; a reference link defined at the end of the file still renders as
    a link, and the questions' expected items are words of the page's stored text."""
    from ingest.loaders import load_file

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(
        "# Harbour guide\n\nThe harbour master keeps the tide tables for every visiting boat.\n\n"
        "The [marina office][office] rents out these berth types:\n\n"
        "- Short stay pontoons for visiting yachts\n- Swinging moorings in the outer basin\n"
        "- Dry storage on the quay\n\nBerths are booked by the week.\n\n"
        "[office]: https://example.org/office\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    manifest = generate([corpus], out, per_document=1, render="html")
    assert manifest["figures"]["gap_recorded_on_cut"] == 1.0
    assert manifest["figures"]["false_gaps_on_intact"] == 0.0
    cut = next(c for c in manifest["copies"] if c["kind"] == "cut")
    page = (out / cut["path"]).read_text(encoding="utf-8")
    assert cut["path"].endswith(".html") and 'href="https://example.org/office"' in page
    assert "Swinging" not in page
    stored = load_file(out / cut["path"]).text
    assert stored[cut["intro_start"] : cut["intro_end"]] == (
        "The marina office rents out these berth types:"
    )
    intact = load_dataset(next(out / n for n in manifest["datasets"] if "intact" in n))
    intact_text = load_file(next(intact.corpus.rglob("*.html"))).text if intact.corpus else ""
    for case in intact.cases:
        assert any(f in intact_text for f in case.cited_contains_any)


def test_html_copies_render_a_headings_attribute_list_as_its_id() -> None:
    """ "## Fees { #fees }" renders as MkDocs renders it, not with the braces as heading text
    (a section's title then reads "Fees" in both formats)."""
    from eval.truncation import _html_page

    page = _html_page(
        "# Extra Models { #extra-models }\n\nText `x` { #y }\n\n## Fees {#fees}\n", None
    )
    assert '<h1 id="extra-models">Extra Models</h1>' in page
    assert '<h2 id="fees">Fees</h2>' in page
    assert "<code>x</code> { #y }" in page  # only a heading's list is an attribute list
