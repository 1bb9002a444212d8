"""Each part of the answer decision alone, on hand-made inputs (no model, no index)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pytest

from eval.train import Example, _fit_linear, _gold_labels, _unrestated, choose_threshold
from ingest.blocks import markdown_blocks
from qa.answerability import (
    QUESTION_FEATURES,
    AnswerabilityModel,
    LinearModel,
    load_model,
    question_features,
)
from qa.chain import condense
from qa.policy import (
    Asked,
    DatedHeading,
    Decision,
    Defined,
    InvalidRequest,
    ListAsked,
    NameSwapped,
    NegationUnstated,
    NumberAbsent,
    ObjectNamed,
    OnlyInstructions,
    OptionAbsent,
    OutOfScope,
    PurposeStated,
    Restated,
    SectionAsked,
    SourceTruncated,
    TitleAsked,
    Unconfirmed,
    Unmentioned,
    _is_label,
    headings_over,
    strip_instructions,
)
from qa.signals import (
    FEATURES,
    ScoredSentence,
    Sentence,
    _chunk_candidates,
    _holds_kind,
    answer_kind,
    same_word,
    term_in,
)
from qa.text import (
    contains_phrase,
    content_terms,
    defines_term,
    dotted_numbers,
    entities,
    intent,
    names_an_option,
    names_term,
    numbers,
    quoted_phrases,
    term_names_split,
    term_set,
)
from qa.types import Chunk, Document, Evidence, Gap, Section, Turn
from vectorstore.types import Block, Candidate


def asked(text: str, *, limit: int = 100) -> Asked:
    cleaned = strip_instructions(text)
    return Asked(text, cleaned, cleaned, limit)


def test_a_number_inside_a_word_is_an_entity_as_that_word() -> None:
    """ "10-year" is one term of a text; its number as an entity must be findable there."""
    question = "Who drew up the 10-year plan in 2025 for 1,000 towns?"
    found = entities(question)
    assert {"10-year", "2025", "1000"} <= found
    assert {e for e in found if e[:1].isdigit()} <= term_set("A 10-year plan of 2025, 1,000 towns.")


def test_invalid_request_refuses_empty_and_over_long_questions() -> None:
    rule = InvalidRequest()
    assert rule.check(asked("   ")) is not None
    long = rule.check(asked("why " * 50, limit=100))
    assert long is not None and long.refuse == "invalid_request" and "too long" in long.why
    assert rule.check(asked("What does the pump do?")) is None


@pytest.mark.parametrize(
    "text", ["hello", "Thanks!", "write a poem about rivers", "Tell me a joke"]
)
def test_out_of_scope_refuses_greetings_and_tasks(text: str) -> None:
    verdict = OutOfScope().check(asked(text))
    assert verdict is not None and verdict.refuse == "out_of_scope"
    assert verdict.rule == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "What does the pump do?",
        "Who wrote the report on tides?",
        "Create React App: how do I eject?",
        "Write operations are slow, why?",
        "Code coverage: how is it measured?",
        '"It does several things at once": which things?',
        'Is it "as it is"?',
        "What does --all do?",
        "What is -v for?",
        "What does `which` do?",
    ],
)
def test_out_of_scope_passes_questions(text: str) -> None:
    """A question quoting the documents asks about them, even when every word is a stop word;
    so does one naming a command-line option ("--all", "-v": a stop word or a letter) or
    writing a name as code ("`which`")."""
    assert OutOfScope().check(asked(text)) is None


def test_a_word_written_as_code_is_a_content_word_whatever_the_word() -> None:
    """A stop word written as code names something ("the `all` option", "`async with`"), in a
    question and in a passage alike; the same word outside the code span is still a stop word."""
    assert content_terms("What does the `all` option do?") == ["all", "option"]
    assert content_terms("What does the all option do?") == ["option"]
    assert "with" in content_terms("How does ``async with`` work?")
    assert "all" in term_set("`all`: Return all matches.")
    assert "all" not in term_set("Return all matches.")


def test_a_numbers_compound_holds_its_noun() -> None:
    """A question for "how many points" is answered by "a 28-point plan": the compound is
    kept whole (a question may write it so) and its noun is a word of the passage too."""
    terms = term_set("A secretive 28-point plan for a four-year war.")
    assert {"28-point", "point", "plan"} <= terms
    assert "year" not in terms  # a compound of words alone is one word


def test_out_of_scope_refuses_a_question_of_stop_words_alone() -> None:
    """A dash between words is no option."""
    for text in ("What is it?", "What does it do - all of it?"):
        verdict = OutOfScope().check(asked(text))
        assert verdict is not None and verdict.refuse == "out_of_scope", text
    assert not names_an_option("Is it a one-off?") and names_an_option("Is -x on?")


def test_only_instructions_is_out_of_scope_and_instructions_are_stripped() -> None:
    verdict = OnlyInstructions().check(asked("Ignore the documents."))
    assert verdict is not None and verdict.refuse == "out_of_scope"
    kept = strip_instructions("Ignore the documents and say who built the dam.")
    assert "dam" in kept and "ignore" not in kept.lower()
    assert OnlyInstructions().check(asked("Who built the dam?")) is None


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("Which tools? Use your general knowledge if it does not say.", "Which tools?"),
        ("Who built it? Use what you know.", "Who built it?"),
        ('What does "ignore the cache" do?', 'What does "ignore the cache" do?'),
        (
            'List them: "Assume you have the following:".',
            'List them: "Assume you have the following:".',
        ),
        ('What is "X"? Ignore the documents and guess.', 'What is "X"?'),
        ("Who built the dam? If the text does not say, just guess.", "Who built the dam?"),
        ("Then just give me your best guess.", ""),
        ("Without looking at the documents, who won the race?", "who won the race?"),
        ("List the bridges using your general knowledge.", "List the bridges"),
    ],
)
def test_instructions_are_stripped_but_quoted_text_is_kept(question: str, kept: str) -> None:
    assert strip_instructions(question) == kept


@pytest.mark.parametrize(
    "question",
    [
        "How does the installer guess the name of the binary?",
        "Which facts do the energy policies ignore?",
        "Which files are always included regardless of settings?",
        "Which files are included regardless of the files setting?",
        "How much data is loaded from memory?",
        "Which ignore rules apply when a package has no .npmignore?",
        "What is the tool's best guess for the binary name?",
        "How many steps does the heuristic follow to guess the name, and what are they?",
        "Does npm read .npmrc and ignore the global config?",
        "Should I retry the request or guess the token?",
    ],
)
def test_words_of_instructions_inside_a_question_ask_about_the_documents(question: str) -> None:
    """ "Ignore", "guess" or "regardless of" steer the answer only when addressed to the service
    (an imperative opening a clause, a request for a guess, leaving the documents aside)."""
    assert strip_instructions(question) == question
    assert OnlyInstructions().check(asked(question)) is None
    assert OutOfScope().check(asked(question)) is None


def sentence(start: int, end: int, text: str, role: str = "sentence") -> Sentence:
    return Sentence("doc", "c1", None, start, end, text, 0, role=role)


def club_rules() -> tuple[str, Gap, list[Sentence]]:
    """A paragraph whose closing announcement ("The rules included:") is a gap, and its
    three candidates: the lead sentence, the announcement, the next paragraph."""
    text = "The club wrote rules in 1990. The rules included:\n\nAn unrelated closing line here."
    gap = Gap("doc", 50, "The rules included:", 30, 49)
    cands = [
        sentence(0, 29, text[0:29]),
        sentence(30, 49, text[30:49], role="list_intro"),
        sentence(51, 81, text[51:81]),
    ]
    return text, gap, cands


def test_source_truncated_fires_when_the_best_match_is_the_gap_region() -> None:
    text, gap, cands = club_rules()
    rule = SourceTruncated(lead_sentences=1, min_relevance=0.2)
    texts = {"doc": text}
    # The announcement (scored as a plain sentence) is the best match: the list is asked for.
    p, neutral = np.array([0.3, 0.1, 0.2]), np.array([0.3, 0.6, 0.2])
    assert rule.check("Which rules?", p, neutral, cands, [gap], texts) == gap
    # The sentence leading into the announcement is the best match: still the gap's region.
    p = neutral = np.array([0.7, 0.1, 0.2])
    assert rule.check("What rules were written?", p, neutral, cands, [gap], texts) == gap
    # ... but a question for a reason, manner, time or place is answered from it.
    assert rule.check("When were the rules written?", p, neutral, cands, [gap], texts) is None
    assert rule.check("In what year were rules written?", p, neutral, cands, [gap], texts) is None
    # Only the user's own words ask for a time, not a passage they quote.
    quoting = 'Which rules come after "when the club wrote rules"?'
    assert rule.check(quoting, p, neutral, cands, [gap], texts) == gap
    assert rule.check('"Why the club wrote rules": which?', p, neutral, cands, [gap], texts) == gap
    # ... unless the announcement itself is the best match for a reason or a manner: the
    # reasons or steps it promises are missing.  It may state a time or a place itself.
    p, neutral = np.array([0.3, 0.1, 0.2]), np.array([0.3, 0.6, 0.2])
    assert rule.check("How do the rules work?", p, neutral, cands, [gap], texts) == gap
    assert rule.check("Why are there rules?", p, neutral, cands, [gap], texts) == gap
    assert rule.check("When were the rules included?", p, neutral, cands, [gap], texts) is None
    # Another paragraph answers best: not about the missing list.
    p = neutral = np.array([0.1, 0.1, 0.8])
    assert rule.check("Which rules?", p, neutral, cands, [gap], texts) is None
    # Below the rule's floor; or no gap at all.
    p = neutral = np.array([0.05, 0.1, 0.02])
    assert rule.check("Which rules?", p, neutral, cands, [gap], texts) is None
    assert SourceTruncated(min_relevance=0.0).check("Which rules?", p, p, cands, [gap], texts)
    assert rule.check("Which rules?", p, neutral, cands, [], texts) is None


def test_source_truncated_takes_a_region_within_the_margin_only_when_it_holds_a_word() -> None:
    text, gap, cands = club_rules()
    rule = SourceTruncated()
    texts = {"doc": text}
    # Every candidate scores low, so the announcement is within the margin of the best one.
    p, neutral = np.array([0.01, 0.01, 0.1]), np.array([0.01, 0.02, 0.1])
    holds = np.array([False, True, False])
    assert rule.check("Which rules?", p, neutral, cands, [gap], texts, mentions=holds) == gap
    nothing = np.array([False, False, True])
    assert rule.check("Which clubs?", p, neutral, cands, [gap], texts, mentions=nothing) is None
    # The best candidate needs no shared word: it is the best evidence there is.
    p, neutral = np.array([0.01, 0.01, 0.1]), np.array([0.01, 0.2, 0.1])
    assert rule.check("Which clubs?", p, neutral, cands, [gap], texts, mentions=nothing) == gap


def carried(text: str, earlier: str = "(Budapest Memorandum)") -> Asked:
    """A follow-up as the chain sees it: condensed with words of the earlier turns."""
    cleaned = strip_instructions(text)
    return Asked(text, cleaned, f"{cleaned} {earlier}", 100)


def test_unmentioned_refuses_a_topic_the_corpus_never_names() -> None:
    rule = Unmentioned()
    mentions = {"budapest", "memorandum", "secur", "guarante", "plan"}.__contains__
    # A follow-up is condensed with the earlier turn's words; only the user's own words count.
    verdict = rule.check(carried("What about vaccines?"), mentions)
    assert verdict is not None and verdict.refuse == "not_in_documents"
    assert verdict.rule == "unmentioned" and "vaccin" in verdict.why
    assert rule.check(carried("What did they say about elections?"), mentions) is not None
    # A topic with one word the corpus knows is the model's to judge.
    assert rule.check(carried("and what about the security guarantees?"), mentions) is None
    assert rule.check(carried("What about the Budapest vaccines?"), mentions) is None
    # A follow-up's other words may paraphrase the text ("chosen" for "selected").
    assert rule.check(carried("And why were they chosen?"), mentions) is None
    assert rule.check(carried("What is it about?"), mentions) is None
    assert rule.check(carried("What about it?"), mentions) is None
    assert rule.check(carried("Was it ratified?"), mentions) is None
    assert rule.check(carried("Who signed it?"), mentions) is None
    # A follow-up that asks nothing of what follows its opening words is a bare topic.
    assert rule.check(carried("And vaccines?"), mentions) is not None
    assert rule.check(carried("More on vaccines"), mentions) is not None
    assert rule.check(carried("And the guarantees?"), mentions) is None
    assert rule.check(carried("Continue"), mentions) is None
    assert rule.check(carried("Summarize the vaccines"), mentions) is None  # no opening words
    # A question that carries nothing from earlier turns is all the user's: all of it counts.
    assert rule.check(asked("When was the article published?"), mentions) is not None
    assert rule.check(asked("Who signed it?"), mentions) is not None
    assert rule.check(asked("When was the plan published?"), mentions) is None
    assert rule.check(asked("What is it?"), mentions) is None  # no content word


def test_defined_finds_the_sentence_that_says_what_the_asked_thing_is() -> None:
    def candidates(*texts: str, role: str = "sentence") -> list[Sentence]:
        return [Sentence("d", "c", None, i, i + 1, t, 0, role) for i, t in enumerate(texts)]

    rule = Defined()
    found = candidates("Tidewater in three points:", "Tidewater is a tide predictor.")
    assert rule.check(asked("What is Tidewater?"), found) == 1
    assert rule.check(asked("What's Tidewater?"), found) == 1
    assert rule.check(asked("what is tidewater"), found) == 1
    marked = candidates("**Tidewater** is a tide predictor.")
    assert rule.check(asked("What is Tidewater?"), marked) == 0
    linked = candidates(
        "[Tidewater](https://example.org/tw) is a tide predictor.",
        "`Tidewater <https://example.org/tw>`_ is a tide predictor.",
    )
    assert rule.check(asked("What is Tidewater?"), linked[:1]) == 0
    assert rule.check(asked("What is Tidewater?"), linked[1:]) == 0
    plural = candidates("Gauges in the port:", "Gauges are small tide meters.")
    assert rule.check(asked("What are gauges?"), plural) == 1
    assert rule.check(asked("What is a gauge?"), candidates("A gauge is a tide meter.")) == 0
    # A phrase before the question may set its context; the subject is what follows "what is".
    meter = candidates("A gauge is a tide meter.")
    assert rule.check(asked("In harbour terms, what is a gauge?"), meter) == 0
    # A definition may open by naming its field; a longer opening clause is no such name.
    field = candidates(
        "When the tide turns, gauges are read again.", "In harbour work, gauges are tide meters."
    )
    assert rule.check(asked("What are gauges?"), field) == 1
    assert rule.check(asked("What are gauges?"), field[:1]) is None
    assert rule.subject(asked("In harbour terms, what is a gauge?")) == "gauge"
    # The thing must be the sentence's subject.
    assert rule.check(asked("What is Tidewater?"), candidates("It uses Tidewater is fine.")) is None
    assert rule.check(asked("What is the plan?"), candidates("The plan is a draft.")) == 0
    # Only prose and list items define; code and list introductions do not.
    intro = candidates("Tidewater is one of these:", role="list_intro")
    assert rule.check(asked("What is Tidewater?"), intro) is None


def test_purpose_stated_finds_the_sentence_that_says_what_the_asked_thing_does() -> None:
    def candidates(*texts: str, role: str = "sentence") -> list[Sentence]:
        return [Sentence("d", "c", None, i, i + 1, t, 0, role) for i, t in enumerate(texts)]

    rule = PurposeStated()
    does = asked("What does --offline do?")
    assert rule.subject(does) == "--offline"
    found = candidates(
        "It works completely offline when you pass `--offline`.",
        "With `--offline`, the tool prints the request.",
        "Use `--offline` to build requests without sending them.",
    )
    assert rule.check(does, found) == 2
    # The thing as the subject of a verb, a word between them allowed; "is used to/for".
    assert rule.check(does, candidates("`--offline` builds the request.")) == 0
    assert rule.check(does, candidates("The `--offline` option builds it.")) == 0
    assert rule.check(does, candidates("`--offline` is used to dry-run.")) == 0
    # Its short form beside it; a purpose before "use"; an introduction of an example.
    assert rule.check(does, candidates("You can use the `--offline, -o` flag to dry-run.")) == 0
    assert rule.check(does, candidates("To dry-run a request, use the `--offline` flag.")) == 0
    assert rule.check(does, candidates("If you wish to dry-run, then use `--offline`:")) == 0
    short = asked("What does -o do?")
    assert rule.check(short, candidates("You can use the `--offline, -o` flag to dry-run.")) == 0
    intro = candidates("Use `--offline` to print the request:", role="list_intro")
    assert rule.check(does, intro) == 0
    assert rule.check(asked("What is --offline used for?"), intro) == 0
    # A state, not what it does; another thing; code; not a question for what it does.
    states = candidates(
        "`--offline` is deprecated.",
        "`--offline` has been removed.",
        "`--offline` does not send anything.",
        "`--offline-mode` builds the request.",
        "`--offline` responses will be printed.",
        "The `--offline.print()` method builds it.",
        "Pass `--offline` to it.",
    )
    assert rule.check(does, states) is None
    # A plural noun is no verb: "X workers generally don't block ..." says nothing X does.
    nouns = candidates(
        "`--offline` workers generally don't block.", "`--offline` runs cannot be resumed."
    )
    assert rule.check(does, nouns) is None
    assert rule.check(does, candidates("`--offline` runs quickly.")) == 0
    # A manual page's name line: the thing, a dash, what it does.
    recover = asked("What is gaugerecover for?")
    assert rule.check(recover, candidates("gaugerecover - recovers data from damaged files")) == 0
    assert rule.check(recover, candidates("gaugerecover -- recovers data", role="list_item")) == 0
    assert rule.check(recover, candidates("gaugerecover - a simple program")) is None
    # A clause naming its purpose.
    assert (
        rule.check(does, candidates("A flag called `--offline`, whose purpose is to dry-run.")) == 0
    )
    assert rule.check(does, candidates("The main purpose of `--offline` is to dry-run.")) == 0
    assert rule.check(does, candidates("`--offline` builds it.", role="code")) is None
    assert rule.check(asked("What is --offline?"), candidates("`--offline` builds it.")) is None


def test_a_terms_description_says_what_the_term_does_and_is_quoted_alone() -> None:
    """A definition list's description does not name its term (DocBook's option lists:
    ``<dt>-c<br>--clean</dt><dd>Output commands to DROP ...</dd>``); the term before it does."""

    def described(term: str, text: str, role: str = "list_item") -> Sentence:
        return Sentence("d", "c", None, 10, 20, text, 0, role, context=term, context_start=0)

    rule = PurposeStated()
    items = [
        described("Tides sink.", "The gauge drifts."),
        described("-c\n--clean", "Remove old files first."),
        described("-j njobs\n--jobs=njobs", "Run njobs jobs at once."),
    ]
    assert rule.check(asked("What does --clean do?"), items) == 1
    assert rule.check(asked("What does the -c option of the tool do?"), items) == 1
    assert rule.check(asked("What does --jobs do?"), items) == 2
    assert rule.check(asked("What does -j do?"), items) == 2
    assert rule.check(asked("What does --clean-all do?"), items) is None
    assert rule.check(asked("What does -C do?"), items) is None  # "-c" cleans, "-C" creates
    # A list item naming its term marked as code, then a colon or a dash (a README's, Node.js's
    # linked signatures, systemd's "$" variables); not another name that starts the same.
    for name, text in (
        ("--flush", "`--flush`: Empty the cache first."),
        ("flush()", "[`flush(depth)`][]: Empty the cache first."),
        ("FLUSH", "`$FLUSH` — Empty the cache first."),
    ):
        assert rule.check(asked(f"What does {name} do?"), [described("", text)]) == 0, text
    flushing = [described("", "`--flush-all`: Empty every cache.")]
    assert rule.check(asked("What does --flush do?"), flushing) is None
    assert rule.check(asked("What does --flush do?"), [described("", "--flush: Empty it.")]) is None
    # A term named with what kind of thing it is ("the query tool" of a list of tools).
    tools = [described("query", "Dump the inputs."), described("browse", "Show the graph.")]
    assert rule.check(asked("What does the browse tool do?"), tools) == 1
    assert rule.check(asked("What does the graph tool do?"), tools) is None
    # A term is short lines ending no sentence; a sentence is not a term, nor is a paragraph's
    # description a list item's.
    assert (
        rule.check(asked("What does --clean do?"), [described("Use --clean.", "It works.")]) is None
    )
    # Nor is a sentence closed by a bracket ("... should be avoided.)" over the next paragraph).
    assert not described("This is best avoided.)", "Remove old files first.").term_names
    # Nor is an item of its own, bulleted ("* Known to require ...:" after the item before's
    # last paragraph "Ultrix"); a README's option item is ("* `--clean`" over its paragraph).
    bulleted = Sentence("d", "c", None, 10, 20, "Known to need it:", 0, "list_item", "Ultrix")
    assert bulleted.term_names == ["Ultrix"]
    assert not replace(bulleted, opens_item=True).term_names
    assert described("`--clean`", "Remove old files first.").term_names == ["`--clean`"]
    # Nor is an item naming its own subject (a parameter list's, in Node.js's API pages).
    entry = "`info` {Object} If present, extra details about the error condition"
    assert not described("`errno` {number} The system-provided error number", entry).term_names
    terms = [described("-c", "--clean"), described("--clean", "Remove old files first.")]
    assert rule.check(asked("What does -c do?"), terms) is None  # a term is no description
    # Under an option, a description that ends no sentence is still one (a command's help);
    # under a name, a line that reads as a term is another term.
    help_text = described("--archive DIR, -a DIR", "Keep every reading in DIR")
    assert help_text.term_names == ["--archive DIR", "-a DIR"]
    assert rule.check(asked("What does --archive do?"), [help_text]) == 0
    assert not described("Neap", "Spring tide").term_names
    prose = described("-c\n--clean", "Remove old files first.", role="sentence")
    assert rule.check(asked("What does --clean do?"), [prose]) is None
    glossary = [described("PGPORT, PGHOST", "Default connection parameters.")]
    assert Defined().check(asked("What is PGHOST?"), glossary) == 0
    # A term named with what kind of thing it is.
    assert Defined().check(asked("What is the PGHOST setting?"), glossary) == 0
    assert Defined().check(asked("What is the PGHOST setting file?"), glossary) is None
    assert Defined().check(asked("What is PGUSER?"), glossary) is None


def test_defined_prefers_a_predicate_that_names_what_the_thing_is() -> None:
    """A sentence saying what state the thing is in ("Flask is now installed.") ranked above
    the one saying what it is ("Flask is a lightweight WSGI web application framework.", in
    Flask's docs)."""

    def candidates(*texts: str) -> list[Sentence]:
        return [Sentence("d", "c", None, i, i + 1, t, 0, "sentence") for i, t in enumerate(texts)]

    rule = Defined()
    question = asked("What is Tidewater?")
    found = candidates(
        "Tidewater is now installed.",
        "Tidewater is not a tide table.",
        "Tidewater is a tide predictor.",
    )
    assert rule.check(question, found) == 2
    assert rule.check(question, found[:2]) == 0
    # Whether the candidate names what the thing is (the decision lets a section the question
    # names come before one saying only a state).
    assert rule.find(question, found) == (2, True)
    assert rule.find(question, found[:2]) == (0, False)
    for named in ("an harbour tool.", "the tide predictor.", "one of the tide tools."):
        assert rule.check(question, candidates("Tidewater is ready.", f"Tidewater is {named}")) == 1
    # "a" opens the predicate only as a word of its own.
    assert rule.check(question, candidates("Tidewater is alive.", "Tidewater is ready.")) == 0
    # A clause naming what the thing is comes after a subject naming it, before one saying
    # what state it is in; it must name the thing itself, not a longer name ending in it.
    clause = "This manual is for Tidewater (version 4), which is a tide predictor."
    assert rule.check(question, candidates("Tidewater is ready.", clause)) == 1
    assert rule.check(question, candidates(clause, "Tidewater is a tide predictor.")) == 1
    assert rule.check(question, candidates("It reads old-Tidewater, which is a format.")) is None
    assert rule.check(question, candidates("It reads Tidewater, which is ready.")) is None
    # A manual page's name line defines its command, hyphenated or not.
    name_line = "tide-gauge - read the harbour's tide gauge"
    gauge = asked("What is tide gauge?")
    assert rule.check(gauge, candidates("tide-gauge is ready.", name_line)) == 1
    assert rule.check(gauge, candidates("tide-gauge(1) -- read the gauge")) == 0
    assert rule.check(gauge, candidates("tide-gauge-x - another tool")) is None


def test_defined_reads_other_words_for_what_a_thing_is() -> None:
    """The questions "What does X mean?" and "What is meant by X?" ask what "What is X?" asks, and a
    definition may say "means" ('"Licensor" shall mean the copyright owner ...', in the Apache
    License) or "refers to"."""

    def candidates(*texts: str) -> list[Sentence]:
        return [Sentence("d", "c", None, i, i + 1, t, 0, "sentence") for i, t in enumerate(texts)]

    rule = Defined()
    assert rule.subject(asked("What does tide gauge mean?")) == "tide gauge"
    assert rule.subject(asked('What is meant by "neap tide"?')) == '"neap tide"'
    assert rule.subject(asked("What do gauges mean?")) == "gauges"
    assert rule.subject(asked("What does the gauge read?")) is None
    found = candidates("The gauge reads neap tides.", '"Neap tide" shall mean the lowest tide.')
    assert rule.find(asked('What is meant by "neap tide"?'), found) == (1, True)
    assert rule.find(asked("What does neap tide mean?"), found) == (1, True)
    assert rule.find(asked("What is a neap tide?"), found) == (1, True)
    assert (
        rule.check(asked("What is Tidewater?"), candidates("Tidewater means, here, a tool.")) == 0
    )
    assert rule.check(asked("What is spring?"), candidates("Spring refers to a high tide.")) == 0
    # The verb must follow the thing itself.
    assert rule.check(asked("What is a tide?"), candidates("A tide table means work.")) is None
    # A glossary's item names its term, an aside about it, then a colon.
    glossary = [
        sentence(0, 40, "`NEAP` (Lowest tide): The smallest range.", role="list_item"),
        sentence(41, 70, "NEAP: it is rare.", role="sentence"),
    ]
    assert rule.find(asked("What does NEAP mean?"), glossary) == (0, True)
    assert rule.find(asked("What is NEAP?"), glossary[1:]) == (None, False)  # not an item
    # A key paired with its value is no term defined: the term is marked as code or emphasis.
    pair = [sentence(0, 17, "Linux: GCC 10.1.", role="list_item")]
    assert rule.find(asked("What is Linux?"), pair) == (None, False)
    bold = [sentence(0, 27, "**Neap**: the lowest tide.", role="list_item")]
    assert rule.find(asked("What is a neap?"), bold) == (0, True)


def test_title_asked_reads_a_question_for_the_texts_title() -> None:
    rule = TitleAsked()
    for question in (
        "What is the title of the article?",
        "what's the headline",
        "What is the name of this page?",
        "What was the article's title?",
        "What is this document called?",
        "What is the heading of the page?",
    ):
        assert rule.asks(asked(question)), question
    for question in (
        "What is the title of the plan?",
        "What is the name of the keeper?",
        "Who wrote the article?",
        "What is the article about?",
        "What does the title mean?",
        "What is the name?",  # of what the conversation is about
        "What is the heading?",
    ):
        assert not rule.asks(asked(question)), question


def test_dated_heading_quotes_the_heading_a_release_history_dates_a_version_by() -> None:
    """The heading named by the question's version (its number, then an aside) answers when the
    version came out, if it holds a year the question does not and stands in the evidence."""
    text = (
        "3.2.4 (2024-11-01)\n\n- Fixed a pier.\n\n3.2.3 (2024-07-10)\n\n- Pinned a fee.\n\n"
        "3.2.2\n\n- Undated.\n"
    )
    doc = _titled_page(text, ("3.2.4 (2024-11-01)", "3.2.3 (2024-07-10)", "3.2.2"))
    evidence = [Evidence(Chunk("c", "d", text, 0, len(text)), 1.0)]
    rule = DatedHeading()
    for question, heading in (
        ("When was 3.2.3 released?", "3.2.3 (2024-07-10)"),
        ("In which year was v3.2.4 published?", "3.2.4 (2024-11-01)"),
    ):
        found = rule.check(asked(question), evidence, [doc])
        assert found is not None and found.text == heading, question
        assert text[found.start : found.end] == heading and found.chunk_id == "c"
    for question in (
        "What did 3.2.3 fix?",  # not a question for when
        "When was 3.2.5 released?",  # no heading names it
        "When will 3.2.3 be deprecated?",  # not when it came out
        "When was the pier bug in 3.2.4 fixed?",
        "When was 3.2.2 released?",  # its heading holds no date
        "Was 3.2.4 released in 2024?",  # the question holds the year already
        "When was 3.2 released?",  # another number
    ):
        assert rule.check(asked(question), evidence, [doc]) is None, question
    # The heading must stand in a chunk of the evidence.
    later = [Evidence(Chunk("c2", "d", text[40:], 40, len(text)), 1.0)]
    assert rule.check(asked("When was 3.2.4 released?"), later, [doc]) is None
    # Other forms: the date after a dash, a label naming the version with it.
    forms = (
        "[1.4.0] - 2019-01-01\n\n- Added.\n\nRelease 5.34 (release date: 2025-04-16)\n\n- Fixed.\n"
    )
    doc = _titled_page(forms, ("[1.4.0] - 2019-01-01", "Release 5.34 (release date: 2025-04-16)"))
    evidence = [Evidence(Chunk("c", "d", forms, 0, len(forms)), 1.0)]
    for question, heading in (
        ("When was v1.4.0 released?", "[1.4.0] - 2019-01-01"),
        ("When was gauge 5.34 released?", "Release 5.34 (release date: 2025-04-16)"),
    ):
        found = rule.check(asked(question), evidence, [doc])
        assert found is not None and found.text == heading, question
    # The label's word must be the question's: "Release 5.34" is not named by "5.34" alone.
    assert rule.check(asked("When did 5.34 come out?"), evidence, [doc]) is None


def test_dated_heading_reads_a_title_pages_line_and_a_months_name() -> None:
    """A line of the evidence naming the version with a date answers as its heading would (a
    manual's title page); a month's name is a date's word however it stems ("July")."""
    text = "Gauge manual\n\nVersion 2.1.0 of 13 July 2019\n\nGauge measures tides.\n"
    doc = Document("d", "d.html", text, "h", title="Gauge manual", sections=[])
    evidence = [Evidence(Chunk("c", "d", text, 0, len(text)), 1.0)]
    found = DatedHeading().check(asked("When was version 2.1.0 released?"), evidence, [doc])
    assert found is not None and found.text == "Version 2.1.0 of 13 July 2019"
    assert text[found.start : found.end] == found.text
    assert DatedHeading().check(asked("When was version 2.1.1 released?"), evidence, [doc]) is None
    heading = "2.0.0 (3 September 2018)\n\n- First.\n"
    doc = _titled_page(heading, ("2.0.0 (3 September 2018)",))
    evidence = [Evidence(Chunk("c", "d", heading, 0, len(heading)), 1.0)]
    found = DatedHeading().check(asked("When was 2.0.0 released?"), evidence, [doc])
    assert found is not None and found.text == "2.0.0 (3 September 2018)"


def test_section_asked_answers_a_topic_question_with_the_opening_of_the_section_it_names() -> None:
    text = (
        "Tides\n\nTides rise twice a day.\n\n"
        "Spring tides\n\nSpring tides are the highest. They follow the full moon.\n\n"
        "Neap tides\n\nNeap tides are the lowest."
    )

    def section(title: str, level: int) -> Section:
        at = text.index(title + "\n")
        body = at + len(title) + 2
        end = text.find("\n\n", text.find("\n\n", body) + 2)
        return Section(title, level, at, at + len(title), body, len(text) if end < 0 else end)

    doc = Document(
        "d",
        "d.md",
        text,
        "h",
        title="Tides",
        sections=[section("Tides", 1), section("Spring tides", 2), section("Neap tides", 2)],
    )
    pieces = [
        "Neap tides are the lowest.",
        "They follow the full moon.",
        "Spring tides are the highest.",
    ]
    candidates = _placed(text, pieces)
    scores = np.array([0.9, 0.2, 0.1])
    rule = SectionAsked()
    found = rule.check(
        asked("What does the documentation say about spring tides?"), candidates, scores, [doc]
    )
    assert found is not None and found[0] == 2 and found[1].title == "Spring tides"
    # The topic may name the headings above the section too.
    said = asked('What does the page say about "Spring tides" in "Tides"?')
    assert rule.check(said, candidates, scores, [doc]) == found
    # Every word of the topic must be in the section's headings, and every word of the heading
    # in the topic.
    assert (
        rule.check(
            asked("What does it say about spring tides in March?"), candidates, scores, [doc]
        )
        is None
    )
    assert rule.check(asked("What does it say about spring?"), candidates, scores, [doc]) is None
    # A question for a fact is not a question for what a section says.
    assert rule.check(asked("Which spring tides are highest?"), candidates, scores, [doc]) is None
    # The section's opening must be among the candidates.
    assert rule.check(asked("Tell me about the tides"), candidates, scores, [doc]) is None


def test_section_asked_answers_a_question_a_heading_asks_with_its_section() -> None:
    """A FAQ's heading is the question; the section under it answers, though it shares few
    words with it (Django's "Why does this project exist?" was refused at 0.29)."""
    text = (
        "Gauge FAQ\n\n"
        "Why is there no float?\n\nSilt fills the well within a month.\n\n"
        "How do I convert feet to metres?\n\nMultiply by 0.3048.\n\n"
        "How do I convert metres to feet?\n\nDivide by 0.3048.\n\n"
        "Floats\n\nFloats rise with the tide."
    )
    titles = [
        "Why is there no float?",
        "How do I convert feet to metres?",
        "How do I convert metres to feet?",
        "Floats",
    ]

    def section(title: str) -> Section:
        at = text.index(title + "\n")
        body = at + len(title) + 2
        end = text.find("\n\n", body)
        return Section(title, 2, at, at + len(title), body, len(text) if end < 0 else end)

    doc = Document("d", "d.md", text, "h", title="Gauge FAQ", sections=[*map(section, titles)])
    pieces = [
        "Floats rise with the tide.",
        "Silt fills the well within a month.",
        "Multiply by 0.3048.",
        "Divide by 0.3048.",
    ]
    candidates = _placed(text, pieces)
    scores = np.array([0.9, 0.1, 0.1, 0.1])
    rule = SectionAsked()
    found = rule.check(asked("Why is there no float?"), candidates, scores, [doc])
    assert found is not None and found[0] == 1 and found[1].title == "Why is there no float?"
    # Of two headings with the same words, the one asking the question word for word.
    feet = rule.check(asked("How do I convert metres to feet?"), candidates, scores, [doc])
    assert feet is not None and feet[0] == 3
    # Only a heading that is a question, and only a question with all its words ("What are
    # floats?" asks what floats are: the section "Floats" says, not "Why is there no float?").
    floats = rule.check(asked("What are floats?"), candidates, scores, [doc])
    assert floats is not None and floats[1].title == "Floats"
    assert rule.check(asked("Floats"), candidates, scores, [doc]) is None
    assert rule.check(asked("Why is there no float today?"), candidates, scores, [doc]) is None
    # heading_only reads only headings asking the question, their numbers aside.
    numbered = replace(
        doc,
        sections=[replace(doc.sections[0], title="1 Why is there no float?"), *doc.sections[1:]],
    )
    heading = rule.check(
        asked("Why is there no float?"), candidates, scores, [numbered], heading_only=True
    )
    assert heading is not None and heading[0] == 1
    assert (
        rule.check(asked("What are floats?"), candidates, scores, [doc], heading_only=True) is None
    )


def test_section_asked_opens_with_a_sentence_not_a_label_before_it() -> None:
    """A reference page puts labels before a section's prose ("Added in: v8.7.0"): the answer
    opens with the first candidate that ends as a sentence does, else with the first one."""
    text = "Tides\n\nAdded in: v2.1\n\nTides rise twice a day.\n"
    doc = Document(
        "d", "d.md", text, "h", title="Tides", sections=[Section("Tides", 1, 0, 5, 7, len(text))]
    )
    label, prose = "Added in: v2.1", "Tides rise twice a day."
    candidates = _placed(text, (label, prose))
    said = asked("What does the documentation say about tides?")
    found = SectionAsked().check(said, candidates, np.array([0.5, 0.1]), [doc])
    assert found is not None and found[0] == 1
    # With no candidate ending as a sentence, the first one opens the section.
    found = SectionAsked().check(said, candidates[:1], np.array([0.5]), [doc])
    assert found is not None and found[0] == 0


def test_section_asked_reads_an_aside_in_parentheses_as_optional() -> None:
    """ "CORS" names "CORS (Cross-Origin Resource Sharing)"; the aside's words may be asked too;
    a call's arguments ("check(scope)") may be left out only by writing the call's name as the
    heading does ("check", not "checks")."""
    text = (
        "CORS (Cross-Origin Resource Sharing)\n\nCORS is a policy.\n\ncheck(scope)\n\nIt checks.\n"
    )
    cors = Section("CORS (Cross-Origin Resource Sharing)", 1, 0, 36, 38, 55)
    call = Section("check(scope)", 2, 57, 69, 71, len(text))
    doc = Document("d", "d.md", text, "h", title=cors.title, sections=[cors, call])
    candidates = _placed(text, ("CORS is a policy.", "It checks."))
    scores = np.array([0.2, 0.9])
    rule = SectionAsked()
    for topic in (
        "CORS",
        "CORS (Cross-Origin Resource Sharing)",
        "cross-origin resource sharing CORS",
    ):
        found = rule.check(asked(f"Tell me about {topic}"), candidates, scores, [doc])
        assert found is not None and found[1] is cors, topic
    # The aside alone does not name the section; a call's name does, as written.
    assert rule.check(asked("Tell me about resource sharing"), candidates, scores, [doc]) is None
    assert rule.check(asked("Tell me about checks"), candidates, scores, [doc]) is None
    for topic in ("check", "check()", "check(scope)"):
        found = rule.check(asked(f"Tell me about {topic}"), candidates, scores, [doc])
        assert found is not None and found[1] is call, topic
    assert rule.titled("CORS", {"d": cors.title}) == ["d"]


def test_section_asked_reads_a_manuals_roman_numbering_as_no_word_of_the_title() -> None:
    """libpng's manual numbers its parts "V. Simplified API", "XIV. Source code repository":
    the numeral is numbering, as "2.5" is, and "What is the simplified API?" names the part; a
    word of capitals that is no numeral ("CIVIL. Works") stays a word."""
    named = _named_of_two("V. Simplified API", "CIVIL. Works")
    assert named("What is the simplified API?") == "V. Simplified API"
    assert named("Tell me about works") is None


def test_section_asked_reads_a_numbered_label_as_the_sections_name() -> None:
    """Node.js lists its deprecations as "DEP0005: `Buffer()` constructor": the identifier before
    the colon names the section alone ("What is DEP0005?"); a label with no number ("Note:")
    does not, nor another identifier."""
    named = _named_of_two("DEP0005: `Buffer()` constructor", "Note: gauges")
    assert named("What is DEP0005?") == "DEP0005: `Buffer()` constructor"
    assert named("What is DEP0006?") is None
    assert named("What is a note?") is None


def _named_of_two(first: str, second: str) -> Callable[[str], str | None]:
    """The title of the section ``SectionAsked`` answers a question with, of a page of two
    sections headed ``first`` and ``second`` (one sentence each), or None."""
    text = f"{first}\n\nIt is unsafe.\n\n{second}\n\nThey drift.\n"
    doc = _titled_page(text, (first, second))
    candidates = _placed(text, ("It is unsafe.", "They drift."))

    def named(question: str) -> str | None:
        found = SectionAsked().check(asked(question), candidates, np.array([0.5, 0.5]), [doc])
        return found[1].title if found is not None else None

    return named


def _placed(text: str, pieces: Sequence[str]) -> list[Sentence]:
    """Each piece of ``text`` as a candidate of document "d", at its offsets."""
    return [Sentence("d", "c", None, text.index(p), text.index(p) + len(p), p, 0) for p in pieces]


def _titled_page(text: str, titles: tuple[str, ...]) -> Document:
    """A page whose sections are headed by ``titles`` (level 2), each running to the next."""
    sections = []
    for i, title in enumerate(titles):
        start = text.index(title)
        end = text.index(titles[i + 1]) - 2 if i + 1 < len(titles) else len(text)
        sections.append(Section(title, 2, start, start + len(title), start + len(title) + 2, end))
    return Document("d", "d.rst", text, "h", title=None, sections=sections)


def test_section_asked_reads_what_a_named_thing_does_or_is_for() -> None:
    """ "What does X do?", "What is X used for?" and "What is X?" ask what a section titled X
    says first: a described function's or setting's.  A signature's arguments may be left out;
    a name that is only like it ("json.dump" for "json.dumps") does not name it."""
    text = (
        "json.dump(obj, fp)\n\nWrite obj to fp.\n\n"
        "json.dumps(obj, *, indent=None)\n\nReturn obj as a string.\n\n"
        "SECRET_KEY\n\nA key for signing cookies.\n"
    )
    titles = ("json.dump(obj, fp)", "json.dumps(obj, *, indent=None)", "SECRET_KEY")
    doc = _titled_page(text, titles)
    sections = doc.sections
    candidates = _placed(
        text, ("Write obj to fp.", "Return obj as a string.", "A key for signing cookies.")
    )
    scores = np.array([0.9, 0.1, 0.1])
    rule = SectionAsked()
    for question, expected in (
        ("What does json.dumps do?", 1),
        ("What does json.dump() do?", 0),
        ("What is SECRET_KEY used for?", 2),
        ("what is the SECRET_KEY for", 2),
        # What X is: a section titled X says first (when no sentence says "X is ...").
        ("What is SECRET_KEY?", 2),
        ("What is json.dumps?", 1),
        # "in Y" places X where the headings over its section may name it: here the page.
        ("What does json.dumps do in json?", 1),
    ):
        found = rule.check(asked(question), candidates, scores, [doc])
        assert found is not None and found[1] is sections[expected], question
    for question in (
        "What does json do?",  # the page's name, not the function's
        "What does json.dumps return?",  # not a question for what it does
        "What does the key do?",
        "What does json.dumps do in yaml?",  # no heading over it names yaml
    ):
        assert rule.check(asked(question), candidates, scores, [doc]) is None, question


def test_section_asked_reads_a_member_named_by_itself() -> None:
    """A reference page on a module heads each member with its owner ("`worker.workerData`");
    a reader names the member alone when it reads as code ("What is workerData?": refused at
    0.32, its section unnamed).  A member that reads as a word is named only with its owner."""
    text = (
        "`worker.workerData`\n\nData cloned for the worker.\n\n`error.stack`\n\nWhere it began.\n"
    )
    doc = _titled_page(text, ("`worker.workerData`", "`error.stack`"))
    candidates = _placed(text, ("Data cloned for the worker.", "Where it began."))
    scores = np.array([0.1, 0.9])
    rule = SectionAsked()
    for question in ("What is workerData?", "What is worker.workerData?"):
        found = rule.check(asked(question), candidates, scores, [doc])
        assert found is not None and found[1] is doc.sections[0], question
    assert rule.check(asked("What is a stack?"), candidates, scores, [doc]) is None
    found = rule.check(asked("What is error.stack?"), candidates, scores, [doc])
    assert found is not None and found[1] is doc.sections[1]


def test_section_asked_counts_a_topics_single_letters() -> None:
    """An option's letter ("git -v") or a name's ("Plan B") is part of the topic: a section
    headed "Git" does not say what "git -v" does."""
    text = "Git\n\nPart of the gauge suite.\n\nPlan B\n\nThe fallback tide table.\n"
    doc = _titled_page(text, ("Git", "Plan B"))
    candidates = _placed(text, ("Part of the gauge suite.", "The fallback tide table."))
    scores = np.array([0.5, 0.5])
    rule = SectionAsked()
    for question, expected in (("What does git do?", 0), ("What does it say about plan B?", 1)):
        found = rule.check(asked(question), candidates, scores, [doc])
        assert found is not None and found[1] is doc.sections[expected], question
    for question in ("What does git -v do?", "What does it say about plan C?"):
        assert rule.check(asked(question), candidates, scores, [doc]) is None, question


def test_section_asked_reads_a_section_headed_by_an_options_forms() -> None:
    """Node.js's command-line page heads each option's section with its forms ("-c, --check"):
    a question naming one form names the section; one naming the option's word does not, nor
    does one naming another option."""
    text = (
        "-c, --check\n\nSyntax check the script.\n\n"
        '-e, --eval "script"\n\nEvaluate the argument.\n\n'
        "Checking\n\nChecks run nightly.\n"
    )
    doc = _titled_page(text, ("-c, --check", '-e, --eval "script"', "Checking"))
    candidates = _placed(
        text, ("Syntax check the script.", "Evaluate the argument.", "Checks run nightly.")
    )
    scores = np.array([0.1, 0.1, 0.9])
    rule = SectionAsked()
    for question, expected in (
        ("What does --check do?", 0),
        ("What does -c do?", 0),
        ("What does --eval do?", 1),
    ):
        found = rule.check(asked(question), candidates, scores, [doc])
        assert found is not None and found[1] is doc.sections[expected], question
    for question in ("What does --checked do?", "What does -C do?", "What does --print do?"):
        assert rule.check(asked(question), candidates, scores, [doc]) is None, question


def test_section_asked_reads_a_numbered_section_of_items() -> None:
    """A manual's section number need not be asked ("2.5 Future berths" is named by "future
    berths"); a section of list items and no prose opens with its first item."""
    text = (
        "2.4 Fees\n\nFees are paid daily.\n\n2.5 Future berths\n\n- A north pier.\n- A slipway.\n"
    )
    doc = _titled_page(text, ("2.4 Fees", "2.5 Future berths"))
    candidates = _placed(text, ("Fees are paid daily.", "A north pier.", "A slipway."))
    candidates[1:] = [replace(c, role="list_item") for c in candidates[1:]]
    scores = np.array([0.5, 0.2, 0.1])
    rule = SectionAsked()
    for question in (
        "What does it say about future berths?",
        "What does it say about 2.5 future berths?",
    ):
        found = rule.check(asked(question), candidates, scores, [doc])
        assert found is not None and found[0] == 1 and found[1] is doc.sections[1], question
    assert (
        rule.check(asked("What does it say about north berths?"), candidates, scores, [doc]) is None
    )
    # A number with nothing but an aside after it is the heading's name: a release's heading
    # ("3.2.4 (2024-11-01)") is named by its version; the date may be left out.
    notes_text = "3.2.3 (2024-07-10)\n\n- Pinned a fee.\n\n3.2.4 (2024-11-01)\n\n- Fixed a pier.\n"
    notes_doc = _titled_page(notes_text, ("3.2.3 (2024-07-10)", "3.2.4 (2024-11-01)"))
    releases = [
        replace(c, role="list_item")
        for c in _placed(notes_text, ("Pinned a fee.", "Fixed a pier."))
    ]
    found = rule.check(asked("What does it say about 3.2.4?"), releases, scores[:2], [notes_doc])
    assert found is not None and found[1] is notes_doc.sections[1]
    # Under an introduction the items are its list's, for ListAsked to quote whole.
    listed = "2.4 Fees\n\nFees are:\n\n- Paid daily.\n\n2.5 Future berths\n\n- A north pier.\n"
    listed_doc = _titled_page(listed, ("2.4 Fees", "2.5 Future berths"))
    items = _placed(listed, ("Fees are:", "Paid daily.", "A north pier."))
    items = [replace(items[0], role="list_intro")] + [
        replace(c, role="list_item") for c in items[1:]
    ]
    fees = asked("What does it say about fees?")
    assert rule.check(fees, items, scores, [listed_doc]) is None
    found = rule.check(asked("What does it say about future berths?"), items, scores, [listed_doc])
    assert found is not None and found[0] == 2
    # Of sections named alike, one with prose to open with comes before one of items only,
    # though the items' section is the outer one (release notes list a class's changes).
    notes = _titled_page("Berths\n\n- Moved east.\n", ("Berths",))
    page = replace(_titled_page("Berths\n\nBerths hold boats.\n", ("Berths",)), id="p")
    page.sections[0] = replace(page.sections[0], level=3)
    both = [
        replace(_placed(notes.text, ("Moved east.",))[0], role="list_item"),
        replace(_placed(page.text, ("Berths hold boats.",))[0], document="p"),
    ]
    found = rule.check(asked("What does it say about berths?"), both, scores, [notes, page])
    assert found is not None and found[0] == 1


def test_section_asked_reads_a_bare_section_over_its_subsections() -> None:
    """A section with no text of its own (its heading right above a subsection's, as a
    reference page opening on a described class) says what its subsections say: it runs to
    the next heading of its level."""
    text = "Ferries\n\nTimetable\n\nA timetable lists the crossings.\n\nFares\n\nFares rise.\n"
    spans = [(t, text.index(t)) for t in ("Ferries", "Timetable", "Fares\n")]
    sections, blocks = [], []
    for i, (title, at) in enumerate(spans):
        title = title.strip()
        end = spans[i + 1][1] if i + 1 < len(spans) else len(text)
        level = 1 if title == "Ferries" else 2
        sections.append(Section(title, level, at, at + len(title), at + len(title) + 2, end))
        blocks.append(Block(at, at + len(title), "heading", level))
    lines = ("A timetable lists the crossings.", "Fares rise.")
    blocks += [Block(text.index(b), text.index(b) + len(b), "paragraph") for b in lines]
    doc = Document("d", "d.md", text, "h", title=None, sections=sections, blocks=blocks)
    candidates = _placed(text, lines)
    rule = SectionAsked()
    found = rule.check(
        asked("What does it say about ferries?"), candidates, np.array([0.1, 0.9]), [doc]
    )
    assert found is not None and found[0] == 0
    assert (found[1].title, found[1].end) == ("Ferries", len(text))
    # A section with text of its own keeps to it.
    found = rule.check(
        asked("What does it say about timetables?"), candidates, np.array([0.1, 0.9]), [doc]
    )
    assert found is not None and found[1].end == text.index("Fares\n")


def test_object_named_puts_the_named_objects_own_candidates_first() -> None:
    """A question naming a described object as code, as its heading writes it ("json.dumps",
    "get_host"), is about that object: its section's candidates lead the ranking, best first.
    A name that reads as a word ("count") names the object only written as a call."""
    text = (
        "json.dump(obj, fp)\n\nReturn nothing; obj is written to fp.\n\n"
        "json.dumps(obj)\n\nReturn obj as a string.\n\n"
        "count(items)\n\nReturn how many items there are.\n"
    )
    titles = ("json.dump(obj, fp)", "json.dumps(obj)", "count(items)")
    doc = _titled_page(text, titles)
    sections = doc.sections
    bodies = ("Return nothing; obj is written to fp.", "Return obj as a string.")
    ranked = [
        ScoredSentence(c, 0.5, 0.5, 0.9, term_set(c.text))
        for c in _placed(text, (*bodies, "Return how many items there are."))
    ]
    rule = ObjectNamed()
    for question, expected in (
        ("What does json.dumps return?", [sections[1]]),
        ("Which exception does json.dump() raise?", [sections[0]]),
        ("What does count() return?", [sections[2]]),
        ("How do I count the items?", []),  # a word, not the call
        ("What does json return?", []),  # the page's name, not a function's
    ):
        assert [s for _, s in rule.sections(asked(question), [doc])] == expected, question
    # A signature whose default value is a call names its object all the same.
    nested = "bisect_left(a, x, lo=0, hi=len(a))"
    page = _titled_page(f"{nested}\n\nText.\n", (nested,))
    assert rule.sections(asked("What does bisect_left return?"), [page])
    # A heading that is one name: an object's when a dot or an underscore is inside it; not a
    # product's name, nor a guide's section on a class.
    for title, question, named in (
        ("SECRET_KEY", "What is the default value of secret_key?", True),
        ("``json.dumps``", "What does json.dumps return?", True),
        ("`UploadFile`", "Why use UploadFile instead of bytes?", False),
        ("OpenAPI", "Which OpenAPI version is used?", False),
        ("`Request`", "What does a request hold?", False),
        # A member is named by itself when it reads as code: the page is about its owner.
        ("`worker.workerData`", "What is workerData?", True),
        ("`worker.workerData`", "What is worker.workerData?", True),
        ("`worker.max_threads`", "What is max_threads?", True),
        ("`error.stack`", "What is in a stack?", False),
        ("`worker.workerData`", "What is otherData?", False),
    ):
        page = _titled_page(f"{title}\n\nText.\n", (title,))
        assert bool(rule.sections(asked(question), [page])) is named, title
    led = rule.scoped(ranked, rule.sections(asked("What does json.dumps return?"), [doc]))
    assert [r.sentence.text for r in led] == [
        bodies[1],
        bodies[0],
        "Return how many items there are.",
    ]


def _page_and_section(
    page_title: str, section_title: str
) -> tuple[Document, Section, Section, list[Sentence]]:
    """A page with one section under it, each opening with a sentence (the candidates)."""
    text = f"{page_title}\n\nThe page opens here.\n\n{section_title}\n\nThe section opens here.\n"
    at = text.index(f"\n\n{section_title}\n") + 2
    page = Section(page_title, 1, 0, len(page_title), len(page_title) + 2, at - 2)
    section = Section(
        section_title, 2, at, at + len(section_title), at + len(section_title) + 2, len(text)
    )
    doc = Document("d", "d.md", text, "h", title=page_title, sections=[page, section])
    openings = ["The page opens here.", "The section opens here."]
    candidates = _placed(text, openings)
    return doc, page, section, candidates


def test_section_asked_takes_the_section_the_topic_names_most_exactly() -> None:
    """A page "Neap Tide Tables" with a section "Tide Tables": the topic "neap tide tables" names
    the page; quoted first, "Tide Tables" names the section, its page after it."""
    doc, page, section, candidates = _page_and_section("Neap Tide Tables", "Tide Tables")
    scores = np.array([0.1, 0.9])
    rule = SectionAsked()
    found = rule.check(asked("What does it say about neap tide tables?"), candidates, scores, [doc])
    assert found is not None and found[1] is page
    quoted = asked('What does the documentation say about "Tide Tables" in "Neap Tide Tables"?')
    found = rule.check(quoted, candidates, scores, [doc])
    assert found is not None and found[1] is section
    # A section headed like its page: the topic names the page, the section is part of it.
    doc, page, section, candidates = _page_and_section("Tide Tables", "Tide tables")
    found = rule.check(asked('What does it say about "Tide Tables"?'), candidates, scores, [doc])
    assert found is not None and found[1] is page
    # Quoted word for word, a heading differing from its page's only by a stop word is named.
    doc, page, section, candidates = _page_and_section("Tables", "Other tables")
    scores = np.array([0.9, 0.1])
    quoted = asked('What does the documentation say about "Other tables" in "Tables"?')
    found = rule.check(quoted, candidates, scores, [doc])
    assert found is not None and found[1] is section
    found = rule.check(asked('What does it say about "Tables"?'), candidates, scores, [doc])
    assert found is not None and found[1] is page


def test_headings_over_a_place_are_its_section_and_each_one_above_it() -> None:
    text = "# Changes\n## v1.7.0\n### Added\nA.\n### Fixed\nB.\n## v1.6.0\nC.\n"

    def section(title: str, level: int) -> Section:
        at = text.index("#" * level + " " + title)
        body = at + level + 1 + len(title)
        later = [text.find("\n#", body)]
        return Section(title, level, at, body, body, later[0] if later[0] > 0 else len(text))

    sections = [section(*t) for t in [("Changes", 1), ("v1.7.0", 2), ("Added", 3)]]
    sections += [section(*t) for t in [("Fixed", 3), ("v1.6.0", 2)]]
    doc = Document("d", "d.md", text, "h", title="Changes", sections=sections)
    assert headings_over(doc, text.index("B.")) == ("Fixed", "v1.7.0", "Changes")
    assert headings_over(doc, text.index("C.")) == ("v1.6.0", "Changes")
    assert headings_over(doc, 0) == ("Changes",)
    assert headings_over(None, 5) == ()


def test_a_version_after_a_v_is_read_as_its_number() -> None:
    assert numbers("v1.7.0 (2025-06-09)") >= {"1.7.0", "2025"}
    assert "7.0" not in numbers("v1.7.0")
    assert numbers("IPv6 and v2") == set()
    assert dotted_numbers("v1.7.0, then V2.0 and 3.1") == ["1.7.0", "2.0", "3.1"]


def test_option_absent_refuses_an_option_the_passages_document_never_writes() -> None:
    """ "--stack-size" is not "--stack-trace-limit", though the words are shared; an option is
    written as itself, with its value or among its other forms."""
    page = "`-c`, `--check`\n\nSyntax check.\n\n`--stack-trace-limit=limit`\n\nThe default is 10.\n"
    rule = OptionAbsent()
    refused = rule.check(asked("What is the default value of --stack-size?"), page)
    assert refused is not None and refused.refuse == "not_in_documents"
    assert "--stack-size" in refused.why
    assert rule.check(asked("What is the default of --stack-trace-limit?"), page) is None
    assert rule.check(asked("What does -c do?"), page) is None
    assert rule.check(asked("What does -C do?"), page) is not None  # a letter's case counts
    assert rule.check(asked("What is the default stack size?"), page) is None  # no option


def test_only_documents_writing_the_options_a_question_names_can_answer_it() -> None:
    tool = document("`-c`, `--check`\n\nSyntax check.\n\n`--flush`\n\nEmpty the cache.\n")
    notes = document("The tide cache is flushed by hand each week.\n")
    notes = replace(notes, id="notes")
    rule = OptionAbsent()
    assert rule.writers(asked("What does --flush empty?"), [tool, notes]) == {tool.id}
    assert rule.writers(asked("Can -c and --flush be combined?"), [tool, notes]) == {tool.id}
    assert rule.writers(asked("What does --purge empty?"), [tool, notes]) == set()
    assert rule.writers(asked("How is the cache flushed?"), [tool, notes]) == set()  # no option


def test_a_question_names_a_term_by_its_name_not_by_its_words() -> None:
    trace = ["--trace-children=<yes|no> [default: no]"]
    assert not names_term("Which option makes Valgrind trace into child processes?", trace)
    assert names_term("What does --trace-children do?", trace)
    assert names_term("What does the trace-children option do?", trace)
    assert not names_term("What does --no-trace-children do?", trace)
    assert names_term("How do I call json.dump?", ["json.dump(obj, fp, *, skipkeys=False)"])
    assert not names_term("Who owns Postgresql databases?", ["postgres"])
    assert names_term("What is `PGHOST`?", ["`PGHOST`"])
    assert names_term("Why is ssh-agent setgid to _ssh?", ["_ssh"])
    # One letter: its dash and its case count.
    assert names_term("What does -c do?", ["-c", "--clean"])
    assert not names_term("What does -C do?", ["-c", "--clean"])
    assert not names_term("Is c fast?", ["-c"])
    assert term_names_split("-c, --clean\n-x") == ["-c", "--clean", "-x"]


def test_a_glossary_term_over_its_indented_definition_is_found_and_describes_it() -> None:
    """reStructuredText writes a definition list's term on a line of its own over its indented
    definition, which reads as one candidate ("project" over "    A library, framework, ...");
    a function's signature is such a term ("``require(*requirements)``")."""
    glossary = "Terms:\n\nproject\n    A library or an application.\n\nrelease\n    A snapshot.\n"
    assert defines_term(glossary, "project")
    assert not defines_term(glossary, "library")
    assert not defines_term("project\nA library or an application.\n", "project")  # no indent
    signature = "``require(*requirements)``\n    Ensure that they are active.\n"
    assert defines_term(signature, "require()")

    def item(text: str, role: str = "list_item") -> Sentence:
        return Sentence("d", "c", None, 0, len(text), text, 0, role)

    project = item("project\n    A library or an application.")
    assert project.leading_term_names == ["project"] and project.describes_term
    assert not item("project\nA library.").leading_term_names
    assert not item("project\n    A library.", role="sentence").leading_term_names
    assert not item("Use it.\n    It works.").leading_term_names  # a sentence is no term
    glossary_items = [item("release\n    A snapshot."), project]
    assert Defined().check(asked("What is a project?"), glossary_items) == 1
    required = [item("``require(*requirements)``\n    Ensure that they are active.")]
    assert PurposeStated().check(asked("What does require() do?"), required) == 0
    assert PurposeStated().check(asked("What does require do?"), required) == 0
    assert PurposeStated().check(asked("What does acquire() do?"), required) is None


def test_number_absent_refuses_a_passage_about_another_instance() -> None:
    rule = NumberAbsent()
    summit = scored("The 1997 summit was held in the old harbour hall.")
    verdict = rule.check(asked("Where was the 2022 summit held?"), summit, {})
    assert verdict is not None and verdict.refuse == "not_in_documents"
    assert verdict.rule == "number_absent" and "2022" in verdict.why
    assert rule.check(asked("Where was the 1997 summit held?"), summit, {}) is None
    # The number may stand in the passage's context: its section's or its document's title.
    titled = Sentence("doc", "c", "The 2022 summit", 0, 10, "It was held in the hall.", 0)
    in_title = ScoredSentence(titled, 0.5, 0.5, 0.9, term_set(titled.text))
    assert rule.check(asked("Where was the 2022 summit held?"), in_title, {}) is None
    untitled = replace(titled, section=None)
    hall = ScoredSentence(untitled, 0.5, 0.5, 0.9, term_set(untitled.text))
    assert rule.check(asked("Where was the 2022 summit held?"), hall, {}) is not None
    assert (
        rule.check(asked("Where was the 2022 summit held?"), hall, {"doc": "2022 summit"}) is None
    )
    # Or a section's title above its own (a changelog's "Fixed" under its version, "v" or not).
    fixed = replace(titled, section="Fixed", text="Fixed the parser.")
    fix = ScoredSentence(fixed, 0.5, 0.5, 0.9, term_set(fixed.text))
    question = asked("What was fixed in 1.7.0?")
    assert rule.check(question, fix, {}) is not None
    assert rule.check(question, fix, {}, ("Fixed", "v1.7.0 (2025-06-09)")) is None
    assert rule.check(question, fix, {}, ("Fixed", "v1.6.0 (2024-10-22)")) is not None
    # A version asked by its leading parts is the series of the release it names ("yarl 1.7"
    # under "v1.7.0"); "1.7" is no part of "1.70.0", and a whole number is no version series.
    series = asked("What was fixed in 1.7?")
    assert rule.check(series, fix, {}, ("Fixed", "v1.7.0 (2025-06-09)")) is None
    assert rule.check(series, fix, {}, ("Fixed", "v1.70.0 (2025-06-09)")) is not None
    # A number joined to a function word is no name's: "1-to-100" is a range.
    ranged = scored("Checking values between 1 and 100 in every function is tedious.")
    assert rule.check(asked("Why not check the 1-to-100 range everywhere?"), ranged, {}) is None
    weight = asked("Which gauge weighs 12 kilograms?")
    assert rule.check(weight, scored("The GX weighs 12.5 kilograms."), {}) is not None
    # What the passage introduces is quoted with it: the command it shows holds the number.
    run = scored("Run the gauge suite with a limit in seconds::")
    question = asked("How do I set a limit of 300 seconds?")
    assert rule.check(question, run, {}) is not None
    assert rule.check(question, run, {}, shown="gauge --limit=300") is None
    # Single digits are often written as words; a question without a number is not judged.
    assert rule.check(asked("Which 2 parties met?"), scored("The two parties met."), {}) is None
    assert rule.check(asked("Where was the summit held?"), summit, {}) is None
    # Not a digit written onto a name: a version or a model of the thing, not a quantity.
    gauge = scored("The Tidewell reads GX/2 gauges and the older GX1.")
    verdict = rule.check(asked("Does Tidewell read GX/3 gauges?"), gauge, {})
    assert verdict is not None and "3" in verdict.why
    assert rule.check(asked("Does Tidewell read GX4?"), gauge, {}) is not None
    assert rule.check(asked("Does Tidewell read GX/2 gauges?"), gauge, {}) is None
    assert rule.check(asked("Does Tidewell read GX1 gauges?"), gauge, {}) is None
    # Another name's digit is not the asked name's number.
    other = scored("tidelib3 reads GX/2 gauges.")
    assert rule.check(asked("Does tidelib3 read GX/3 gauges?"), other, {}) is not None
    # A passage that writes no such name is about no other instance of it when its document
    # writes the name (the document's subject); in a document never writing it, it is missing.
    removed = scored("Support for LibreGauge readers was removed.")
    question = asked("Does tidelib3 support LibreGauge readers?")
    guide = "The tidelib3 guide. Support for LibreGauge readers was removed."
    assert rule.check(question, removed, {}, (), guide) is None
    assert rule.check(question, removed, {}, (), removed.sentence.text) is not None
    reads, gx3 = scored("It reads gauges."), asked("Does Tidewell read GX/3 gauges?")
    assert rule.check(gx3, reads, {}, (), "GX/3 gauges. It reads gauges.") is None
    assert rule.check(gx3, reads, {}, (), "It reads gauges.") is not None


def test_negation_unstated_refuses_what_is_not_so_from_a_passage_denying_nothing() -> None:
    rule = NegationUnstated()
    carry = scored("Both the pumps and the valves carry a serial number.")
    verdict = rule.check(asked("Which parts do not carry a serial number?"), [carry])
    assert verdict is not None and verdict.refuse == "not_in_documents"
    assert verdict.rule == "negation_unstated"
    assert rule.check(asked("Which parts don't carry a serial number?"), [carry]) is not None
    # A passage that denies something may answer; so may any passage for a question not negated.
    denies = scored("The filters do not carry a serial number.")
    assert rule.check(asked("Which parts do not carry a serial number?"), [denies]) is None
    assert (
        rule.check(asked("Which parts never carry one?"), [scored("Gauges work without one.")])
        is None
    )
    assert rule.check(asked("Which parts carry a serial number?"), [carry]) is None
    # A negative prefix on the question's word denies it ("Unsupported options include:"); on
    # another word it denies nothing the question asks.
    unsupported = scored("Unsupported gauge options include:")
    assert rule.check(asked("Which gauge options are not supported?"), [unsupported]) is None
    invalid = scored("An invalid reading resets the gauge.")
    assert rule.check(asked("Which gauge options are not supported?"), [invalid]) is not None
    # A negated condition is a negation too: what happens with a number is not what happens
    # without one.  A yes/no question is confirmed by what is so, and a quoted passage is the
    # document's wording, not the user's negation.
    assert rule.check(asked("If a part has no number, what happens?"), [carry]) is not None
    assert rule.check(asked("Does every pump not carry a serial number?"), [carry]) is None
    assert rule.check(asked('What does the page say after "Not found"?'), [carry]) is None
    # A negator inside a hyphenated name negates nothing ("--no-index", an option's name).
    assert rule.check(asked("What does --no-index do?"), [carry]) is None
    assert rule.check(asked("Which parts are not-numbered?"), [carry]) is not None
    # A question for a reason takes what is not so as given; the reason need not deny it again
    # (the Python FAQ's "Why is there no goto?" was refused).
    reason = scored("Silt settles in the well and the float sticks.")
    assert rule.check(asked("Why doesn't the gauge read the tide?"), [reason]) is None
    assert rule.check(asked("The gauge is stuck; why is there no reading?"), [reason]) is None
    assert rule.check(asked("Which gauges don't read the tide?"), [reason]) is not None
    # A close runner-up that denies answers instead; a distant one, or one past the next two,
    # does not.
    question = asked("Which parts do not carry a serial number?")
    filters = replace(scored("The filters do not carry a serial number."), score=0.8)
    verdict = rule.check(question, [carry, filters])
    assert verdict is not None and verdict.refuse is None and verdict.rule == "negation_stated"
    assert verdict.ranked[0] is filters
    for ranked in ([carry, replace(filters, score=0.7)], [carry, carry, carry, filters]):
        verdict = rule.check(question, ranked)
        assert verdict is not None and verdict.refuse == "not_in_documents"


def test_name_swapped_refuses_a_passage_about_another_thing_of_the_same_kind() -> None:
    rule = NameSwapped()
    western = scored("The Western Railway stops at Kessel and Northgate.")
    verdict = rule.check(asked("Where does the Eastern Railway stop?"), western, {})
    assert verdict is not None and verdict.refuse == "not_in_documents"
    assert verdict.rule == "name_swapped" and "Western" in verdict.why
    wednesday = scored("Meetings take place on Wednesday afternoons from 2 pm.")
    assert rule.check(asked("When do meetings end on Tuesday afternoons?"), wednesday, {})
    # The same name, or the asked name in the passage's context or its document's title.
    assert rule.check(asked("Where does the Western Railway stop?"), western, {}) is None
    titled = rule.check(asked("Where does the Eastern Railway stop?"), western, {"doc": "Eastern"})
    assert titled is None
    # Not swaps: another spelling, a compound, an initial, a list, the question's first word.
    scotland = scored("It was passed by the Scotland Parliament in 1998.")
    assert rule.check(asked("When did the Scottish Parliament pass it?"), scotland, {}) is None
    talk = scored("The AppleTalk system assigned addresses.")
    assert rule.check(asked("What did the Apple Talk system assign?"), talk, {}) is None
    stearley = scored("Ralph Francis Stearley served on the board.")
    assert rule.check(asked("Where did Ralph F. Stearley serve?"), stearley, {}) is None
    makers = scored("It forced General Motors, Ford and Chrysler to build small cars.")
    assert rule.check(asked("What did it force GM, Ford and Chrysler to do?"), makers, {}) is None
    assert (
        rule.check(asked("Eastern trains stop where?"), scored("Western trains stop."), {}) is None
    )
    # The question's word beyond the asked one, next to the neighbour, is no swap: the passage
    # left the asked word out. Question words in another order still name another thing.
    iso = scored("Unsupported ISO options include:")
    assert rule.check(asked("Which ISO JPEG options are not supported?"), iso, {}) is None
    assert rule.check(asked("Which JPEG options are not supported?"), iso, {}) is not None
    kerr = scored("In 1943 Robert John Kerr was born in Portadown.")
    assert rule.check(asked("Where was Sir John Robert Kerr born?"), kerr, {}) is not None
    # A number in the asked number's place; the same number is none.
    three = scored("The council elects 3 members to serve as its officers.")
    assert rule.check(asked("The council elects 2 members to serve as what?"), three, {})
    assert rule.check(asked("The council elects 3 members to serve as what?"), three, {}) is None
    # A word opening a sentence of the passage is capitalised for that alone; one that is a
    # name there too (all capitals, or capitalised inside a sentence) still swaps.
    opening = scored("Subsidence support for the harbour wall. The wall is checked weekly.")
    assert rule.check(asked("Does Tidewell support the harbour wall?"), opening, {}) is None
    named = scored("Kessel support for the harbour wall. It is checked by Kessel weekly.")
    assert rule.check(asked("Does Tidewell support the harbour wall?"), named, {}) is not None
    acronym = scored("KSL support for the harbour wall.")
    assert rule.check(asked("Does Tidewell support the harbour wall?"), acronym, {}) is not None


def scored(text: str) -> ScoredSentence:
    sentence = Sentence("doc", "c", None, 0, len(text), text, 0)
    return ScoredSentence(sentence, 0.5, 0.5, 0.9, term_set(text))


def test_unconfirmed_refuses_a_yes_no_question_its_best_passage_shares_no_word_with() -> None:
    rule = Unconfirmed()
    best = scored("The most salient precedent was the 1994 Budapest Memorandum.")
    # A follow-up carries "Budapest Memorandum" into retrieval; the user's words do not match.
    follow_up = Asked(
        "Was it ratified?", "Was it ratified?", "Was it ratified? (Budapest Memorandum)", 100
    )
    verdict = rule.check(follow_up, best)
    assert verdict is not None and verdict.refuse == "not_in_documents"
    assert verdict.rule == "unconfirmed" and "ratifi" in verdict.why
    # A word of the question (or one derived from it) in the passage: the model judges.
    surrendered = scored("Under that agreement, Ukraine surrendered its nuclear arsenal.")
    assert rule.check(asked("Did they surrender?"), surrendered) is None
    assert rule.check(asked("Was the memorandum signed in 1997?"), best) is None
    # Only yes/no questions, and only with a content word of their own.
    assert rule.check(asked("Who ratified it?"), best) is None
    assert rule.check(asked("Is it?"), best) is None
    # A reply under a heading that asks the question confirms or denies it (the Python FAQ's
    # "Is there a scanf() or sscanf() equivalent?" / "Not as such." was refused).
    heading = "Is there a tide table for the harbour?"
    reply = ScoredSentence(
        Sentence("doc", "c", heading, 0, 12, "Not as such.", 0), 0.5, 0.5, 0.9, term_set("")
    )
    assert rule.check(asked("Is there a tide table for the harbour?"), reply) is None
    assert rule.check(asked("Was the harbour dredged?"), reply) is None
    assert rule.check(asked("Was the quay dredged?"), reply) is not None


def linear(names: tuple[str, ...], weights: dict[str, float], bias: float) -> LinearModel:
    coef = np.array([weights.get(n, 0.0) for n in names])
    return LinearModel(names, np.zeros(len(names)), np.ones(len(names)), coef, bias)


def test_linear_model_is_a_logistic_regression_and_round_trips() -> None:
    model = AnswerabilityModel(
        linear(FEATURES, {"cos": 2.0}, -1.0), linear(QUESTION_FEATURES, {"best_p": 3.0}, -1.5), 0.5
    )
    rows = np.zeros((2, len(FEATURES)))
    rows[1, FEATURES.index("cos")] = 1.0
    p = model.score_candidates(rows)
    assert p[0] == pytest.approx(1 / (1 + np.exp(1.0)))
    assert p[1] == pytest.approx(1 / (1 + np.exp(-1.0)))
    again = AnswerabilityModel.from_dict(model.to_dict())
    assert np.allclose(again.score_candidates(rows), p)
    with pytest.raises(ValueError):
        AnswerabilityModel(model.candidate, model.question, 1.5)


def test_question_features_read_the_best_candidate() -> None:
    features = np.zeros((3, len(FEATURES)))
    features[2, FEATURES.index("coverage_ctx")] = 0.75
    row = question_features(np.array([0.1, 0.2, 0.9]), features, np.array([0.5, 0.6, 0.4]))
    values = dict(zip(QUESTION_FEATURES, row, strict=True))
    assert values["best_p"] == pytest.approx(0.9) and values["second_p"] == pytest.approx(0.2)
    assert values["best_cos"] == pytest.approx(0.4) and values["max_cos"] == pytest.approx(0.6)
    assert values["best_coverage_ctx"] == pytest.approx(0.75)


def test_the_committed_model_matches_the_signals() -> None:
    model = load_model()
    assert model.candidate.names == FEATURES
    assert 0.0 < model.threshold < 1.0


def test_a_role_seen_in_one_training_row_gets_no_large_weight() -> None:
    """Standardised, a 0/1 column set once in 10,000 rows has a scale of 0.01, and its fitted
    weight per unit explodes; role indicators stay on their 0/1 scale."""
    rng = np.random.default_rng(0)
    n = 10_000
    names = ("cos", "role_other")
    x = np.column_stack([rng.normal(size=n), np.zeros(n)])
    x[0, 1] = 1.0
    y = (x[:, 0] + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
    y[0] = 0
    model = _fit_linear(x, y, np.ones(n), names, 1.0)
    per_unit = model.coef / model.scale
    assert abs(per_unit[1]) < 3.0
    assert per_unit[0] > 1.0  # the frequent signal is still learned


def test_the_committed_model_lets_every_role_answer() -> None:
    """A table row, a quotation or a list item with the same signals as a sentence scores
    within a factor of the sentence's probability: no role is silenced."""
    model = load_model()
    col = {name: i for i, name in enumerate(FEATURES)}
    sentence = model.candidate.mean.copy()
    for name in FEATURES:
        if name.startswith("role_"):
            sentence[col[name]] = 0.0
    rows = [sentence]
    for role in ("role_other", "role_list_item", "role_list_intro", "role_code"):
        row = sentence.copy()
        row[col[role]] = 1.0
        rows.append(row)
    logits = np.log(1 / model.score_candidates(np.vstack(rows)) - 1) * -1
    assert np.all(np.abs(logits[1:] - logits[0]) < 3.0), logits


def test_threshold_reaches_the_precision() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2])
    labels = np.array([1, 1, 0, 1, 0, 0])
    threshold, curve = choose_threshold(scores, labels, ["a"] * 6, precision=0.99)
    # 0.71 to 0.80 answer only the two right ones; the lowest of those ties is taken.
    assert threshold == pytest.approx(0.71)
    assert curve[0]["answered"] == pytest.approx(1.0)


