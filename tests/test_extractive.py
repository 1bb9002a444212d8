"""The extractive backend's choice of passage, on hand-made scored candidates (no model)."""

from __future__ import annotations

from ingest.analyze import analyze_document
from qa.backends import Hints
from qa.backends.extractive import ExtractiveBackend
from qa.signals import ScoredSentence, Sentence
from qa.text import term_set
from qa.types import Claim

REPLY = "No.  The format was never documented.  In any case, it is not worth the effort."


def candidate(
    text: str, source: str, score: float, section: str = "Does Tide read the 64 format?"
) -> ScoredSentence:
    start = source.index(text)
    sentence = Sentence("faq", "c", section, start, start + len(text), text, 0)
    return ScoredSentence(sentence, 0.5, 0.5, score, term_set(text))


def test_a_replys_sentences_that_lead_up_to_the_best_come_before_it() -> None:
    """Under a FAQ's question, "No." and the sentence after it lead up to the best "In any
    case, ..."; they add no word of the question, but they are the reply the best goes on
    with.  Under a heading that asks nothing, the best opens the answer as before."""
    best = candidate("In any case, it is not worth the effort.", REPLY, 0.48)
    reply = candidate("No.", REPLY, 0.45)
    reason = candidate("The format was never documented.", REPLY, 0.41)
    far = candidate("The format was never documented.", REPLY, 0.2)
    backend = ExtractiveBackend()
    question = "Does Tide read the 64 layout?"
    chosen = backend.select(question, [best, reply, reason])
    assert [c.sentence.text for c in chosen] == [
        reply.sentence.text,
        reason.sentence.text,
        best.sentence.text,
    ]
    # A runner-up far below the best stays out, and so does what only it would lead to.
    assert [c.sentence.text for c in backend.select(question, [best, reply, far])] == [
        best.sentence.text
    ]
    titled = [candidate(c.sentence.text, REPLY, c.score, "Formats") for c in (best, reply, reason)]
    assert backend.select(question, titled) == titled[:1]


def test_runners_up_after_the_best_follow_it_in_passes_and_the_cap_holds() -> None:
    """A runner-up right after one that joined later in the pass joins too (passes repeat);
    the passage reads in text order and stops at ``max_sentences``."""
    text = "Tide reads tables.  It writes them too.  It also prints them.  It never deletes them."
    parts = [
        "Tide reads tables.",
        "It writes them too.",
        "It also prints them.",
        "It never deletes them.",
    ]
    first, second, third, fourth = (candidate(p, text, 0.9, "Tables") for p in parts)
    ranked = [first, third, second, fourth]
    chosen = ExtractiveBackend(max_sentences=3).select("What does Tide do with tables?", ranked)
    assert [c.sentence.text for c in chosen] == parts[:3]


def test_asked_why_the_sentence_referring_back_to_the_best_gives_the_reason() -> None:
    """systemd's "the `tty` group must have the GID 5. That's because it must be encoded in the
    `devpts` mount parameters ...": the reason shares no word with "Why does the tty group
    have to be GID 5?" and ranked far below.  Asked why, the sentence right after the best that
    refers back to it comes with it, however low; asked anything else, only one ranked close."""
    text = (
        "The tty group must have the GID 5.  That's because devpts reads it at boot.  "
        "Groups are listed below."
    )
    best = candidate("The tty group must have the GID 5.", text, 0.76, "Groups")
    others = [candidate(f"Filler {i}.", f"Filler {i}.", 0.1, "Other") for i in range(4)]
    reason = candidate("That's because devpts reads it at boot.", text, 0.05, "Groups")
    ranked = [best, *others, reason]
    backend = ExtractiveBackend()
    why = backend.select("Why does the tty group have to be GID 5?", ranked)
    assert [c.sentence.text for c in why] == [best.sentence.text, reason.sentence.text]
    which = backend.select("Which GID must the tty group have?", ranked)
    assert [c.sentence.text for c in which] == [best.sentence.text]


def test_an_introduction_that_refers_back_comes_with_the_sentence_it_refers_to() -> None:
    """bm25s's "You can use the `mmap` option to load the index as a memory-mapped file. This
    is useful when you have a large index and want to save memory:" was answered with the
    introduction alone, whose "This" says nothing without the sentence before it; a sentence
    that refers back already brought it."""
    before = "Load the tide table with the mmap option, which keeps it on disk."
    intro = "This is useful when the table is large:"
    text = f"# Tables\n\n{before} {intro}\n\n```python\nload(mmap=True)\n```\n"
    document = analyze_document("t.md", "t.md", text, "text/markdown")
    start = text.index(intro)
    sentence = Sentence(
        "t.md",
        "c",
        None,
        start,
        start + len(intro),
        intro,
        0,
        "list_intro",
        context=before,
        context_start=text.index(before),
        context_end=text.index(before) + len(before),
    )
    hints = Hints(
        scored=[ScoredSentence(sentence, 0.5, 0.5, 0.9, term_set(intro))], documents=[document]
    )
    quotes = [
        c.quote
        for c in ExtractiveBackend().answer("How do I load a large table?", [], hints).claims
    ]
    assert quotes[:2] == [before, intro]