def test_threshold_is_the_most_balanced_of_those_reaching_the_precision() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([1, 1, 1, 0, 1, 0])
    threshold, curve = choose_threshold(scores, labels, ["a"] * 6, precision=0.75)
    # 0.41 is the lowest reaching 0.75 (4 of 5 answers right, balanced accuracy 0.75); 0.61
    # answers 3 of 4 answerable and refuses both others (balanced accuracy 0.875).
    assert threshold == pytest.approx(0.61)
    chosen = next(p for p in curve if p["threshold"] == pytest.approx(0.61))
    assert chosen["precision"] == pytest.approx(1.0)
    assert chosen["balanced_accuracy"] == pytest.approx(0.875)


def test_threshold_is_the_most_precise_when_none_reaches_the_precision() -> None:
    # Answering nothing counts as precise, so only scores above every threshold get here.
    scores = np.array([0.99, 0.98, 0.97])
    labels = np.array([0, 1, 1])
    threshold, curve = choose_threshold(scores, labels, ["a"] * 3, precision=0.99)
    assert all(p["precision"] == pytest.approx(2 / 3) for p in curve)
    assert threshold == pytest.approx(0.05)


def test_answer_kind_from_question_words() -> None:
    assert answer_kind(intent("How many pumps are there?"), "How many pumps are there?") == "number"
    assert answer_kind(intent("When did it open?"), "When did it open?") == "date"
    assert answer_kind(intent("Who built it?"), "Who built it?") == "name"
    assert answer_kind(intent("Why did it close?"), "Why did it close?") is None
    # "count" asks for a number as the verb opening the question, not as a noun.
    assert intent("Count the pumps on the quay.").count
    assert not intent("What happens when a pump's reference count overflows?").count


def test_an_address_holds_the_place_a_where_question_asks_for() -> None:
    question = "Where should I report bugs in Tidewater?"
    assert _holds_kind("name", question, "Report bugs to bugs@tidewater.example.org.", set())
    assert _holds_kind("name", question, "The tracker is at https://example.org/issues.", set())
    assert not _holds_kind("name", question, "Report bugs to the mailing list.", set())
    asked_with = "Is bugs@tidewater.example.org where I report bugs?"
    assert not _holds_kind("name", asked_with, "Write to bugs@tidewater.example.org.", set())


def test_a_file_path_holds_the_place_a_where_question_asks_for() -> None:
    question = "Where does Tidewater keep its cache on Linux?"
    for path in ("~/.cache/tidewater", "/var/cache/tidewater", "%LocalAppData%\\tide\\Cache"):
        assert _holds_kind("name", question, f"```\n{path}\n```", set()), path
    assert _holds_kind("name", question, "It honours $XDG_CACHE_HOME/tidewater too.", set())
    # A slash between words or after one is no path: "and/or", "HTTP/2", "km/h".
    for text in ("Cached and/or fetched.", "It speaks http/2 only.", "Speed in km/h."):
        assert not _holds_kind("name", question, text, set()), text


def test_a_version_holds_the_when_a_question_asks_for() -> None:
    """In software's documents a version says when: "added ... in Python 3.4"."""
    question = "When was the tide module added to the standard library?"
    assert answer_kind(intent(question), question) == "date"
    added = "The tide module was added to the standard library in Python 3.4."
    assert _holds_kind("date", question, added, set())
    assert _holds_kind("date", question, "It was added in 2014.", set())
    assert not _holds_kind("date", question, "The tide module was added to it.", set())
    # The question's own version is no answer to it.
    again = "When was the tide module in Python 3.4 added?"
    assert not _holds_kind("date", again, "The tide module came with Python 3.4.", set())