def test_a_close_introduction_of_code_next_to_the_best_does_not_join_it() -> None:
    """ "Reading the gauge::" right after the reply, close to it for no word of the question,
    joined it and brought its example; an introduction of a list ("So, all these are
    different origins:") still goes on with the passage before it."""

    def scored(text: str, source: str, score: float, role: str) -> ScoredSentence:
        start = source.index(text)
        sentence = Sentence("d", "c", "Gauges", start, start + len(text), text, 0, role)
        return ScoredSentence(sentence, 0.5, 0.5, score, term_set(text))

    reply = "The gauge reloads its table, so you never restart it."
    for after, role in (("gauge read --port 7", "code"), ("at the north quay", "list_item")):
        intro = "Reading the gauge:"
        text = f"{reply}\n\n{intro}\n\n    {after}\n"
        ranked = [
            scored(reply, text, 0.23, "sentence"),
            scored(intro, text, 0.10, "list_intro"),
            scored(after, text, 0.01, role),
        ]
        chosen = ExtractiveBackend().select("Do I restart the gauge?", ranked)
        joined = [c.sentence.text for c in chosen]
        assert joined == ([reply] if role == "code" else [reply, intro]), joined


def test_an_item_that_is_no_sentence_comes_with_its_lists_introduction() -> None:
    """ "Does the library support lossless coding?" had "Lossless coding" for its answer, an
    item of the list "Unsupported options include:" introduces: the item alone says the
    opposite of the text. An item that is a sentence of its own comes alone."""
    text = (
        "Unsupported options include:\n\n- Hierarchical storage\n- Lossless coding\n\n"
        "Supported modes are these:\n\n- Progressive files are read and written.\n"
    )
    document = analyze_document("lib.md", "lib.md", text, "text/markdown")
    backend = ExtractiveBackend()

    def answer(item: str) -> list[str]:
        start = text.index(item)
        sentence = Sentence("lib.md", "c", None, start, start + len(item), item, 0, "list_item")
        scored = ScoredSentence(sentence, 0.5, 0.5, 0.9, term_set(item))
        hints = Hints(scored=[scored], documents=[document])
        return [c.quote for c in backend.answer("Is it supported?", [], hints).claims]

    assert answer("Lossless coding") == ["Unsupported options include:", "Lossless coding"]
    assert answer("Progressive files are read and written.") == [
        "Progressive files are read and written."
    ]


def test_an_introduction_over_a_table_is_answered_with_its_rows_under_the_header() -> None:
    """ "... you will need to use an older major version:" over a table of versions was
    answered with the introduction and the header row: a table is no list, and the rows,
    ranked low, stayed out. The header and the rows answer, each quoted as stored."""
    table = "| Version | Python |\n| ------- | ------ |\n| 5.x | >=3.10 |\n| 4.x | >=3.8 |\n"
    text = f"# Tool\n\nOn an old Python, use an older version:\n\n{table}\nMore text.\n"
    intro = "On an old Python, use an older version:"
    claims = _answer_led_by(text, intro, "list_intro", "Which Python does 4.x need?")
    assert [c.quote for c in claims] == [
        intro,
        "| Version | Python |",
        "| 5.x | >=3.10 |",
        "| 4.x | >=3.8 |",
    ]
    assert all(
        c.quote == text[text.index(c.quote) : text.index(c.quote) + len(c.quote)] for c in claims
    )
    assert claims[-1].text == "| 4.x | >=3.8 |"  # a row ends with its border, no full stop added


def test_a_header_row_is_answered_with_the_rows_it_heads() -> None:
    """ "How does X compare to Y?" was answered with a comparison table's header row alone,
    which says only what the columns are."""
    table = (
        "| Feature | Tide | Ebb |\n| --- | --- | --- |\n| Fast | yes | no |\n| Free | yes | yes |\n"
    )
    text = f"# Tools\n\nTwo tools.\n\n{table}\nMore text.\n"
    header, row = "| Feature | Tide | Ebb |", "| Fast | yes | no |"
    claims = _answer_led_by(text, header, "table_row", "How does Tide compare to Ebb?")
    assert [c.quote for c in claims] == [header, row, "| Free | yes | yes |"]
    assert [c.quote for c in _answer_led_by(text, row, "table_row", "Is Ebb fast?")] == [row]


def _answer_led_by(text: str, quote: str, role: str, question: str) -> list[Claim]:
    """The extractive answer to ``question`` when ``quote`` of the Markdown ``text`` is the
    best (and only) candidate."""
    document = analyze_document("t.md", "t.md", text, "text/markdown")
    start = text.index(quote)
    sentence = Sentence("t.md", "c", None, start, start + len(quote), quote, 0, role)
    hints = Hints(
        scored=[ScoredSentence(sentence, 0.5, 0.5, 0.9, term_set(quote))], documents=[document]
    )
    return ExtractiveBackend().answer(question, [], hints).claims