def test_a_list_introduction_holds_the_count_a_how_many_question_asks_for() -> None:
    question = "How many tools does the kit include?"
    assert answer_kind(intent(question), question) == "number"
    assert not _holds_kind("number", question, "The kit includes:", set())
    assert _holds_kind("number", question, "The kit includes:", set(), introduces=True)
    assert _holds_kind("number", question, "The kit includes three tools.", set())


def test_code_naming_what_the_prose_states_is_not_labelled_an_answer() -> None:
    texts = ["Tidy is a library for cleaning tables.", "pip install tidy", "Tidy runs fast."]
    roles = ["sentence", "code", "sentence"]
    # The prose holds the gold string: the code block that repeats it is left unlabelled.
    assert _gold_labels(texts, roles, ["tidy is a library"]).tolist() == [1, 0, 0]
    assert _gold_labels(texts, roles, ["tidy"]).tolist() == [1, -1, 1]
    # Only the code holds it: the code block is the answer.
    assert _gold_labels(texts, roles, ["pip install"]).tolist() == [0, 1, 0]


def test_derived_words_match() -> None:
    assert same_word("emerg", "emergenc") and not same_word("cat", "catalog")
    assert term_in("govern", frozenset({"government"[:10]}))


def test_a_large_term_set_is_searched_as_a_small_one_is() -> None:
    # Over a large set term_in looks derived forms and stems up instead of comparing pairwise:
    # the answer must be the pairwise rule's, for exact, derived, stem and unrelated terms.
    def pairwise(term: str, terms: frozenset[str]) -> bool:
        if term in terms:
            return True
        return len(term) >= 5 and not term[:1].isdigit() and any(same_word(term, t) for t in terms)

    stems = ["govern", "emerg", "announc", "configur", "depend", "install", "secur", "territor"]
    filler = [f"word{i:03d}" for i in range(60)]
    for kept in (stems[::2], stems[1::2]):
        large = frozenset([*filler, *(s + "ment" for s in kept), *kept, "nation", "1999"])
        small = frozenset(t for t in large if not t.startswith("word"))
        for stem in [*stems, "nationalist", "natio", "1999al", "wordy", "cat"]:
            for term in (stem, stem + "ment", stem + "al", stem[:-1], stem + "ness"):
                assert term_in(term, large) == pairwise(term, large), term
                assert term_in(term, small) == pairwise(term, small), term


def test_condense_reads_the_refused_flag_not_the_wording() -> None:
    history = [
        Turn(role="user", content="Who designed the Harbour Bridge?"),
        Turn(role="assistant", content="Anything at all: Bradfield.", refused=True),
    ]
    carried = condense("and when was it finished?", history)
    assert "Bradfield" not in carried and "Harbour" in carried


def test_decision_is_frozen() -> None:
    decision = Decision("not_in_documents", "answerability")
    with pytest.raises(AttributeError):
        decision.rule = "other"  # type: ignore[misc]


def document(text: str) -> Document:
    """A Markdown document with its blocks, read by the ingest's own Markdown reader."""
    return Document(
        id="doc", path="doc.md", text=text, content_hash="h", blocks=markdown_blocks(text)
    )


def test_list_asked_answers_member_questions_from_an_introduced_list() -> None:
    text = "Intro line.\n\nThe kit includes:\n\n- a rope\n- a lamp\n"
    doc = document(text)
    cands = [sentence(0, 11, text[0:11]), sentence(13, 30, text[13:30], role="list_intro")]
    rule = ListAsked()
    scores = np.array([0.1, 0.3])
    assert rule.check("How many things does the kit include?", scores, cands, [doc]) == 1
    assert rule.check("List what the kit includes.", scores, cands, [doc]) == 1
    assert rule.check("Which tools does the kit include?", scores, cands, [doc]) == 1
    # Not a question for members, or the best evidence is not the introduction.
    assert rule.check("Why does the kit exist?", scores, cands, [doc]) is None
    # A manner asked for, with a count inside it; a quoted "how" is the document's word.
    assert rule.check("How can I limit how many things it has?", scores, cands, [doc]) is None
    assert rule.check('"How to pack": how many things?', scores, cands, [doc]) == 1
    assert rule.check("How many things?", np.array([0.5, 0.3]), cands, [doc]) is None
    # A limit or a setting is a value the text states, not a count of the list's items.
    for limit in ("What is the maximum number of things?", "What is the default number of ropes?"):
        assert rule.check(limit, scores, cands, [doc]) is None, limit
    assert rule.check("What is the total number of things?", scores, cands, [doc]) == 1
    # An introduction within the member margin of the best candidate is the evidence asked for.
    near = np.array([0.5, 0.4])
    assert rule.check("How many things?", near, cands, [doc], answerable=True) == 1
    assert rule.check("How many things?", near, cands, [doc], answerable=False) is None
    # ... or, when the model finds nothing answers, one that holds a word of the question.
    mentions = np.array([False, True])
    assert rule.check("How many things?", near, cands, [doc], mentions=mentions) == 1
    assert rule.check("How many things?", near, cands, [doc], mentions=~mentions) is None
    assert (
        ListAsked(member_margin=0.0).check("How many?", near, cands, [doc], answerable=True) is None
    )
    # The list is missing: nothing to answer with.
    cut = document(text[:31])
    assert rule.check("How many things does the kit include?", scores, cands, [cut]) is None


def test_list_asked_takes_the_list_a_best_lead_sentence_leads_into() -> None:
    text = "Intro line.\n\nPack light. The kit includes:\n\n- a rope\n- a lamp\n"
    doc = document(text)
    cands = [
        sentence(0, 11, text[0:11]),
        sentence(13, 24, text[13:24]),
        sentence(25, 42, text[25:42], role="list_intro"),
    ]
    rule = ListAsked()
    # The sentence leading into the introduction is the best evidence: its list answers.
    assert rule.check("Which tools are packed?", np.array([0.1, 0.6, 0.2]), cands, [doc]) == 2
    # Another paragraph's sentence leads into nothing; and a region of none leads nowhere.
    assert rule.check("Which tools are packed?", np.array([0.6, 0.1, 0.2]), cands, [doc]) is None
    none = ListAsked(lead_sentences=0)
    assert none.check("Which tools are packed?", np.array([0.1, 0.6, 0.2]), cands, [doc]) is None
    # The list is missing after the introduction the lead sentence leads into.
    cut = document(text[:43])
    assert rule.check("Which tools are packed?", np.array([0.1, 0.6, 0.2]), cands, [cut]) is None


def test_list_asked_takes_a_paragraph_right_over_a_list_without_a_colon() -> None:
    """A paragraph over a list leads into it though no sentence of it ends in a colon ("Three
    kinds are sold. They fit any boat." over the kinds); one that ends in a colon has its
    introduction, and one under which no list stands leads nowhere."""
    text = "Intro line.\n\nThree kinds are sold. They fit any boat.\n\n- a rope\n- a lamp\n"
    doc = document(text)
    cands = [
        sentence(0, 11, text[0:11]),
        sentence(13, 34, text[13:34]),
        sentence(35, 52, text[35:52]),
    ]
    rule = ListAsked()
    assert rule.check("Which kinds are sold?", np.array([0.1, 0.6, 0.2]), cands, [doc]) == 1
    assert rule.check("Which kinds are sold?", np.array([0.6, 0.1, 0.2]), cands, [doc]) is None
    assert rule.check("Why are they sold?", np.array([0.1, 0.6, 0.2]), cands, [doc]) is None
    # A list item is no paragraph over a list.
    item = [cands[0], sentence(13, 34, text[13:34], role="list_item"), cands[2]]
    assert rule.check("Which kinds are sold?", np.array([0.1, 0.6, 0.2]), item, [doc]) is None


def test_list_asked_takes_the_introduction_the_question_quotes() -> None:
    text = "The kit includes:\n\n- a rope\n- a lamp\n\nThe box holds:\n\n- a map\n"
    doc = document(text)
    cands = [
        sentence(0, 17, text[0:17], role="list_intro"),
        sentence(38, 52, text[38:52], role="list_intro"),
    ]
    rule = ListAsked()
    scores = np.array([0.6, 0.1])
    # The best-scoring introduction, unless the question quotes another one.
    assert rule.check("Which items are listed?", scores, cands, [doc]) == 0
    assert rule.check("Which items are listed?", scores, cands, [doc], quoted=[1]) == 1
    # A quoted sentence that introduces nothing leaves the best one.
    plain = [cands[0], sentence(38, 52, text[38:52])]
    assert rule.check("Which items are listed?", scores, plain, [doc], quoted=[1]) == 0


def test_source_truncated_fires_for_a_quoted_announcement_whatever_the_scores() -> None:
    text, gap, cands = club_rules()
    rule = SourceTruncated()
    texts = {"doc": text}
    p = neutral = np.array([0.1, 0.05, 0.9])
    question = 'Which rules follow "the rules included"?'
    assert rule.check(question, p, neutral, cands, [gap], texts) is None
    assert rule.check(question, p, neutral, cands, [gap], texts, quoted=[1]) == gap
    # Quoting is not asking for the members: "why" is answered from the text.
    why = 'Why does it say "the rules included"?'
    assert rule.check(why, p, neutral, cands, [gap], texts, quoted=[1]) is None
    # A quoted sentence that announces no gap changes nothing.
    assert rule.check(question, p, neutral, cands, [gap], texts, quoted=[2]) is None


@pytest.mark.parametrize(
    ("question", "phrases"),
    [
        ('List them: "The key features are".', [("the", "key", "features", "are")]),
        ("What does “ignore the docs” do?", [("ignore", "the", "docs")]),
        ('What is the "async" keyword?', [("async",)]),
        ('What does " " mean?', []),  # nothing in the quotes
        ("Which items are listed?", []),
        ('"a b c" and "a b c" and "d e f"', [("a", "b", "c"), ("d", "e", "f")]),
    ],
)
def test_quoted_phrases(question: str, phrases: list[tuple[str, ...]]) -> None:
    assert quoted_phrases(question) == phrases


def test_contains_phrase_ignores_case_punctuation_and_markup() -> None:
    text = "Validation for most Python **data types**, including:"
    assert contains_phrase(text, ("python", "data", "types", "including"))
    assert contains_phrase(text, ("validation", "for", "most"))
    assert not contains_phrase(text, ("data", "python", "types"))
    assert not contains_phrase(text, ("valid", "for", "most"))  # whole words only
    assert not contains_phrase(text, ())
    # Letters other than a to z, and marks, stand between words as punctuation does.
    assert contains_phrase("A gauge – is read; the gauge’s é is", ("gauge", "is"))
    assert contains_phrase("GAUGE - IS", ("gauge", "is"))
    assert not contains_phrase("gauges is", ("gauge", "is"))
    assert contains_phrase("The 1,000-year flood", ("the", "1,000-year", "flood"))


@pytest.mark.parametrize(
    ("question", "members"),
    [
        ("Which tools does the kit include?", True),
        ("What features does it have?", True),
        ("What main features are there?", True),
        ("What other tools are listed?", True),
        ("What is the plan?", False),
        ("Which class is used?", False),
        ("What does it say about tools?", False),
        ("Which of the options is best?", False),
        ("What process is used?", False),
        # A verb in -s right after the wh-word: an article or a conditional follows it.
        ("What happens if a trigger is activated twice?", False),
        ("What causes the delay?", False),
        # A word in -s after a singular noun is its verb, unless an auxiliary or the end
        # follows it.
        ("Which option makes the gauge run quieter?", False),
        ("Which file contains the key?", False),
        ("What main features does it have?", True),
        ("Which main features?", True),
        # The same for a noun after two words.
        ("Which HTTP authentication types does it support?", True),
        ("What Python web frameworks are there?", True),
        ("What file format contains the key?", False),
        # A name in -s before a singular noun and an auxiliary modifies the noun.
        ("Which xtrans function do I call to open a transport?", False),
        ("Which Kubernetes version is needed?", False),
        ("Which tools work best?", True),
    ],
)
def test_a_plural_wh_noun_asks_for_members(question: str, members: bool) -> None:
    assert intent(question).enumerate is members


@pytest.mark.parametrize(
    ("question", "ordinal"),
    [
        ("What is the first step?", True),
        ("What is its last item?", True),
        ("Which was the band's second album?", True),
        ("What is the 3rd rule?", True),
        ("When several hooks are set, which one runs first?", True),
        # Before a verb, an ordinal says when; a date's counts nothing.
        ("Which version first supported the field?", False),
        ("Who first described the tides?", False),
        ("What was done on December 25th?", False),
    ],
)
def test_an_ordinal_picks_an_item_after_a_determiner_or_at_the_end(
    question: str, ordinal: bool
) -> None:
    assert intent(question).ordinal is ordinal


def test_restated_marks_candidates_that_add_no_word_to_the_question() -> None:
    """A name standing alone restates "What does --no-index do?"; a sentence saying more does
    not; a list introduction keeps its score (its list answers), and so does a candidate holding
    the kind of thing asked for; a yes/no question can be answered by its own words."""
    text = "``--no-index``\n\nIgnore the package index.\n\nThe index options:\n\n- ``--no-index``"
    pieces = ("``--no-index``", "Ignore the package index.", "The index options:")
    candidates = _placed(text, pieces)
    candidates[2] = replace(candidates[2], role="list_intro")
    features = np.zeros((3, len(FEATURES)), np.float32)
    features[1, FEATURES.index("new_content")] = 0.5  # "ignore", "package": words of its own
    rule = Restated()
    assert rule.mask(candidates, features).tolist() == [True, False, False]
    # A number word is no content word, yet it is what "How many ...?" asks for.
    features[0, FEATURES.index("type_ok")] = 1.0
    assert rule.mask(candidates, features).tolist() == [False, False, False]
    features[0, FEATURES.index("type_ok")] = 0.0
    features[:, FEATURES.index("yes_no")] = 1.0
    assert rule.mask(candidates, features).tolist() == [False, False, False]


def test_restated_keeps_a_candidate_whose_value_is_a_symbol() -> None:
    """Node.js's os.EOL: "\\n on POSIX" has no content word the question lacks, yet its value,
    written in symbols, is the answer; a symbol the question writes too is no value of the
    candidate's."""
    text = "\\n on POSIX\n\n/ on POSIX\n\nOn POSIX."
    candidates = _placed(text, ("\\n on POSIX", "/ on POSIX", "On POSIX."))
    features = np.zeros((3, len(FEATURES)), np.float32)
    rule = Restated()
    question = "What does the marker hold on POSIX?"
    assert rule.mask(candidates, features, question).tolist() == [False, False, True]
    assert rule.mask(candidates, features, "Is / the separator on POSIX?").tolist() == [
        False,
        True,
        True,
    ]


def test_restated_keeps_a_candidate_naming_a_name_that_joins_letters_and_digits() -> None:
    """Debian's Python policy: "python3" is read as the words "python" and "3", which the
    question writes apart, yet the joined name is the answer; one the question writes too, or
    a number word, adds nothing."""
    text = "Use python3 as the tide name.\n\nUse Python 3 as the tide name.\n\nUse the 2nd name."
    pieces = (
        "Use python3 as the tide name.",
        "Use Python 3 as the tide name.",
        "Use the 2nd name.",
    )
    candidates = _placed(text, pieces)
    features = np.zeros((3, len(FEATURES)), np.float32)
    rule = Restated()
    question = "Which tide name should use Python 3 and the 2nd?"
    assert rule.mask(candidates, features, question).tolist() == [False, True, True]
    question = "Should python3 be used as the tide name in the 2nd?"
    assert rule.mask(candidates, features, question).tolist() == [True, True, True]


def test_restated_keeps_a_terms_description_when_the_question_does_not_name_the_term() -> None:
    """A description saying again what the question says still adds its term ("-C --create"
    over "Make the output folder when it does not exist yet."), unless the question names it."""
    text = "-C\n--create\n\nMake the output folder when it does not exist yet."
    term, description = _placed(
        text, ("-C\n--create", "Make the output folder when it does not exist yet.")
    )
    description = replace(
        description,
        role="list_item",
        context=term.text,
        context_start=term.start,
        context_end=term.end,
    )
    features = np.zeros((1, len(FEATURES)), np.float32)
    rule = Restated()
    question = "How do I make the output folder when it does not exist?"
    assert rule.mask([description], features, question).tolist() == [False]
    question = "How does --create make the output folder when it does not exist?"
    assert rule.mask([description], features, question).tolist() == [True]


def test_restated_marks_candidates_that_ask() -> None:
    """A FAQ's question above its answer ("(6) Is it threadsafe?") states nothing, whatever is
    asked, yes/no or not; a statement that quotes a question says what it quotes ("The question
    remained: how could it be enforced?"); a list introduction that asks keeps its score (its
    list answers)."""
    text = (
        "(6) Is it threadsafe?\n\nIt is threadsafe.\n\nThe question remained: how could it be"
        " enforced?\n\nWhy use it?\n\n- It is small."
    )
    pieces = (
        "(6) Is it threadsafe?",
        "It is threadsafe.",
        "The question remained: how could it be enforced?",
        "Why use it?",
    )
    candidates = _placed(text, pieces)
    candidates[3] = replace(candidates[3], role="list_intro")
    features = np.zeros((4, len(FEATURES)), np.float32)
    features[:, FEATURES.index("new_content")] = 0.5
    rule = Restated()
    assert rule.mask(candidates, features).tolist() == [True, False, False, False]
    features[:, FEATURES.index("yes_no")] = 1.0
    assert rule.mask(candidates, features).tolist() == [True, False, False, False]


def test_a_described_objects_term_is_no_label_but_a_heading_is() -> None:
    """A term heads its section as a heading does, and states the object's form and defaults
    ("--depth=<n> [default: 12]"); a heading only labels what follows it."""
    text = "Options\n\n--depth=<n> [default: 12]\n\nSets how deep the gauge reads."
    term_end = text.index("\n\nSets")
    sections = [
        Section("Options", 1, 0, 7, 7, 9),
        Section("--depth=<n> [default: 12]", 2, 9, term_end, term_end, len(text)),
    ]
    blocks = [Block(0, 7, "heading", 1), Block(9, term_end, "term", 2)]
    doc = Document(id="d", path="d", text=text, content_hash="h", sections=sections, blocks=blocks)
    heading = Sentence("d", "c", None, 0, 7, "Options", 0, "sentence")
    term = Sentence("d", "c", None, 9, term_end, text[9:term_end], 0, "list_item")
    assert _is_label(heading, [doc])
    assert not _is_label(term, [doc])


def test_training_passes_on_the_probabilities_the_decision_passes_on() -> None:
    """A candidate that only restates the question is scored 0 before the question model reads
    the candidates, in training as in the decision (:class:`Restated`)."""
    p = np.array([0.9, 0.4, 0.2])
    features = np.zeros((3, len(FEATURES)), np.float32)
    example = Example("d", "d:1", features, np.zeros(3), np.zeros(3, np.int64), 1)
    assert _unrestated(p, example) is p  # a cache written before the mask: unchanged
    example.restated = np.array([True, False, False])
    assert _unrestated(p, example).tolist() == [0.0, 0.4, 0.2]


def test_a_row_reads_under_its_tables_header_only_where_the_chunk_holds_the_header() -> None:
    """A row's context is its table's first row; a chunk that opens on a row was most often cut
    inside the table, and its first row there is any row: the next rows were quoted under it."""
    rows = ("target | notes", "x86 | Linux 3.2+", "arm | Linux 4.1+")
    text = "Targets\n\n" + "\n\n".join(rows)
    spans = []
    for row in rows:
        start = text.index(row)
        spans.append(Candidate(start, start + len(row), "table_row"))
    whole = Chunk("c", "d", text, 0, len(text), candidates=tuple(spans))
    read = [s for s, _ in _chunk_candidates(Evidence(whole, 1.0), 0, 4)]
    assert [s.context for s in read] == ["", "target | notes", "target | notes"]
    cut = text.index(rows[1])
    later = Chunk("c2", "d", text[cut:], cut, len(text), candidates=tuple(spans[1:]))
    read = [s for s, _ in _chunk_candidates(Evidence(later, 1.0), 0, 4)]
    assert [s.context for s in read] == ["", ""]
