"""The answer decision, in one place: ordered structural rules, then one learned model.

    question ─▶ invalid_request ─▶ out_of_scope ─▶ only_instructions      (before retrieval)
    evidence ─▶ title_asked ─▶ restated, object_named (ranking) ─▶ defined ─▶ section_asked
             ─▶ purpose_stated ─▶ source_truncated
             ─▶ list_asked ─▶ unmentioned ─▶ answerability model ─▶ unconfirmed
             ─▶ number_absent ─▶ negation_unstated (or negation_stated) ─▶ name_swapped
             ─▶ answer | not_in_documents

Each rule is a small class with its thresholds as documented fields and one method returning a
:class:`Decision` or ``None``; :data:`RULES_BEFORE` and :meth:`AnswerDecider.decide` hold the
order. The learned part (:mod:`qa.answerability`) scores every answer candidate of the evidence
("does this sentence or list item answer the question?") and the question as a whole; below its
threshold the decision is ``not_in_documents``. A :class:`Decision` is frozen and names the rule or
score that decided, so reports can group failures by it. Backends never refuse on their own; when
nothing a backend drafted survives verification, :meth:`AnswerDecider.nothing_verified` gives the
refusal.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol

import numpy as np

from ingest.candidates import heading_labels, introduces
from qa.answerability import AnswerabilityModel
from qa.lists import list_items_after
from qa.memo import PerDocument
from qa.signals import (
    FEATURES,
    CorpusStats,
    ScoredSentence,
    Sentence,
    SentenceScorer,
    answer_kind,
    is_date_word,
    same_word,
    term_in,
)
from qa.text import (
    AUXILIARIES,
    META_WORDS,
    QUOTED,
    SAYING_VERBS,
    Intent,
    asks,
    contains_phrase,
    content_terms,
    dotted_numbers,
    entities,
    follow_up_rest,
    intent,
    names_an_option,
    numbers,
    options,
    quoted_phrases,
    stem,
    term_set,
    word_runs,
    words,
    writes_option,
)
from qa.types import Document, Evidence, Gap, RefusalReason, Section
from vectorstore.language import ITEM_MARKER, STOPWORDS


@dataclass(frozen=True)
class Decision:
    """The verdict on one question: answer (``refuse is None``) or a typed refusal.

    ``rule`` names what decided (a rule's name, or ``answerability`` for the model); ``score`` is
    the model's probability that the documents answer, when it was computed.  ``ranked`` holds the
    candidates best first (by the candidate model); ``cite`` what a refusal quotes.  ``passage``:
    the answer is a passage, not a fact: ``ranked`` opens with it, its candidates in text order.
    """

    refuse: RefusalReason | None
    rule: str
    why: str = ""
    score: float | None = None
    gaps: tuple[Gap, ...] = ()
    cite: tuple[Sentence, ...] = ()
    ranked: tuple[ScoredSentence, ...] = field(default=(), repr=False)
    passage: bool = False


@dataclass(frozen=True)
class Asked:
    """The question as the rules see it."""

    original: str  # the user's own words
    cleaned: str  # without steering instructions
    standalone: str  # condensed with the conversation (what retrieval saw)
    max_chars: int


class Rule(Protocol):
    """A structural rule: a verdict, or None to pass the question on."""

    @property
    def name(self) -> str:
        """The rule's name, as reports show it."""
        ...


class QuestionRule(Rule, Protocol):
    """A rule that looks at the question alone (before retrieval)."""

    def check(self, asked: Asked) -> Decision | None:
        """A verdict, or None."""
        ...


# -- rules before retrieval -------------------------------------------------------------------


@dataclass(frozen=True)
class InvalidRequest:
    """Empty or over-long questions (``max_chars`` is the configured limit)."""

    name: str = "invalid_request"

    def check(self, asked: Asked) -> Decision | None:
        """Refuse an empty question or one longer than the limit."""
        if not asked.original.strip():
            return Decision("invalid_request", self.name, "The question is empty.")
        if len(asked.original) > asked.max_chars:
            return Decision(
                "invalid_request",
                self.name,
                f"The question is too long ({len(asked.original)} characters; "
                f"the limit is {asked.max_chars}).",
            )
        return None


_GREETING = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|good (morning|evening|afternoon)|bye|goodbye)\b[\s!.,]*"
    r"(there|all|everyone)?[\s!.,]*$",
    re.IGNORECASE,
)
_TASK = re.compile(
    r"^\s*(please\s+)?(write|compose|draft|translate|generate|create|code|sing|play|"
    r"tell me a (joke|story|poem))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OutOfScope:
    """Not a question about the documents: a greeting, or a request to produce something
    (a task verb opening a message without a question mark).

    ``min_content_words``: a message with fewer content words than this, after steering
    instructions are removed, asks nothing the documents could answer, unless it quotes a
    passage or names a command-line option ("--all", "-v": a stop word or a letter once the
    dashes are gone).
    """

    min_content_words: int = 1
    name: str = "out_of_scope"

    def check(self, asked: Asked) -> Decision | None:
        """Refuse greetings and tasks that are not questions."""
        text = asked.original
        # A task verb opens many real questions too ("Create React App: how do I eject?",
        # "Write operations are slow, why?"): a message asking something is never a task.
        if _GREETING.match(text) or (_TASK.match(text) and "?" not in text):
            return Decision("out_of_scope", self.name, "not a question about the documents")
        # A quoted passage points at the documents' own text, whatever its words
        # ("It does several things at once": which things?).
        content = content_terms(asked.standalone, drop_meta=False)
        if (
            len(content) < self.min_content_words
            and not quoted_phrases(asked.standalone)
            and not names_an_option(asked.standalone)
        ):
            return Decision("out_of_scope", self.name, "no content words left to ask about")
        return None


@dataclass(frozen=True)
class OnlyInstructions:
    """A message that only tells the service to ignore the documents or to guess."""

    name: str = "only_instructions"

    def check(self, asked: Asked) -> Decision | None:
        """Refuse when nothing but steering instructions was asked."""
        if not asked.cleaned.strip():
            return Decision("out_of_scope", self.name, "only instructions to ignore the documents")
        return None


RULES_BEFORE: tuple[QuestionRule, ...] = (InvalidRequest(), OnlyInstructions(), OutOfScope())


# -- rules over the evidence ------------------------------------------------------------------


# The topic a question names: what follows its last "about" ("What did they say about X?").
_TOPIC = re.compile(r"\babout\b(?!.*\babout\b)([^?!;]*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Unmentioned:
    """The question names a topic and the documents never mention it: no content word of the
    topic (or a word derived from one) occurs anywhere in the corpus.

    A question's topic is what follows its last "about" ("What did they say about X?", "What
    about X?"); else, for a question that carries no words of earlier turns, all of it ("When
    was it released?" of pages that never say "release"); else what follows a follow-up's
    opening words when no wh-word or yes/no opening asks anything of it ("And vaccines?").  Only
    the user's own words count.  A follow-up is condensed with words of the earlier turns for
    retrieval, and those words find the earlier turn's passage again: "What about vaccines?"
    after a question on another subject was answered with that subject's passage.  The carried
    words say what the conversation was about, not that the documents answer this.  The rest of
    such a follow-up is not judged: its verbs may paraphrase the text ("And why were they
    chosen?" of a technology the text says was "selected").
    """

    name: str = "unmentioned"

    def check(self, asked: Asked, mentions: Callable[[str], bool]) -> Decision | None:
        """Refuse when no content word of the question's topic is one the corpus ``mentions``
        (:meth:`qa.signals.CorpusStats.mentions`)."""
        terms = set(content_terms(_topic(asked)))
        if not terms or any(mentions(t) for t in terms):
            return None
        return Decision(
            "not_in_documents",
            self.name,
            "the documents never mention the question's topic: " + ", ".join(sorted(terms)),
        )


def _topic(asked: Asked) -> str:
    """The topic a question names ("" when it names none; see :class:`Unmentioned`)."""
    question = asked.cleaned
    found = _TOPIC.search(question)
    if found:
        return found.group(1)
    if asked.standalone == question:
        return question  # nothing carried from earlier turns: all of it is the user's
    wants = intent(question)
    if follow_up_rest(asked.original) is None or wants.wh is not None or wants.yes_no:
        return ""
    # Cleaning drops a leading "And"; openers such as "More on" or "Continue" stay.
    rest = follow_up_rest(question)
    return question if rest is None else rest


@dataclass(frozen=True)
class Unconfirmed:
    """A yes/no question asks to confirm a claim; a best candidate that holds none of the
    question's own content words (nor a word derived from one) can neither confirm nor deny it.

    Only the user's own words count, as for :class:`Unmentioned`: "Was it ratified?" after a
    question about a treaty was answered with the sentence naming the treaty, which says nothing
    of ratification.  The candidate's section title counts as its words: a reply ("Yes.", "Not
    as such.") under a heading that asks the question (a FAQ's "Is there a scanf()
    equivalent?") confirms or denies what the heading asks.
    """

    name: str = "unconfirmed"

    def check(self, asked: Asked, best: ScoredSentence) -> Decision | None:
        """Refuse a yes/no question whose best candidate shares no word with it."""
        if not intent(asked.cleaned).yes_no:
            return None
        terms = set(content_terms(asked.cleaned))
        held = best.terms | term_set(best.sentence.section or "")
        if not terms or any(term_in(t, held) for t in terms):
            return None
        return Decision(
            "not_in_documents",
            self.name,
            "the best passage holds no word of the yes/no question: " + ", ".join(sorted(terms)),
        )


@dataclass(frozen=True)
class NumberAbsent:
    """A number the question states (a year, a quantity: ``min_digits`` digits or more) that its
    best passage does not hold, nor the passage before it, what it introduces (the command
    shown after "... will be terminated::", which the answer quotes with it), the titles of the
    sections it lies in (its own and each one above it: a changelog's "Fixed" under "[1.2.2] -
    2026-03-01") or its document's title: the passage is about another instance of the thing
    ("Where was the 2022 summit held?" answered from a page on the 1997 summit).

    Runs only when the model would answer.  Single digits are left out: small numbers are
    often written as words ("two parties"); not one written onto a name ("HTTP/3", "IPv6",
    "h2"), which is part of the name ("Does it support HTTP/3?" answered from "HTTP/2 support"),
    where the passage writes that name with another number or none, or where neither the
    passage nor its document writes it (a passage of urllib3's guide naming no urllib speaks
    of no other instance of "urllib3"); a function word is no name ("1-to-100" is a range).  A
    version asked by its leading parts ("1.24") is held by a release of that series ("v1.24.0").
    """

    min_digits: int = 2
    name: str = "number_absent"

    def check(
        self,
        asked: Asked,
        best: ScoredSentence,
        titles: dict[str, str],
        headings: Sequence[str] = (),
        document: str = "",
        shown: str = "",
    ) -> Decision | None:
        """Refuse when a number of the question is nowhere around the best passage (``headings``:
        the titles of the sections it lies in, see :func:`headings_over`; ``document``: the
        text of its document; ``shown``: what the passage introduces)."""
        asked_numbers = {n for n in numbers(asked.cleaned) if len(n) >= self.min_digits}
        # A function word is no name: "1-to-100" is a range, not a model "to-100".
        named = {
            (m.group(1), m.group(2))
            for m in _NAMED_NUMBER.finditer(asked.cleaned)
            if m.group(1).lower() not in STOPWORDS
        }
        if not asked_numbers and not named:
            return None
        s = best.sentence
        text = " ".join(
            (s.text, s.context, shown, s.section or "", titles.get(s.document, ""), *headings)
        )
        held = numbers(text)
        missing = asked_numbers - held - {m.group(2) for m in _NAMED_NUMBER.finditer(text)}
        # A version asked by its leading parts is the series the text's releases belong to
        # ("yarl 1.24" under the heading "v1.24.0").
        missing = {
            n for n in missing if "." not in n or not any(h.startswith(n + ".") for h in held)
        }
        # A name's number is missing where the passage writes the name without it ("HTTP/2
        # support" for "HTTP/3"), or does not name it at all in a document that never writes
        # it ("lz4"); a passage of a document about the thing ("LibreSSL support was removed"
        # in urllib3's guide, for "Does urllib3 support LibreSSL?") speaks of no other one.
        for name, number in named:
            written = _named(name, rf"[/-]?{number}(?!\d)")
            if not written.search(text) and (
                _named(name, r"(?:[/-]?\d|(?![A-Za-z]))").search(text)
                or not written.search(document)
            ):
                missing.add(number)
        if not missing:
            return None
        return Decision(
            "not_in_documents",
            self.name,
            "the best passage does not hold the question's number: " + ", ".join(sorted(missing)),
        )


def _shown_by(intro: Sentence, candidates: Sequence[Sentence], text: str) -> str:
    """What a candidate that introduces what follows ("Run it with::", "... the following:")
    shows: the candidate right after it in its chunk, blank space between them.  Empty for any
    other candidate."""
    if not intro.introduces:
        return ""
    after = [c for c in candidates if c.chunk_id == intro.chunk_id and c.start >= intro.end]
    if not after:
        return ""
    shown = min(after, key=lambda c: c.start)
    return shown.text if not text[intro.end : shown.start].strip() else ""


def headings_over(document: Document | None, offset: int) -> tuple[str, ...]:
    """The titles of the section of ``document`` that ``offset`` lies in and of each section
    it is nested in, innermost first (sections are stored flat, each to the next heading)."""
    out: list[str] = []
    level = None
    sections = sorted(document.sections, key=lambda s: s.heading_start) if document else []
    for section in reversed(sections):
        if section.heading_start <= offset and (level is None or section.level < level):
            out.append(section.title)
            level = section.level
    return tuple(out)


# A number written onto a word, or joined to it by a slash or hyphen: a version or a model of a
# named thing ("HTTP/3", "IPv6", "h2"), not a quantity.
_NAMED_NUMBER = re.compile(r"(?<![A-Za-z])([A-Za-z]+)[/-]?(\d+)(?![\w.]*\d)")


def _named(name: str, then: str) -> re.Pattern[str]:
    """A pattern for ``name`` written as a word of its own, followed by ``then``."""
    return re.compile(rf"(?<![A-Za-z]){re.escape(name)}{then}", re.IGNORECASE)


# A negation of what a question asks ("Which parts do not carry ...?", "Which goal does it never
# have?") and of what a passage says: general English negators.
# A negator, not the inner part of a hyphenated name ("--no-index", a command-line option).
_NEGATED = re.compile(
    r"(?<![\w-])(?:not|never|no|none|nothing|nobody|neither|nor)\b|n['’]t\b", re.I
)
# A question for a reason.
_WHY = re.compile(r"\bwhy\b", re.I)
_DENIES = re.compile(
    r"\b(?:not|never|no|none|nothing|nobody|nowhere|neither|nor|without|cannot)\b|n['’]t\b", re.I
)
# English negative prefixes: a word they form denies the word they are put on ("Unsupported
# options include:" says what is not supported; "invalid", "disallowed", "non-blocking").
_NEGATIVE_PREFIX = re.compile(r"(?:un|in|im|il|ir|dis|non-?)(\w{4,})", re.I)


def _denies(text: str, asked: frozenset[str]) -> bool:
    """``text`` holds a negator, or a negative prefix on a word the question uses (``asked``:
    the question's stemmed content words)."""
    if _DENIES.search(text):
        return True
    return any(
        stem(found.group(1)) in asked
        for word in words(text)
        if (found := _NEGATIVE_PREFIX.fullmatch(word))
    )


@dataclass(frozen=True)
class OptionAbsent:
    """A command-line option the question names ("--stack-size") that the best passage's
    document never writes as itself: the passage is about another option sharing its words
    ("The default value is 10." under ``--stack-trace-limit=limit`` answered "What is the
    default value of --stack-size?").  Runs only when the model would answer; only the user's
    own words count."""

    name: str = "option_absent"

    def writers(self, asked: Asked, documents: Sequence[Document]) -> set[str]:
        """The documents writing every option the question names (none when it names none).
        Only these can answer it: a candidate of another document is about something else
        (the model's best for "What does the --disable-static configure option affect?" was
        "The default configuration does not enable any optimization or hardening options.",
        of a page that never writes the option, above the sentence that does)."""
        named = options(asked.cleaned)
        if not named:
            return set()
        return {d.id for d in documents if all(writes_option(d.text, o) for o in named)}

    def check(self, asked: Asked, document: str) -> Decision | None:
        """Refuse when an option the question names is nowhere in the ``document`` text."""
        missing = [o for o in options(asked.cleaned) if not writes_option(document, o)]
        if not missing:
            return None
        return Decision(
            "not_in_documents",
            self.name,
            "the best passage's document never writes the option " + ", ".join(missing),
        )


@dataclass(frozen=True)
class NegationUnstated:
    """A question for what is *not* so ("Which parts do not carry a serial number?") whose best
    passage denies nothing: a sentence that states what is so ("Every pump and every valve
    carries a serial number") does not say what is not.

    Runs only when the model would answer, on the user's own words (a negated condition counts:
    "If there is no X, what happens?" is not answered by what happens with X), and not for a
    yes/no question ("Does it not support WebSockets?" is confirmed by a sentence saying it
    does) nor a question for a reason ("Why is there no goto?", "Why don't generators support
    the with statement?": it takes what is not so as given, and the reason given need not deny
    it again).  A negator, "without" or "cannot" in the best passage counts as a denial, and
    so does a negative prefix on a word of the question ("Which options are not supported?",
    "Unsupported options include:").

    A runner-up that denies, among the next ``runners_up`` and at most ``closeness`` below the
    best's probability (the extractive backend's own measure of a close runner-up), answers
    instead (``answered_name``): "What is the default value of a column when none is given?"
    has "A column can be assigned a default value." best (0.33) and "If no default value is
    declared explicitly, the default value is the null value." third (0.27).
    """

    name: str = "negation_unstated"
    answered_name: str = "negation_stated"
    runners_up: int = 2
    closeness: float = 0.15

    @staticmethod
    def _negated_terms(asked: Asked) -> frozenset[str] | None:
        """The content words of a question for what is not so (the user's own words), or None
        for any other question."""
        own = _own_words(asked.cleaned)
        if not _NEGATED.search(own) or intent(own).yes_no or _WHY.search(own):
            return None
        return frozenset(content_terms(own))

    def unstated_by(self, asked: Asked, candidate: Sentence) -> bool:
        """Whether the question asks what is not so and ``candidate`` denies nothing."""
        terms = self._negated_terms(asked)
        return terms is not None and not _denies(candidate.text, terms)

    def check(self, asked: Asked, ranked: Sequence[ScoredSentence]) -> Decision | None:
        """Refuse a question for what is not so when its best passage denies nothing, unless
        a close runner-up does (then answer with it)."""
        best = ranked[0]
        terms = self._negated_terms(asked)
        if terms is None or _denies(best.sentence.text, terms):
            return None
        denying = next(
            (
                r
                for r in ranked[1 : 1 + self.runners_up]
                if r.score >= best.score - self.closeness and _denies(r.sentence.text, terms)
            ),
            None,
        )
        if denying is not None:
            return Decision(
                None,
                self.answered_name,
                "the question asks what is not so; a close runner-up of the best passage says it",
                ranked=_led_by(denying.sentence, ranked),
            )
        return Decision(
            "not_in_documents",
            self.name,
            "the question asks what is not so; the best passage denies nothing",
        )


@dataclass(frozen=True)
class NameSwapped:
    """The question names a thing by a capitalised word or a number that its best passage lacks
    (with the candidate before it, its section's title and its document's title), and in the
    passage another capitalised word, or another number, stands in its place beside the same
    neighbour: "the Spanish Parliament" asked, "the Scottish Parliament" written; "on Tuesday
    afternoons" asked, "on Wednesday afternoons" written; "elects 2 members" asked, "elects 3
    members" written.  The passage is about another thing of the same kind.

    Runs only when the model would answer.  Neighbours are words with only a space between them
    (a comma ends a name: "GM, Ford and Chrysler"), the neighbour is not a stop word, and the
    question's first word is left out (any sentence starts with a capital), as is a passage's
    word opening a sentence unless it reads as a name there too (:func:`qa.text.entities`: all
    capitals, a capital inside, or capitalised elsewhere in the passage; "Subinterpreter
    support for ..." written, "AnyIO support" asked).  Not a swap: a word
    derived from the asked one, two spellings sharing their first ``prefix`` letters ("Scotland"
    / "Scottish"), a word that begins the other ("Apple" / "AppleTalk"), an initial ("F." /
    "Francis"), an acronym and a word with its first letter ("GM" / "General Motors").
    """

    prefix: int = 4
    name: str = "name_swapped"

    def check(self, asked: Asked, best: ScoredSentence, titles: dict[str, str]) -> Decision | None:
        """Refuse when the best passage puts another name where the question's stands."""
        s = best.sentence
        around = " ".join((s.text, s.context, s.section or "", titles.get(s.document, "")))
        terms, text = term_set(around), around.lower()
        passage = word_runs(s.text)
        names = entities(s.text)
        for n, run in enumerate(word_runs(_own_words(asked.cleaned))):
            for i, word in enumerate(run):
                if (n, i) == (0, 0) or not self._name(word) or self._present(word, terms, text):
                    continue
                for other, beside in _in_place_of(run, i, passage):
                    # A word opening a sentence is capitalised for that alone.
                    if self._other(word, other) and (numbers(other) or stem(other) in names):
                        return Decision(
                            "not_in_documents",
                            self.name,
                            f"the best passage has {other!r} where the question has {word!r} "
                            f"(beside {beside!r})",
                        )
        return None

    def _present(self, word: str, terms: frozenset[str], text: str) -> bool:
        """The word or one derived from it is among ``terms``, or the word is inside a compound
        of ``text`` ("Talk" in "AppleTalk")."""
        low = word.lower()
        return term_in(stem(word), terms) or (len(low) >= self.prefix and low in text)

    def _name(self, word: str) -> bool:
        """A capitalised word that is no stop word, or a number."""
        if numbers(word):
            return True
        return len(word) > 1 and word[:1].isupper() and word.lower() not in STOPWORDS

    def _other(self, asked: str, written: str) -> bool:
        """``written`` names another thing than ``asked``: another number for a number."""
        number, other = numbers(asked), numbers(written)
        if number or other:
            return bool(number and other) and number != other
        a, w = asked.lower(), written.lower()
        return (
            self._name(written)
            and not same_word(stem(a), stem(w))
            and a[: self.prefix] != w[: self.prefix]
            and not (a.startswith(w) or w.startswith(a))
            and not (_acronym(asked, written) or _acronym(written, asked))
        )


def _acronym(short: str, name: str) -> bool:
    """``short`` may abbreviate a name opening with ``name`` ("GM" / "General Motors")."""
    return short.isupper() and short[:1] == name[:1]


def _in_place_of(run: list[str], i: int, passage: list[list[str]]) -> list[tuple[str, str]]:
    """The passage's words standing where ``run[i]`` stands beside one of its neighbours (the
    same content word, on the same side), with that neighbour.  The question's word on the
    other side of ``run[i]`` stands in no one's place: the passage left ``run[i]`` out ("ISO
    options" written, "ISO JPEG options" asked)."""
    found: list[tuple[str, str]] = []
    for j in (i - 1, i + 1):
        if not 0 <= j < len(run) or run[j].lower() in STOPWORDS:
            continue
        neighbour = stem(run[j])
        far = i + (i - j)
        beyond = stem(run[far]) if 0 <= far < len(run) else None
        for words_ in passage:
            for k, word in enumerate(words_):
                at = k + (i - j)
                if stem(word) == neighbour and 0 <= at < len(words_) and stem(words_[at]) != beyond:
                    found.append((words_[at], run[j]))
    return found


# "What is X?" / "What are Xs?": what the thing is; after a phrase that sets the context ("In
# CORS terms, what is an origin?").
_THING = r"(?:[^?!.;:,]|\.(?=\w)){1,60}?"  # a dot only inside a name ("json.dumps")
_WHAT_IS = re.compile(
    # "What is meant by X?", "What does X mean?": the same question in other words (the first
    # before "What is X?", which would take "meant by X" for its subject).
    rf"^\W*what\s+is\s+meant\s+by\s+(?:an?\s+|the\s+)?(?P<meant_by>{_THING})\s*[?.!]*\s*$"
    r"|^\W*(?:[^,?!.;:]{1,40},\s*)?what(?:\s+is|\s+are|['’]s)\s+(?:an?\s+)?"
    rf"(?P<subject>{_THING})\s*[?.!]*\s*$"
    rf"|^\W*what\s+(?:does|do)\s+(?:an?\s+|the\s+)?(?P<meant>{_THING})\s+mean\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _what_is(question: str) -> str | None:
    """The X of "What is X?" (or "What does X mean?", "What is meant by X?"), or None."""
    found = _WHAT_IS.match(question)
    if found is None:
        return None
    return found.group("subject") or found.group("meant") or found.group("meant_by")


_MARKUP = r"[*_`\"'“”‘’]*"
_QUOTES = "\"'“”‘’`"
# The verbs of a definition other than "is": '"Licensor" shall mean the copyright owner ...',
# "X refers to ...".
_MEANS = r"(?:shall\s+)?means?|refers?\s+to"
# What opens a predicate that names what a thing is ("X is a library", "X is the part that"),
# rather than a state it is in ("X is now installed", "X is created when ...").
_NAMING_DETERMINERS = ("a", "an", "the", "one")
# A link around the subject: "[X](https://...) is", "`X <https://...>`_ is".
_LINK_OPEN = r"\[?"
_LINK_CLOSE = r"(?:\]\([^)\s]*\)|\s+<[^>\s]+>`_{1,2})?"


# "What is the title of the article?", "What's the headline?", "What is this page called?": the
# nouns a reader uses for a text and for its title (general English, no document in mind).
# A name or a heading alone may be another thing's ("What is the name?" after a question about a
# person): of the text, or a title or headline.
_TEXT_NOUN = r"(?:article|document|page|text|story|piece|post|report|essay|chapter|file)"
_TITLE_NOUN = r"(?:title|headline|heading|name)"
_TITLE_ASKED = re.compile(
    r"^\W*what(?:\s+is|\s+was|['’]s)\s+(?:"
    r"(?:the\s+)?(?:title|headline)"
    rf"|(?:the\s+)?{_TITLE_NOUN}\s+of\s+(?:the|this)\s+{_TEXT_NOUN}"
    rf"|(?:the|this)\s+{_TEXT_NOUN}['’]s\s+{_TITLE_NOUN}"
    rf"|(?:the|this)\s+{_TEXT_NOUN}\s+(?:called|titled|named)"
    r")\s*[?.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TitleAsked:
    """A question for the title of the text ("What is the title of the article?", "What is the
    headline?", "What is this page called?") is answered with the title as it stands in the
    text.  A heading labels text and is no answer candidate, so the model never saw the title,
    and the question was refused as about something the documents never mention.

    Which text: the question names none, so the rule answers only when all the evidence comes
    from one document (a corpus of one text); the chain joins the chunk holding its title to
    the evidence.  With several, the best evidence for "the title of the article" is whichever
    text talks about titles and articles (the sample's ``SOURCE.md`` says "an image caption
    under the title"), and its title would be quoted for the article's: the question goes on
    to the model, as before.  A document whose title is not a heading of its text (a Markdown
    front matter's ``title:``) has none to quote, and the question goes on too.
    """

    name: str = "title_asked"

    def asks(self, asked: Asked) -> bool:
        """Whether the question asks for the text's title."""
        return _TITLE_ASKED.match(asked.cleaned) is not None

    @staticmethod
    def document(evidence: Sequence[Evidence]) -> str | None:
        """The one document all the evidence comes from, or None."""
        ids = {ev.chunk.document for ev in evidence}
        return ids.pop() if len(ids) == 1 else None

    @staticmethod
    def span(document: Document) -> tuple[int, int] | None:
        """Where the document's title stands in its text (inside its level-1 heading), or
        None."""
        if not document.title:
            return None
        for section in document.sections:
            if section.level == 1 and section.title == document.title:
                at = document.text.find(document.title, section.heading_start, section.heading_end)
                if at >= 0:
                    return at, at + len(document.title)
        return None

    def check(
        self, asked: Asked, evidence: Sequence[Evidence], documents: Sequence[Document]
    ) -> Sentence | None:
        """The title to quote, as a candidate, or None."""
        doc_id = self.document(evidence) if self.asks(asked) else None
        document = next((d for d in documents if d.id == doc_id), None)
        where = self.span(document) if document is not None else None
        if document is None or where is None:
            return None
        return _heading_candidate(evidence, document.id, document.text[slice(*where)], where[0])


def _heading_candidate(
    evidence: Sequence[Evidence], document: str, heading: str, start: int
) -> Sentence | None:
    """A heading's text standing at ``start`` of ``document``, as a candidate of the
    best-ranked evidence chunk holding it (the quote's chunk), or None when none holds it."""
    end = start + len(heading)
    rank = next(
        (
            i
            for i, ev in enumerate(evidence)
            if ev.chunk.document == document and ev.chunk.start <= start and end <= ev.chunk.end
        ),
        None,
    )
    if rank is None:
        return None
    return Sentence(document, evidence[rank].chunk.id, heading, start, end, heading, rank)


# A year, which every full date holds ("2023-05-22", "May 22, 2023").
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
# A run of letters or of digits: a word, or a number's part ("2019", "July", "v" of "v2.0").
_LETTERS_OR_DIGITS = re.compile(r"[^\W\d_]+|\d+")
# The English verbs that say a version came out (the date a release history gives it is the
# date it came out, not when it was deprecated or a bug in it was fixed).
_CAME_OUT = re.compile(
    r"\b(?:releas\w*|publish\w*|ship(?:s|ped)?|launch\w*|tagged|issued|c[oa]me\s+out"
    r"|made\s+available)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DatedHeading:
    """A question for when a version came out ("When was 2.31.0 released?", "What year was
    v1.4 published?", a verb of :data:`_CAME_OUT`: not "When will 2.31.0 be deprecated?") is
    answered by the heading a release history gives that version, which
    dates it ("2.31.0 (2023-05-22)", "[1.4.0] - 2019-01-01", "Release 5.34 (release date:
    2025-04-16)").  A heading labels text and is no answer candidate, so the model read the
    section's items, which do not say when.

    The heading names the version: its words outside an aside, the date's words and single
    letters ("v2.0") left out, are the version and words of the question ("Release 5.34" for
    "When was 5.34 released?").  It holds a year the question does not, and stands in a chunk
    of the evidence (the quote's chunk).  Of several, the one in the best-ranked chunk answers.
    A line of an evidence chunk that reads so is such a heading too: a manual's title page
    dates its version on a line of its own ("Version 1.0.8 of 13 July 2019").
    """

    name: str = "dated_heading"

    def check(
        self, asked: Asked, evidence: Sequence[Evidence], documents: Sequence[Document]
    ) -> Sentence | None:
        """The heading to quote, as a candidate, or None."""
        question = asked.cleaned
        versions = set(dotted_numbers(question))
        if not versions or not _CAME_OUT.search(question):
            return None
        if answer_kind(intent(question), question) != "date":
            return None
        words, years = _terms(question), set(_YEAR.findall(question))

        def dates(line: str) -> bool:
            # The date's words are left out before the words are stemmed ("July" is "juli").
            undated = _LETTERS_OR_DIGITS.sub(
                lambda m: " " if is_date_word(m.group().lower()) else m.group(), line
            )
            name = {w for w in _heading(undated).required if len(w) > 1 and not w.isdigit()}
            return bool(name & versions and name <= words and set(_YEAR.findall(line)) - years)

        found: list[Sentence] = []
        for document in documents:
            for section in document.sections:
                title = section.title
                if not dates(title):
                    continue
                at = document.text.find(title, section.heading_start, section.heading_end)
                quoted = _heading_candidate(evidence, document.id, title, at) if at >= 0 else None
                if quoted is not None:
                    found.append(quoted)
        by_id = {document.id: document for document in documents}
        for ev in evidence:
            holder = by_id.get(ev.chunk.document)
            if holder is None:
                continue
            for line in re.finditer(r"[^\n]+", holder.text[ev.chunk.start : ev.chunk.end]):
                text = line.group().strip()
                if text and dates(text):
                    at = ev.chunk.start + line.start() + line.group().index(text)
                    quoted = _heading_candidate(evidence, holder.id, text, at)
                    if quoted is not None:
                        found.append(quoted)
        return min(found, key=lambda s: s.rank) if found else None


def _describes(name: str, candidate: Sentence) -> bool:
    """Whether ``candidate`` is the description of a definition list's term naming ``name``
    (a regular expression): one of the term's names (see :attr:`Sentence.term_names`) is the name,
    alone, with its value or with a call's arguments ("-j njobs", "--jobs=njobs",
    "require(*requirements)" for "require()").  DocBook and other generators write a command's
    options and a glossary this way (``<dt>-c<br>--clean</dt><dd>Output commands to DROP
    ...</dd>``): the description says what the term is or does without naming it.  So is a list
    item opening with its term over its indented definition (see
    :attr:`Sentence.leading_term_names`)."""
    name = name.removesuffix(re.escape("()"))
    names = re.compile(rf"{_MARKUP}(?:{name})(?:\([^()]*\))?{_MARKUP}(?:[=\s]\S*)?", re.IGNORECASE)
    parts = (*candidate.term_names, *candidate.leading_term_names)
    return any(names.fullmatch(part) for part in parts)


@dataclass(frozen=True)
class Defined:
    """A question for what a thing is ("What is X?", "What are Xs?") is answered by a candidate
    that says it: a sentence whose subject is the thing, followed by "is" or "are" ("X is a
    library for ...", also after a phrase naming its field: "In Rust, Xs are ..."), or a manual
    page's name line ("X - merge subtrees together", "X(1) -- ..."), or a glossary's list item
    naming it as its term, marked ("`X` (Address already in use): An attempt ..."), or one
    naming it in a clause ("... for X (version 4), which is a library for ...": taken after a
    subject naming what X is, before one saying what state X is in).

    Such a sentence says what X is whatever else the evidence holds.  Before this rule, a list
    introduction naming X ("X in three points:", "Major X features include:") outscored the
    definition, and when its list is missing the question was refused as cut off.
    """

    name: str = "defined"

    def subject(self, asked: Asked) -> str | None:
        """What the question asks to be defined ("X" of "What is X?"), or None."""
        return _what_is(asked.cleaned)

    def check(self, asked: Asked, candidates: Sequence[Sentence]) -> int | None:
        """The index of the first (best-ranked) candidate defining the question's subject."""
        return self.find(asked, candidates)[0]

    def find(self, asked: Asked, candidates: Sequence[Sentence]) -> tuple[int | None, bool]:
        """:meth:`check`'s index, and whether that candidate names what the subject is (False
        for one saying only what state it is in: "X is missing a few features")."""
        found = self.subject(asked)
        if found is None:
            return None, False
        # The subject's words may be joined by hyphens ("git subtree" of "git-subtree").
        subject = r"[\s-]+".join(re.escape(w) for w in found.strip(_QUOTES).split())
        # A definition may open by naming its field ("In mathematics, a group is ...", "In
        # Rust, release profiles are ...").
        defines = re.compile(
            rf"^(?:in\s+[^\s,.;:]+(?:\s+[^\s,.;:]+){{0,3}},\s+)?"
            rf"{_MARKUP}{_LINK_OPEN}(?:an?\s+|the\s+)?{_MARKUP}{_LINK_OPEN}{subject}{_LINK_CLOSE}"
            rf"{_MARKUP}(?:\s+(?:is|are)\s+(?P<named>(?:{'|'.join(_NAMING_DETERMINERS)})\s)?"
            rf"|(?:\(\w+\))?\s+(?P<dash>-{{1,2}}|[–—])\s+"
            rf"|(?:\s+\([^()]*\))?(?P<term>:)\s+"
            rf"|,?\s+(?P<means>{_MEANS})[,:]?\s+)\S",
            re.IGNORECASE,
        )
        # Or in a clause after it, naming what it is: "This manual is for GNU Libtasn1
        # (version 4.19), which is a library for ...".
        appositive = re.compile(
            rf"(?<![\w.-]){_MARKUP}{subject}{_MARKUP}(?:\s+\([^()]*\))?,\s+which\s+(?:is|are)\s+"
            rf"(?:{'|'.join(_NAMING_DETERMINERS)})\s",
            re.IGNORECASE,
        )
        found_at: int | None = None
        named_after: int | None = None
        for i, s in enumerate(candidates):
            if s.role not in ("sentence", "list_item"):
                continue
            match = defines.match(s.text.strip())
            # A glossary's item marks its term as code or emphasis ("`EADDRINUSE` (...): An
            # attempt ..."); "Note: ..." opens a sentence, and "Linux: GCC >= 10.1" pairs a key
            # with its value.
            if match and match.group("term"):
                marked = s.text.lstrip()[:1] in "`*_"
                match = match if marked and s.role == "list_item" else None
            if match and (
                match.group("named")
                or match.group("dash")
                or match.group("means")
                or match.group("term")  # "`EADDRINUSE` (Address already in use): An attempt"
            ):
                return i, True
            if _describes(subject, s):
                return i, True
            if match and found_at is None:
                found_at = i
            if named_after is None and appositive.search(s.text):
                named_after = i
        if named_after is None and found_at is None:
            first = _kind_named_term(found, candidates)
            if first is not None:
                return first, True
        return (named_after, True) if named_after is not None else (found_at, False)


def _kind_named_term(found: str, candidates: Sequence[Sentence]) -> int | None:
    """The first list item describing a term the question names with what kind of thing it is
    ("the default-version option", "the query tool", "the PGHOST setting"), which no term's name
    holds: the term's name is the words before the last (see :func:`_describes`)."""
    *head, _kind = found.strip(_QUOTES).split()
    name = _name_pattern(head)
    if name is None:
        return None
    described = (
        i for i, s in enumerate(candidates) if s.role == "list_item" and _describes(name, s)
    )
    return next(described, None)


def _name_pattern(words: Sequence[str]) -> str | None:
    r"""``words`` without an article before them, as a pattern finding them parted by spaces or
    hyphens ("the query tool" as ``query[\s-]+tool``); None when no word is left."""
    if words and words[0].lower() in ("a", "an", "the"):
        words = words[1:]
    return r"[\s-]+".join(re.escape(w) for w in words) if words else None


# How exactly a topic names a section (see SectionAsked._exactness), and a named section with
# its document's id.
Exactness = tuple[bool, bool, bool, int]
NamedSection = tuple[Exactness, str, Section]

# "What does X do?", "What is X used for?": a question for what a thing does or is for, which a
# section it titles (a function's, a setting's, a feature's) says first.
# "What does X do in Y?": Y places X (a program, a module, a page), as the headings over X's
# section may name it.
_DOES_WHAT = re.compile(
    rf"^\W*what\s+(?:does|do)\s+(?P<topic>{_THING})\s+do"
    rf"(?:\s+(?:in|on|with|within|inside)\s+(?P<place>{_THING}))?\s*[?.!]*\s*$"
    rf"|^\W*what\s+(?:is|are)\s+(?P<purpose>{_THING})\s+(?:used\s+|useful\s+)?for"
    r"\s*[?.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PurposeStated:
    """A question for what a thing does or is for ("What does X do?", "What is X used for?") is
    answered by a candidate that says it: a sentence whose subject is the thing followed by a
    verb ("X returns ...", "The X option allows you to ...", a word between them allowed),
    "X is used to/for ...", or one telling the reader to use it for a purpose ("Use X to ...",
    "You can use the X flag to ...", "To follow redirects, use X", "If you wish to see them,
    then use X"); a sentence introducing an example with a colon says it too.  An option may
    stand with its other form ("`--compress, -x`" names both).

    Read after :class:`SectionAsked`: a section the thing titles (a function's, a setting's)
    says first what it does.  Where none does, such a sentence is what the documentation writes
    to say it, however many other sentences mention the thing: the model refused "What does
    --offline do?" (0.30) with "Use `--offline` to construct HTTP requests without sending them
    anywhere." among its best candidates, because the runners-up, all about the option, scored
    as high (a question model reads many close candidates as a near miss).
    """

    name: str = "purpose_stated"

    def subject(self, asked: Asked) -> str | None:
        """What the question asks the purpose of ("X" of "What does X do?"), or None."""
        found = _DOES_WHAT.match(asked.cleaned)
        return (found.group("topic") or found.group("purpose")) if found else None

    def check(self, asked: Asked, candidates: Sequence[Sentence]) -> int | None:
        """The index of the first (best-ranked) candidate saying what the subject does."""
        found = self.subject(asked)
        if found is None:
            return None
        subject = _name_pattern(found.strip(_QUOTES).split())
        if subject is None:
            return None
        # Not a part of the thing ("X.invoke()" of X); a command-line option may be written with
        # its short form ("`--compress, -x`").
        thing = (
            rf"{_MARKUP}{_LINK_OPEN}(?:the\s+)?{_MARKUP}(?:-{{1,2}}\w[\w-]*,\s*)?"
            rf"{subject}(?![\w-]|\.\w)(?:,\s*-{{1,2}}\w[\w-]*)?{_LINK_CLOSE}[^\s]*"
        )
        # The verb: a word ending in "s" (not "ss") that is no auxiliary ("X is deprecated",
        # "X has been removed", "X does not ...": a state) and is followed by none, negated or
        # after an adverb (a noun: "X responses will ...", "X workers generally don't block
        # ..."); a word may stand before it ("The X option allows"), a dash after the thing (a
        # manual page's name line: "X - recovers data from damaged files").
        aux = rf"(?:{AUXILIARIES})\b"
        then_aux = rf"(?:\s+\w+ly)?\s+(?:{AUXILIARIES})(?:n?['’]t|not)?\b"
        does = re.compile(
            rf"^{thing}(?:\s+[-–—]{{1,2}})?(?:\s+(?!{aux})\w+)?\s+"
            rf"(?:(?!{aux})[a-z]+[^s\W]s\b(?!{then_aux})"
            rf"|(?:is|are)\s+used\s+(?:to|for)\b)"
            rf"|^(?:you\s+can\s+(?:also\s+)?)?use\s+{thing}(?:\s+\w+)?\s+to\s"
            rf"|^(?:to|if)\s[^.;:]*,\s+(?:then\s+)?use\s+{thing}",
            re.IGNORECASE,
        )
        # A definition list's description of the option or name the question asks about.
        named = options(found)
        # An option's letter case is part of it ("-c" cleans, "-C" creates).
        term = "|".join(rf"(?-i:{re.escape(o)})" for o in named) if named else subject
        # Or in a clause naming its purpose: "... a feature called X, whose purpose is to ...",
        # "The purpose of X is to ...".
        purpose = re.compile(
            rf"(?<![\w.-]){thing},?\s+whose\s+(?:\w+\s+)?purpose\s+is\s+to\s"
            rf"|\bthe\s+(?:\w+\s+)?purpose\s+of\s+{thing}\s+is\s+to\s",
            re.IGNORECASE,
        )
        # Or a list item naming it as its term, marked as code (a link, a call's arguments, a
        # value and a shell variable's "$" allowed), then a colon or a dash and what it does: a
        # README's "* `--version`: Print the version.", Node.js's "[`Buffer.alloc(size)`][]:
        # Create a `Buffer` ...", systemd's "`$SYSTEMD_FUZZ_RUNS` — The number of times ...".
        called = subject.removesuffix(re.escape("()"))  # "flush()" is "flush(depth)"
        item = re.compile(
            rf"^\[?`+\$?{called}(?:\([^`]*\)|[=\[][^`]*)?`+(?:\]\[[^\]]*\]|\]\([^)\s]*\))?"
            rf"\s*(?::|[-–—]{{1,2}})\s+\S",
            re.IGNORECASE,
        )
        for i, s in enumerate(candidates):
            if s.role in ("sentence", "list_item", "list_intro") and (
                does.match(s.text.strip()) or purpose.search(s.text)
            ):
                return i
            if _describes(term, s) or (s.role == "list_item" and item.match(s.text.strip())):
                return i
        # "What does the query tool do?" of a list of tools: "query" over its description.
        return _kind_named_term(found, candidates)


# "What does the documentation say about X?", "Tell me about X": a question for what is said on
# a topic (a reporting verb, then the preposition that names the topic).
_SAID_ABOUT = re.compile(
    rf"\b(?:{'|'.join(sorted(SAYING_VERBS))})\b[^?!.]*?\b(?:about|regarding|concerning)\s+"
    r"(?P<topic>[^?!]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SectionAsked:
    """A question for what the documents say about a topic that titles a section ("What does the
    documentation say about path parameters?") is answered by the section's opening passage: its
    opening sentence and the ones that follow it (``Decision.passage``; the extractive backend
    quotes up to three, stopping before a code block).

    The topic must name the section: every content word of the section's heading is in the
    topic (words in an aside in parentheses may be left out: see :class:`_Heading`), and every
    content word of the topic is in that heading or in a heading above it (the document's title
    included).  Of several such sections the most exactly named counts (see
    :meth:`_exactness`), then the one whose opening sentence scores best.  The opening sentence
    is the section's first prose candidate in the evidence that ends as a sentence does (see
    :func:`_opening`); the answer quotes the section's own sentences only.  Before this rule
    such a question was scored like a question for a fact: the opening sentence of a section
    shares few words with "what does it say about X" and was refused or passed over for a
    sentence elsewhere that repeats X's words; and when the section held a cut-off list, the
    question was refused as a question for the list, though the section says things about its
    topic before the cut.

    A question that is a heading's own (a FAQ's "Why is there no goto?": the heading ends with a
    question mark, the question has every word of it, stop words included, and no content word
    that is not in it or a heading above; see :func:`_asks_as`) is answered the same way: the
    section under it is the documents' answer.  The model refused such questions when the answer
    shares few words with them ("Why does this project exist?", Django's FAQ, 0.29).
    """

    name: str = "section_asked"

    def topic(self, asked: Asked) -> str | None:
        """What the question asks the documents to say something about (or asks what it does
        or is for), or None."""
        found = _SAID_ABOUT.search(asked.cleaned)
        if found:
            return found.group("topic")
        does = _DOES_WHAT.match(asked.cleaned)
        if does:
            topic, place = does.group("topic"), does.group("place")
            return f"{topic} in {place}" if topic and place else topic or does.group("purpose")
        return _what_is(asked.cleaned)

    def titled(self, topic_phrase: str, titles: dict[str, str]) -> list[str]:
        """The ids of the documents whose titles the topic names (every content word of the
        title outside parentheses is in the topic): a page the question points at by its
        title."""
        topic, _ = self._topic_terms(topic_phrase)
        if not topic:
            return []
        return [
            doc_id
            for doc_id, title in titles.items()
            if (heading := _heading(title)).words and heading.words_named_in(topic)
        ]

    def heading_asked(self, asked: Asked, documents: Sequence[Document]) -> list[NamedSection]:
        """The sections of ``documents`` whose headings ask the question word for word (a FAQ's
        "Why is there no goto?"), as :meth:`named` finds them; none when the question does not
        end with a question mark.  Read when it names no topic."""
        question = asked.cleaned.strip()
        return self.named(question, documents, questions=True) if question.endswith("?") else []

    def named(
        self, topic_phrase: str, documents: Sequence[Document], *, questions: bool = False
    ) -> list[NamedSection]:
        """The sections (with how exactly they are named, see :meth:`_exactness`, and their
        documents' ids) whose headings the topic names, the most exactly named first; with
        ``questions``, only headings that are questions themselves."""
        topic, first = self._topic_terms(topic_phrase)
        if not topic:
            return []
        quoted = QUOTED.search(topic_phrase)
        # A heading the question asks is most exactly named by all its words, in order ("How do
        # I convert a string to a number?", not "... a number to a string?").
        whole = _all_words(topic_phrase) if questions else None
        asked_words = frozenset(whole or ())
        passage = whole or (_all_words(quoted.group(0)) if quoted else None)
        # An option the topic names is named by a heading that writes it ("-c, --clean"), not
        # by one sharing its word ("Cleaning"); the heading's other forms of the option ("-c")
        # need not be in the topic.
        named_options = options(topic_phrase)
        named = [
            (self._exactness(heading, topic, first, passage, section), doc.id, section)
            for doc in documents
            for section, heading, above in _headed(doc)
            if (
                heading.words_named_in(topic)
                or heading.call_named_in(topic_phrase)
                or heading.object_named_in(topic_phrase)
                or bool(named_options)
            )
            and topic <= heading.words | above
            and (whole is None or _asks_as(section.title, asked_words))
            and all(writes_option(section.title, o) for o in named_options)
        ]
        named.sort(key=lambda found: found[0], reverse=True)
        return named

    @staticmethod
    def _topic_terms(phrase: str) -> tuple[frozenset[str], frozenset[str] | None]:
        """The topic's content words, and those of the first passage it quotes (or None)."""
        quoted = QUOTED.search(phrase)
        return _terms(phrase), _terms(quoted.group(0)) if quoted else None

    @staticmethod
    def _exactness(
        heading: _Heading,
        topic: frozenset[str],
        first: frozenset[str] | None,
        passage: tuple[str, ...] | None,
        section: Section,
    ) -> Exactness:
        """How exactly the topic names a section: the heading is the first passage the topic
        quotes, word for word (""Other middlewares" in "Middleware"" names that section, not
        the page "Middleware", though "other" is no content word), or by its content words
        (""Nested Models" in "Body - Nested Models"" names the section, not its page),
        or all of the topic ("stream JSON lines" names the page "Stream JSON Lines", not its
        section "JSON Lines"); then the outer section (a page "Status Codes" whose first section
        is "Status codes" again: the topic names the page, which the section is part of)."""
        return (
            passage is not None and _all_words(section.title) == passage,
            heading.is_named_by(first),
            heading.is_named_by(topic),
            -section.level,
        )

    def check(
        self,
        asked: Asked,
        candidates: Sequence[Sentence],
        scores: np.ndarray,
        documents: Sequence[Document],
        *,
        heading_only: bool = False,
    ) -> tuple[int, Section] | None:
        """The index of the opening sentence of the section the question asks about, with the
        section, or None: of the most exactly named sections with an opening among the
        candidates, the one whose opening scores best; a section holding only list items opens
        with its first item, when no named section has prose to open with.  ``heading_only``:
        only a section whose heading asks the question word for word (see
        :meth:`heading_asked`)."""
        topic = None if heading_only else self.topic(asked)
        if topic is not None:
            named = self.named(topic, documents)
        else:
            named = self.heading_asked(asked, documents)
        return self._best(named, candidates, scores, items=False) or self._best(
            named, candidates, scores, items=True
        )

    @staticmethod
    def _best(
        named: Sequence[NamedSection],
        candidates: Sequence[Sentence],
        scores: np.ndarray,
        *,
        items: bool,
    ) -> tuple[int, Section] | None:
        """Of the most exactly named sections with an opening (see :func:`_opening`), the one
        whose opening scores best, with that opening's index."""
        best: tuple[int, Section] | None = None
        best_rank: Exactness | None = None
        for rank, doc_id, section in named:
            if best_rank is not None and rank != best_rank:
                break
            i = _opening(candidates, doc_id, section, items=items)
            if i is not None and (best is None or scores[i] > scores[best[0]]):
                best, best_rank = (i, section), rank
        return best


@dataclass(frozen=True)
class ObjectNamed:
    """A question that names a described object as code, as its heading writes it ("What does
    json.dumps return?" of the section "json.dumps(obj, *, skipkeys=False, ...)"; see
    :meth:`_Heading.object_named_in`), asks about that object: the candidates inside its section
    lead the ranking, best first, before the rest (the decision whether to answer is the
    model's and the rules' as for any question; only which candidate leads changes).

    A reference's neighbouring objects are described in the same words ("Return the median of
    numeric data", "Return the high median of data"), and the model, which reads a sentence and
    not the heading above it, picked the neighbour's as often as not.  The chain brings the
    opening chunks of the named sections into the evidence.
    """

    name: str = "object_named"

    def sections(self, asked: Asked, documents: Sequence[Document]) -> list[tuple[str, Section]]:
        """The sections (with their documents' ids) of the objects the question names."""
        return [
            (doc.id, section)
            for doc in documents
            for section, heading, _ in _headed(doc)
            if heading.object_named_in(asked.cleaned)
        ]

    def scoped(
        self, ranked: Sequence[ScoredSentence], sections: Sequence[tuple[str, Section]]
    ) -> tuple[ScoredSentence, ...]:
        """``ranked`` with the candidates inside ``sections`` first (each part in its order)."""

        def inside(s: Sentence) -> bool:
            return any(
                s.document == doc_id and where.start <= s.start and s.end <= where.end
                for doc_id, where in sections
            )

        return (
            *(r for r in ranked if inside(r.sentence)),
            *(r for r in ranked if not inside(r.sentence)),
        )


@dataclass(frozen=True)
class Restated:
    """A candidate every content word of which the question already has ("``--no-index``" for
    "What does --no-index do?", a name standing alone as a paragraph or a list item) states
    nothing the question does not: it answers no question but a yes/no one ("Is X supported?"
    / "X is supported."), so its probability is set to 0 (a list introduction keeps its own: what
    answers is the list it brings; so does a candidate holding the kind of thing asked for, a
    number word being no content word: "Usually there are two release candidates." for "How
    many release candidates are there usually?").  A candidate that is itself a question (a
    FAQ's "Is X threadsafe?" above its answer) states nothing either, whatever is asked.  Nor
    does one whose value is a symbol, not a word (see :func:`_symbol_values`: "\\n on POSIX"
    for "What does os.EOL contain on POSIX?", "/ on POSIX" for the path separator), or a name
    joining letters and digits that the question writes apart or not at all ("... should
    specify python3 as the interpreter name." for "Which interpreter name should scripts that
    require the default Python 3 version specify?"), or a term's description whose term the
    question does not name (the term answers: "-C --create" over "Make the output folder when
    it does not exist yet." for "How do I make the output folder when it does not exist?")."""

    name: str = "restated"

    def mask(
        self, sentences: Sequence[Sentence], features: np.ndarray, question: str = ""
    ) -> np.ndarray:
        """Which candidates restate the question (only questions for a yes/no question)."""
        asked, joined = _symbol_values(question), _joined_names(question)
        return np.array(
            [
                not s.introduces
                and (
                    asks(s.text)
                    or (
                        features[i, _YES_NO] == 0
                        and features[i, _NEW_CONTENT] == 0
                        and features[i, _TYPE_OK] == 0
                        and bool(content_terms(s.text))
                        and _symbol_values(s.text) <= asked
                        and _joined_names(s.text) <= joined
                        and not s.describes_term_unnamed_by(question)
                    )
                )
                for i, s in enumerate(sentences)
            ],
            dtype=bool,
        )


# A value written in symbols, standing alone between spaces: an escape sequence ("\n", "\r\n")
# or a run of the characters that separators and operators are written with ("/", ";", "::").
# Dashes, quotes, "&" and sentence punctuation are left out: prose writes them alone too.
_SYMBOL_VALUE = re.compile(r"(?:\\[A-Za-z0-9])+|[\\/;:|<>=*#@$%~^+]+")


# A name joining letters and digits in one word ("python3", "utf8", "ipv6"): its parts are
# words of their own ("python", "3"), and a question may write them apart ("Python 3").
_JOINED_NAME = re.compile(r"\b[A-Za-z]+\d[A-Za-z0-9]*\b")


def _joined_names(text: str) -> set[str]:
    """The names ``text`` writes joining letters and digits (see ``_JOINED_NAME``),
    lowercased."""
    return {m.group(0).lower() for m in _JOINED_NAME.finditer(text)}


def _symbol_values(text: str) -> set[str]:
    """The values ``text`` writes in symbols (see ``_SYMBOL_VALUE``), each between spaces."""
    return {token for token in text.split() if _SYMBOL_VALUE.fullmatch(token)}


@dataclass(frozen=True)
class _Heading:
    """A heading's content words; those outside parentheses and its section number are
    required to name it ("CORS" names "CORS (Cross-Origin Resource Sharing)", "deploy your app"
    names "Deploy your app (optional)", "future developments" names "2.5 Future
    developments")."""

    required: frozenset[str]
    words: frozenset[str]
    # The name a heading that is a call is called by, as written ("json.dumps" of
    # "json.dumps(obj, *, indent=None)", a described function's signature), as a pattern that
    # finds it whole in a lowercased phrase.
    call: re.Pattern[str] | None = None
    # The name of the object a heading describes (a call's, or a heading that is one name with
    # a dot or an underscore inside: "SECRET_KEY", "json.dumps"), as a pattern that finds it
    # named as code in a phrase: whole, and written as a call when it reads as a word ("count(").
    object: re.Pattern[str] | None = None
    # The words of a numbered label before a colon, which name the section alone: an entry's
    # identifier ("DEP0005" of "DEP0005: `Buffer()` constructor"), a step's ("Step 3: ...").
    label: frozenset[str] = frozenset()

    @classmethod
    def of(cls, title: str) -> _Heading:
        """The heading of a section titled ``title``."""
        words = _terms(title)
        labelled = _NUMBERED_LABEL.match(title)
        call = _CALL.search(title)
        named = _NAME_ONLY.match(title.strip())
        if call:
            name = call.group("name")
        elif named and ("." in named.group("name") or "_" in named.group("name")):
            # Not a capital inside a name: "OpenAPI", "GraphQL" name what a whole corpus may be
            # about, and a guide's section "`UploadFile`" (its attributes) is not where it says
            # why to use one.
            name = named.group("name")
        else:
            name = ""
        ending = r"(?!\w)" if _CODE_NAME.search(name) else r"\("
        # A member of a described object ("worker.workerData") is named by itself when it reads
        # as code ("What is workerData?"): the page is about its owner.
        owner, _, member = name.rpartition(".")
        pattern = re.escape(name)
        if owner and not call and _CODE_NAME.search(member):
            pattern = rf"(?:{re.escape(owner)}\.)?{re.escape(member)}"
        return cls(
            # The aside first: a number with nothing but an aside after it ("3.2.4
            # (2024-11-01)", a release's heading) is the heading's name, not its numbering.
            _terms(_SECTION_NUMBER.sub("", _PARENTHESISED.sub(" ", title))) or words,
            words,
            re.compile(rf"(?<![\w.]){re.escape(call.group('name').lower())}(?!\w)")
            if call
            else None,
            re.compile(rf"(?<![\w.]){pattern}{ending}", re.IGNORECASE) if name else None,
            _terms(labelled.group("label")) if labelled else frozenset(),
        )

    def call_named_in(self, phrase: str) -> bool:
        """The heading is a call, and ``phrase`` writes its name as the heading does ("What does
        json.dumps do?"): a reader leaves a signature's arguments out.  Written, not by content
        words: "permissions" must not name "permission.has(scope)", nor "json.dumps" the
        section "json.dump(obj, fp)"."""
        return self.call is not None and self.call.search(phrase.lower()) is not None

    def object_named_in(self, phrase: str) -> bool:
        """The heading describes an object and ``phrase`` names it as code: its name as
        written, whole, and either the name reads as code (a dot, an underscore or a capital
        inside it: "json.dumps", "get_host", "HttpRequest") or the phrase writes the call
        ("count(", not "count")."""
        return self.object is not None and self.object.search(phrase) is not None

    def words_named_in(self, topic: frozenset[str]) -> bool:
        """The topic's content words name the heading: all its required words, or all of its
        numbered label's ("What is DEP0005?")."""
        return self.required <= topic or (bool(self.label) and self.label <= topic)

    def is_named_by(self, terms: frozenset[str] | None) -> bool:
        """``terms`` are the heading's required words and at most its optional ones."""
        return terms is not None and self.required <= terms <= self.words


@lru_cache(maxsize=65_536)
def _heading(title: str) -> _Heading:
    """:meth:`_Heading.of`, cached: every page title is read for every question of this form."""
    return _Heading.of(title)


# A heading's numbered label before a colon: at most three words, one with a digit ("DEP0005:",
# "Step 3:", "PEP 8:").
_NUMBERED_LABEL = re.compile(r"\s*(?P<label>(?=[^:]*\d)[^\W_][\w.-]*(?:\s+[\w.-]+){0,2}):\s+\S")
# An aside in parentheses after a space ("CORS (Cross-Origin Resource Sharing)"); not a call's
# arguments ("permission.has(scope)"), which are part of the name.
_PARENTHESISED = re.compile(r"(?<=\s)\([^()]*\)")
# A section's number before its title ("2.5 Future developments", "3. Usage", a Roman numeral's
# "V. Simplified API"): a manual's numbering, which a question naming the section need not
# repeat.
_SECTION_NUMBER = re.compile(
    r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})\.)\s+(?=\S)"
)
# A call: a dotted name right before its arguments (a default value may be a call itself:
# "bisect_left(a, x, lo=0, hi=len(a))").
_CALL = re.compile(r"(?P<name>[A-Za-z_][\w.]*\w)\((?:[^()]|\([^()]*\))*\)")
# A heading that is one name, in inline markup or not ("SECRET_KEY", "``json.dumps``").
_NAME_ONLY = re.compile(r"^[`*\"']*(?P<name>[A-Za-z_][\w.]*\w)[`*\"']*$")
# A name that reads as code, not as a word: a dot, an underscore or a capital inside it.
_CODE_NAME = re.compile(r"[._]|(?<=[a-z0-9])[A-Z]")


def _heading_words(doc: Document) -> list[tuple[Section, _Heading, frozenset[str]]]:
    """Each section of ``doc`` (see :func:`_with_subsections_if_bare`) with its heading and the
    content words of the headings above it and the title."""
    out: list[tuple[Section, _Heading, frozenset[str]]] = []
    path: list[tuple[Section, frozenset[str]]] = []
    title = _terms(doc.title or "")
    for section in _with_subsections_if_bare(doc):
        while path and path[-1][0].level >= section.level:
            path.pop()
        above = title.union(*(terms for _, terms in path))
        heading = _heading(section.title)
        if heading.words:
            out.append((section, heading, above))
        path.append((section, heading.words))
    return out


def _with_subsections_if_bare(doc: Document) -> list[Section]:
    """The sections of ``doc``, each running to the next heading as stored, but for a section
    with no text of its own (its heading is followed right away by a subsection's, as a
    reference page opens on its first described class): that one runs over its subsections, to
    the next heading of its level or above, since what it says is what they say."""
    if not doc.blocks:
        return list(doc.sections)
    starts = sorted(b.start for b in doc.blocks if b.kind not in ("heading", "boilerplate"))
    out = []
    for i, section in enumerate(doc.sections):
        at = bisect.bisect_left(starts, section.start)
        if at == len(starts) or starts[at] >= section.end:
            later = (s.heading_start for s in doc.sections[i + 1 :] if s.level <= section.level)
            section = replace(section, end=max(section.end, next(later, len(doc.text))))
        out.append(section)
    return out


# Read for every question of this form; computed once per document version.
_headed = PerDocument(_heading_words)


def _asks_as(title: str, question: frozenset[str]) -> bool:
    """The heading ``title`` is a question whose every word, stop words included, the question
    has (its section number aside): "What are floats?" does not ask "Why is there no float?",
    though their content words are the same."""
    return title.rstrip().endswith("?") and question.issuperset(
        _all_words(_SECTION_NUMBER.sub("", title))
    )


@lru_cache(maxsize=65_536)
def _all_words(text: str) -> tuple[str, ...]:
    """Every word of a heading or a quoted passage, lowercased (markup and punctuation aside)."""
    return tuple(w.lower() for w in re.findall(r"\w+", text))


@lru_cache(maxsize=65_536)
def _terms(text: str) -> frozenset[str]:
    """The content words of a heading or a topic, meta words and single letters kept
    ("Documentation" may title a section; the topic "git -v" is not named by a section "Git").
    Cached: a long page (release notes) has a thousand headings, read for every question of
    this form."""
    return frozenset(content_terms(text, drop_meta=False, letters=True))


def _inside(s: Sentence, section: Section, opening: Sentence) -> bool:
    """``s`` lies in the body of ``section`` of the opening sentence's document."""
    return s.document == opening.document and section.start <= s.start and s.end <= section.end


def _opening(
    candidates: Sequence[Sentence], document: str, section: Section, *, items: bool = False
) -> int | None:
    """The first prose candidate in the body of ``section`` that ends as a sentence does
    (before it, a page may put labels: "Added in: v8.7.0", "Stability: 2 - Stable"), else the
    first prose candidate; with ``items``, in a section of list items and no prose ("2.5
    Future developments" over its bullets), the first item (a list introduction is prose: the
    list is its answer, :class:`ListAsked`'s)."""
    body = [
        i
        for i, s in enumerate(candidates)
        if s.document == document and section.start <= s.start and s.end <= section.end
    ]
    roles = {candidates[i].role for i in body}
    inside = [i for i in body if candidates[i].role == "sentence"]
    if items and not inside and "list_intro" not in roles:
        inside = [i for i in body if candidates[i].role == "list_item"]
    ended = [i for i in inside if _SENTENCE_END.search(candidates[i].text)]
    return min(ended or inside, key=lambda i: candidates[i].start) if inside else None


# Sentence-final punctuation, before any closing quotes, brackets or inline markup.
_SENTENCE_END = re.compile(r"[.!?:;][\s\"'’”)\]*_`]*$")


@dataclass(frozen=True)
class SourceTruncated:
    """The question targets a recorded gap: the document announces content it lacks.

    The gap's *region* is its announcing sentence and the ``lead_sentences`` before it in the
    same paragraph (where "these included:" takes its subject from).  The rule fires when the
    best candidate for the question (by the model, the announcing sentence scored as an ordinary
    sentence) lies in the region, with probability at least ``min_relevance``, and the question
    asks for content (what, which, who, a list, a count, an item, yes/no about the content),
    not for a time or a place ("when", "where", "on what date", "which year": the user's own
    words, not a passage they quote), which the region's own sentences may state.  A question for a
    reason or a manner (why, how), which the lead sentences may answer, targets the gap only
    when its best candidate is the announcement itself: the reasons or steps it promises are
    what is missing.  A question for the members of a list that quotes the announcing
    sentence (``quoted``) targets its gap whatever the scores: the user has said which list they
    mean.

    A region candidate that is not the best but within ``member_margin`` of it counts only when
    it holds a word of the question (``mentions``), the guard :class:`ListAsked` puts on the same
    margin: the margin is absolute, and when every candidate scores low every one is within it,
    so "Which ports does the ferry serve?" of a page ending in a cut-off list of fares was
    refused as a question for that list.
    """

    lead_sentences: int = 1
    # Low on purpose: when the region is the best evidence, the question is refused either way
    # (by this rule or, with a weak match, by the model); this rule only names the better reason.
    min_relevance: float = 0.0
    # A question for members of a list (list / name them / how many / the first / is X among
    # them) may target the region even when another candidate scores up to this much higher.
    member_margin: float = 0.15
    name: str = "source_truncated"

    def check(
        self,
        asked: str,
        probabilities: np.ndarray,
        neutral: np.ndarray,
        candidates: Sequence[Sentence],
        gaps: Sequence[Gap],
        texts: dict[str, str],
        quoted: Sequence[int] = (),
        mentions: np.ndarray | None = None,
    ) -> Gap | None:
        """The gap the question targets, or None.  ``quoted``: the candidates the question
        quotes; ``mentions``: whether each candidate holds a word of the question."""
        if not gaps or not candidates:
            return None
        wh = _opening_wh(asked)
        wants = intent(asked)
        own = _own_words(asked)
        if wh in ("when", "where") or answer_kind(intent(own), own) == "date":
            return None
        # A why / how question can target only the announcement itself; others the region.
        content = wh is None
        members = content and _asks_for_members(wants)
        if members:
            for i in quoted:
                s = candidates[i]
                gap = next((g for g in gaps if _announces(s, g)), None)
                if gap is not None:
                    return gap
        scores = np.where([s.introduces for s in candidates], neutral, probabilities)
        margin = self.member_margin if members else 0.0
        for rank, i in enumerate(_near_best(scores, margin, self.min_relevance)):
            if rank > 0 and mentions is not None and not mentions[i]:
                continue
            top = candidates[i]
            for gap in gaps:
                targeted = (
                    top.document == gap.document
                    and self._in_region(top, gap, candidates, texts.get(gap.document, ""))
                    if content
                    else _announces(top, gap)
                )
                if targeted:
                    return gap
        return None

    def _in_region(self, s: Sentence, gap: Gap, candidates: Sequence[Sentence], text: str) -> bool:
        if _announces(s, gap):
            return True
        if s.end > gap.start or "\n\n" in text[s.end : gap.start]:
            return False
        between = [
            c for c in candidates if c.document == gap.document and s.end <= c.start < gap.start
        ]
        return len(between) < self.lead_sentences


def _near_best(scores: np.ndarray, margin: float, floor: float = -np.inf) -> list[int]:
    """Indices of the scores within ``margin`` of the best and at least ``floor``, best first."""
    cut = max(floor, float(scores.max()) - margin)
    return [int(i) for i in np.argsort(-scores) if float(scores[i]) >= cut]


# A question opening with one of these asks for a reason, a manner, a time or a place, not for
# content a list would hold ("how many / how much" ask for content).
_OPENING_WH = re.compile(r"^\W*(why|how(?!\s+(?:many|much))|when|where)\b", re.IGNORECASE)


def _asks_for_members(wants: Intent) -> bool:
    """List them, how many, the first/last one, or whether something is among them."""
    return wants.enumerate or wants.count or wants.ordinal or wants.yes_no


def _own_words(question: str) -> str:
    """The question without the passages it quotes: the user's words decide what is asked."""
    return QUOTED.sub(" ", question)


def _opening_wh(question: str) -> str | None:
    """``why``, ``how``, ``when`` or ``where`` when the user's own words open with it, else
    None (a quoted passage opening the question is the document's)."""
    match = _OPENING_WH.search(_own_words(question))
    return match.group(1).lower() if match else None


# A number of things that is a limit or a setting, not a count (general English).
_LIMIT = re.compile(
    r"\b(?:maximum|minimum|max|min|largest|smallest|highest|lowest|default)\s+number\s+of\b",
    re.IGNORECASE,
)


# A list item's marker (and the space around it) at the end of a text.
_ITEM_MARK = re.compile(rf"\s*{ITEM_MARKER}?\s*$")


@dataclass(frozen=True)
class ListAsked:
    """A question for the members of a list (list them, how many, the first / last one) whose
    best evidence, or the sentence it quotes, introduces a list the document does contain: the
    list's items answer it (the extractive backend quotes them), whatever the model's score.
    The introduction's region counts as it does for :class:`SourceTruncated`: best evidence
    among the ``lead_sentences`` before it in its paragraph ("Use COMPARE to choose the method.
    It must be one of:") leads to its list.

    An introduction within ``member_margin`` of the best candidate counts as the best evidence
    (the margin :class:`SourceTruncated` gives a gap's announcement, so a question targets the
    same passage whether the list is there or cut off) when the model finds the evidence
    answers (``answerable``), or when the introduction (or the sentence leading into it) holds
    a word of the question (``mentions``): when the model finds nothing answers, a nearby list
    that shares no word with the question is no answer to it.

    A question opening with "how" or "why" asks for a manner or a reason, even with a count
    inside it ("How can I limit how many characters ...?"): a list is not its answer.  Nor is
    it the answer to a limit ("What is the maximum number of threads Valgrind supports?" was
    answered by counting "the following constraints:"): the largest or smallest number allowed,
    or the one set by default, is a value the text states, not a count of its items.
    """

    member_margin: float = SourceTruncated.member_margin
    lead_sentences: int = SourceTruncated.lead_sentences
    name: str = "list_asked"

    def check(
        self,
        asked: str,
        scores: np.ndarray,
        candidates: Sequence[Sentence],
        documents: Sequence[Document],
        quoted: Sequence[int] = (),
        answerable: bool = False,
        mentions: np.ndarray | None = None,
    ) -> int | None:
        """The index of the introducing candidate, or None.  ``quoted``: the candidates the
        question quotes, which come before the best-scoring one; ``mentions``: whether each
        candidate holds a word of the question."""
        wants = intent(asked)
        if not candidates or not (wants.enumerate or wants.count or wants.ordinal):
            return None
        if _opening_wh(asked) in ("why", "how"):
            return None  # "How can I limit how many ...?" asks for a manner, not a count
        if not (wants.enumerate or wants.ordinal) and _LIMIT.search(asked):
            return None  # "What is the maximum number of threads?" asks for a limit
        near = _near_best(scores, self.member_margin)
        near = [
            i
            for rank, i in enumerate(near)
            if rank == 0 or answerable or (mentions is not None and bool(mentions[i]))
        ]
        for i in (*quoted, *near):
            document = next((d for d in documents if d.id == candidates[i].document), None)
            if document is None:
                continue
            j = self._introduction(i, candidates, document.text)
            if j is not None and list_items_after(document, candidates[j].start):
                return j
            if j is None and self._leads_without_colon(candidates[i], document):
                return i
        return None

    @staticmethod
    def _leads_without_colon(candidate: Sentence, document: Document) -> bool:
        """Whether ``candidate``'s paragraph is right over a list and ends without a colon
        ("The following three types of HTTP Authentication are supported. These can be used
        over both HTTP and HTTPS." over "* Digest"): the paragraph leads into the list, and no
        sentence of it introduces the list for :meth:`_introduction` to find."""
        items = list_items_after(document, candidate.start)
        if not items or candidate.role != "sentence":
            return False
        # The text up to the first item, without the item's marker if it stands there.
        paragraph = _ITEM_MARK.sub("", document.text[candidate.start : items[0].start])
        return not introduces(paragraph)

    def _introduction(self, i: int, candidates: Sequence[Sentence], text: str) -> int | None:
        """The candidate at ``i`` if it introduces a list, else the introduction it leads into:
        one of the next ``lead_sentences`` candidates of its paragraph."""
        s = candidates[i]
        if s.introduces:
            return i
        later = sorted(
            (j for j, c in enumerate(candidates) if c.document == s.document and c.start >= s.end),
            key=lambda j: candidates[j].start,
        )
        for j in later[: self.lead_sentences]:
            if "\n\n" in text[s.end : candidates[j].start]:
                return None
            if candidates[j].introduces:
                return j
        return None


def _quoted(question: str, candidates: Sequence[Sentence], scores: np.ndarray) -> list[int]:
    """The candidates holding a passage the question quotes, best-scoring first."""
    phrases = quoted_phrases(question)
    if not phrases:
        return []
    found = [
        i for i, s in enumerate(candidates) if any(contains_phrase(s.text, p) for p in phrases)
    ]
    return sorted(found, key=lambda i: -float(scores[i]))


def _announces(s: Sentence, gap: Gap) -> bool:
    """The sentence is (or overlaps) the gap's announcement, in the gap's own document."""
    return s.document == gap.document and (
        s.start <= gap.start < s.end or gap.start <= s.start < gap.end
    )


# -- the decider ------------------------------------------------------------------------------


class AnswerDecider:
    """Runs the rules in order, then the answerability model."""

    def __init__(
        self,
        scorer: SentenceScorer,
        stats: CorpusStats,
        model: AnswerabilityModel,
        *,
        unmentioned: Unmentioned | None = None,
        defined: Defined | None = None,
        section: SectionAsked | None = None,
        purpose: PurposeStated | None = None,
        named_object: ObjectNamed | None = None,
        restated: Restated | None = None,
        unconfirmed: Unconfirmed | None = None,
        number_absent: NumberAbsent | None = None,
        option_absent: OptionAbsent | None = None,
        negation: NegationUnstated | None = None,
        swapped: NameSwapped | None = None,
        truncated: SourceTruncated | None = None,
        lists: ListAsked | None = None,
        title: TitleAsked | None = None,
        dated: DatedHeading | None = None,
        rules_before: Sequence[QuestionRule] = RULES_BEFORE,
    ) -> None:
        self.scorer = scorer
        self.stats = stats
        self.model = model
        self.unmentioned = unmentioned or Unmentioned()
        self.defined = defined or Defined()
        self.section = section or SectionAsked()
        self.purpose = purpose or PurposeStated()
        self.named_object = named_object or ObjectNamed()
        self.restated = restated or Restated()
        self.unconfirmed = unconfirmed or Unconfirmed()
        self.number_absent = number_absent or NumberAbsent()
        self.option_absent = option_absent or OptionAbsent()
        self.negation = negation or NegationUnstated()
        self.swapped = swapped or NameSwapped()
        self.truncated = truncated or SourceTruncated()
        self.lists = lists or ListAsked()
        self.title = title or TitleAsked()
        self.dated = dated or DatedHeading()
        self.rules_before = tuple(rules_before)

    def named_topic(self, asked: Asked) -> str | None:
        """What the question names by a heading, whose sections' opening chunks the evidence
        should hold: :meth:`SectionAsked.topic`, the topic of "What does the documentation say
        about X?" or "What does X do?", or the subject of "What is X?" (a page or section on a
        thing usually says first what it is)."""
        return self.section.topic(asked)

    def before_retrieval(self, asked: Asked) -> Decision | None:
        """The first rule that refuses the question as asked, or None."""
        for rule in self.rules_before:
            verdict = rule.check(asked)
            if verdict is not None:
                return verdict
        return None

    def decide(
        self, asked: Asked, evidence: Sequence[Evidence], documents: Sequence[Document]
    ) -> Decision:
        """Answer or refuse, given the retrieved evidence and its documents."""
        # A heading labels text and is no candidate; these questions are answered by one.
        headings = (
            (
                self.title.name,
                "the question asks for the title of the text; it stands in its heading",
                self.title.check(asked, evidence, documents),
            ),
            (
                self.dated.name,
                "the question asks when a version came out; its heading in a release history "
                "(or its line on a title page) dates it",
                self.dated.check(asked, evidence, documents),
            ),
        )
        for rule, why, heading in headings:
            if heading is not None:
                return Decision(
                    None,
                    rule,
                    why,
                    ranked=(ScoredSentence(heading, 1.0, 1.0, 1.0, term_set(heading.text)),),
                    passage=True,
                )
        sentences, features, cos = self.signals(asked, evidence, documents)
        writers = self.option_absent.writers(asked, documents)
        if writers:
            keep = np.asarray([s.document in writers for s in sentences], dtype=bool)
            sentences = [s for s, k in zip(sentences, keep, strict=True) if k]
            features, cos = features[keep], cos[keep]
        if not sentences:
            return Decision("not_in_documents", "answerability", "no evidence", score=0.0)
        p = self.model.score_candidates(features)
        p = np.where(self.restated.mask(sentences, features, asked.cleaned), 0.0, p)
        ranked = _ranked(sentences, features, cos, p)
        objects = self.named_object.sections(asked, documents)
        if objects:
            ranked = self.named_object.scoped(ranked, objects)
        defining, names = self.defined.find(asked, [r.sentence for r in ranked])
        titled: tuple[int, Section] | None = None
        if defining is not None and not names:
            # A sentence saying only what state the thing is in ("libffi is missing a few
            # features") gives way to a section whose heading asks the question ("1 What is
            # libffi?").
            titled = self.section.check(asked, sentences, p, documents, heading_only=True)
        if defining is not None and titled is None:
            return _answered_by(
                self.defined.name,
                "a sentence of the evidence defines what the question asks about",
                self.model.answerable(p, features, cos),
                ranked[defining].sentence,
                ranked,
                documents,
            )
        gaps = [g for d in documents for g in d.gaps]
        titled = titled or self.section.check(asked, sentences, p, documents)
        if titled is not None:
            opening, section = titled
            first = sentences[opening]
            return Decision(
                None,
                self.section.name,
                f"the question asks what the section {section.title!r} says; it opens with this",
                score=self.model.answerable(p, features, cos),
                gaps=tuple(
                    g
                    for g in gaps
                    if g.document == first.document and section.start <= g.start <= section.end
                ),
                # The answer says what the section says: its own candidates only, from the
                # opening sentence on in text order.
                ranked=_passage_from(
                    first, [r for r in ranked if _inside(r.sentence, section, first)]
                ),
                passage=True,
            )
        purpose = self.purpose.check(asked, [r.sentence for r in ranked])
        if purpose is not None:
            return _answered_by(
                self.purpose.name,
                "a sentence of the evidence says what the question's subject does",
                self.model.answerable(p, features, cos),
                ranked[purpose].sentence,
                ranked,
                documents,
            )
        neutral = self.model.score_candidates(_as_plain_sentences(features))
        texts = {d.id: d.text for d in documents}
        quoted = _quoted(asked.cleaned, sentences, p)
        mentions = features[:, _COVERAGE] > 0
        gap = self.truncated.check(
            asked.cleaned, p, neutral, sentences, gaps, texts, quoted, mentions
        )
        if gap is not None:
            return Decision(
                "source_truncated",
                self.truncated.name,
                "the best evidence is the announcement of a list the document does not contain",
                gaps=(gap,),
                cite=_gap_citations(gap, sentences),
                ranked=ranked,
            )
        score = self.model.answerable(p, features, cos)
        answerable = score >= self.model.threshold
        # A list introduction competes on its content whether or not its role counts for it.
        plain = np.where([s.introduces for s in sentences], np.maximum(neutral, p), p)
        intro = self.lists.check(
            asked.cleaned,
            plain,
            sentences,
            documents,
            quoted,
            answerable=answerable,
            mentions=mentions,
        )
        if intro is not None and self.negation.unstated_by(asked, sentences[intro]):
            intro = None  # a list of what is so does not say what is not
        if intro is not None:
            first = sentences[intro]
            if not first.introduces:
                # Its paragraph leads into the list without a colon: the list is what it
                # introduces, for the chain's evidence and the backend's answer.
                lead = replace(first, role="list_intro")
                ranked = tuple(
                    replace(r, sentence=lead) if r.sentence is first else r for r in ranked
                )
                first = lead
            return Decision(
                None,
                self.lists.name,
                "the question asks for a list and the best evidence introduces it",
                score=score,
                ranked=_led_by(first, ranked),
            )
        unmentioned = self.unmentioned.check(asked, self.stats.mentions)
        if unmentioned is not None:
            return replace(unmentioned, score=score, ranked=ranked)
        if answerable:
            # What the model would answer, read against the question; the first veto refuses.
            best, titles = ranked[0], {d.id: d.title for d in documents if d.title}
            holder = next((d for d in documents if d.id == best.sentence.document), None)
            over = headings_over(holder, best.sentence.start)
            text = holder.text if holder else ""
            vetoes: tuple[Callable[[], Decision | None], ...] = (
                lambda: self.unconfirmed.check(asked, best),
                lambda: self.number_absent.check(
                    asked, best, titles, over, text, _shown_by(best.sentence, sentences, text)
                ),
                lambda: self.option_absent.check(asked, holder.text) if holder else None,
                lambda: self.negation.check(asked, ranked),
                lambda: self.swapped.check(asked, best, titles),
            )
            veto = next((v for v in (check() for check in vetoes) if v is not None), None)
            if veto is not None and veto.refuse is None:
                return replace(veto, score=score)  # answered by the candidate it leads with
            if veto is not None:
                return replace(veto, score=score, ranked=ranked)
        if not answerable:
            return Decision(
                "not_in_documents",
                "answerability",
                f"answerability {score:.2f} < threshold {self.model.threshold:.2f}",
                score=score,
                ranked=ranked,
            )
        related = tuple(g for g in gaps if any(_announces(r.sentence, g) for r in ranked[:3]))
        return Decision(
            None,
            "answerability",
            f"answerability {score:.2f} >= threshold {self.model.threshold:.2f}",
            score=score,
            gaps=related,
            ranked=ranked,
        )

    def signals(
        self, asked: Asked, evidence: Sequence[Evidence], documents: Sequence[Document]
    ) -> tuple[list[Sentence], np.ndarray, np.ndarray]:
        """The candidates of the evidence (labels dropped), their signals and cosines."""
        pairs = self.scorer.candidates(evidence)
        pairs = [(s, v) for s, v in pairs if not _is_label(s, documents)]
        return self.scorer.signals(
            asked.standalone,
            evidence,
            own_words=asked.cleaned,
            candidates=pairs,
            texts={d.id: d.text for d in documents},
            titles={d.id: d.title for d in documents if d.title},
        )

    def nothing_verified(self, decision: Decision) -> Decision:
        """The refusal when no drafted claim survived verification."""
        if decision.gaps:
            gap = decision.gaps[0]
            return replace(
                decision,
                refuse="source_truncated",
                rule="nothing_verified",
                why="no verified claim; the best evidence announces a missing list",
                cite=(Sentence.from_gap(gap),),
            )
        return replace(
            decision,
            refuse="not_in_documents",
            rule="nothing_verified",
            why="no drafted claim could be verified against the sources",
        )


_ROLE_COLUMNS = [FEATURES.index(n) for n in FEATURES if n.startswith("role_")]
_COVERAGE = FEATURES.index("coverage")
_YES_NO = FEATURES.index("yes_no")
_NEW_CONTENT = FEATURES.index("new_content")
_TYPE_OK = FEATURES.index("type_ok")


def _passage_from(first: Sentence, ranked: Sequence[ScoredSentence]) -> tuple[ScoredSentence, ...]:
    """``ranked`` as a passage opening with ``first``: the candidates from it on in text order,
    then the ones before it, best first."""
    after = sorted(
        (r for r in ranked if r.sentence.start >= first.start),
        key=lambda r: (r.sentence.start, r.sentence is not first),
    )
    return (*after, *(r for r in ranked if r.sentence.start < first.start))


def _answered_by(
    rule: str,
    why: str,
    score: float,
    first: Sentence,
    ranked: Sequence[ScoredSentence],
    documents: Sequence[Document],
) -> Decision:
    """A rule's answer led by the candidate it found (the others ranked after it).

    A term's description (see :attr:`Sentence.describes_term`) is the answer alone, as a passage
    (see :func:`_description`): the candidates around it describe other terms, and the model's
    own favourites, which it passed over, were quoted after it for the question's words they
    hold (the term's name is in the term, not in its description).
    """
    led = _led_by(first, ranked)
    if first.describes_term:
        text = next((d.text for d in documents if d.id == first.document), None)
        return Decision(None, rule, why, score=score, ranked=_description(led, text), passage=True)
    return Decision(None, rule, why, score=score, ranked=led)


def _description(led: Sequence[ScoredSentence], text: str | None) -> tuple[ScoredSentence, ...]:
    """A term's description led by its first candidate: the candidates after it in its
    paragraph too ("By default, man will be installed as a setuid program ..." goes on with
    "Use this option to install man as a non-setuid program instead."), up to a blank line or
    a candidate of another role."""
    first = led[0]
    if text is None:
        return (first,)
    after = sorted(
        (
            r
            for r in led[1:]
            if r.sentence.document == first.sentence.document
            and r.sentence.start >= first.sentence.end
        ),
        key=lambda r: r.sentence.start,
    )
    passage = [first]
    for r in after:
        between = text[passage[-1].sentence.end : r.sentence.start]
        if between.strip() or "\n\n" in between or r.sentence.role != first.sentence.role:
            break
        passage.append(r)
    return tuple(passage)


def _led_by(first: Sentence, ranked: Sequence[ScoredSentence]) -> tuple[ScoredSentence, ...]:
    """``ranked`` with ``first`` moved to the front (a rule chose it over the model's best)."""
    return (
        *(r for r in ranked if r.sentence is first),
        *(r for r in ranked if r.sentence is not first),
    )


def _as_plain_sentences(features: np.ndarray) -> np.ndarray:
    plain = features.copy()
    plain[:, _ROLE_COLUMNS] = 0.0
    return plain


def _ranked(
    sentences: Sequence[Sentence], features: np.ndarray, cos: np.ndarray, p: np.ndarray
) -> tuple[ScoredSentence, ...]:
    out = [
        ScoredSentence(
            sentence=s,
            semantic=float(cos[i]),
            coverage=float(features[i, _COVERAGE]),
            score=float(p[i]),
            terms=term_set(s.text),
            features=tuple(float(x) for x in features[i]),
        )
        for i, s in enumerate(sentences)
    ]
    out.sort(key=lambda x: -x.score)
    return tuple(out)


def _is_label(s: Sentence, documents: Sequence[Document]) -> bool:
    """Headings and captions label text; they state nothing.  Nor does a paragraph that is one
    name in code markup and nothing else ("``--ignore-installed``" over what the option does,
    a term set as a paragraph); a list item that is one is an item of a list, and a command
    (code with a space, "`pip install x`") says what to run.  A described object's term heads
    its section and states its form ("--num-callers=<number> [default: 12]"): no label."""
    if s.role == "sentence" and _BARE_NAME.fullmatch(s.text.strip()):
        return True
    for doc in documents:
        if doc.id != s.document:
            continue
        if any(start <= s.start and s.end <= end for start, end in _heading_labels(doc)):
            return True
        if doc.caption is not None and doc.caption.start <= s.start and s.end <= doc.caption.end:
            return True
    return False


# Read for every candidate of every question; computed once per document version.
_heading_labels = PerDocument(heading_labels)

# One name in inline code markup, alone: "``--no-index``", "`ItemsService`".
_BARE_NAME = re.compile(r"(`+)[^`\s]+\1")


def _gap_citations(gap: Gap, sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
    """What the paragraph says before the gap (when retrieved), then the announcing sentence."""
    before = [
        s
        for s in sentences
        if s.document == gap.document and s.end <= gap.start and gap.start - s.end <= 2
    ]
    announcing = Sentence.from_gap(gap)
    return (*before[-1:], announcing)


# Clauses that steer the answer away from the documents ("ignore the text", "just guess"). Such
# a clause is addressed to the service, so it is recognised by its form, not by its words alone:
# "ignore", "guess" or "assume" inside a question ("which facts do the policies ignore?", "how
# does npm guess the binary name?", "regardless of settings") ask about the documents.
#
# An order opens its clause, after "please" / "just" / "then" or a condition ("if it does not
# say, just guess"), and may chain further orders ("ignore the documents and guess").
_CLAUSE_START = r"(?:^|(?<=[.,;:!?]))\s*(?:if [^,.;:!?]*,\s*)?(?:(?:please|just|then)\s+)*"
_IMPERATIVE = (
    r"(?:ignore|disregard|forget|never mind|pretend|imagine|assume|guess|speculate|"
    r"make (?:it|something) up)\b"
)
_REST_OF_CLAUSE = r"(?:(?!\band\b|\bthen\b)[^.,;:!?])*[.,;:!?]?"
_ORDERS = (
    rf"{_CLAUSE_START}{_IMPERATIVE}{_REST_OF_CLAUSE}"
    rf"(?:\s*\b(?:and|but|then)\s+(?:just\s+)?{_IMPERATIVE}{_REST_OF_CLAUSE})*"
)
# A guess asked of the service: the whole clause ("then just give me your best guess").
_GUESS_ASKED = rf"(?:^|(?<=[.,;:!?]))[^.,;:!?]*?\byour (?:best |educated )?guess\b{_REST_OF_CLAUSE}"
# Anywhere in a clause: outside knowledge, or leaving the documents (a word for the text itself,
# :data:`qa.text.META_WORDS`) aside.
_ANYWHERE = (
    r"\b(?:use (?:your |general |common |outside |world |prior |background )+knowledge|"
    r"use what you know|"
    r"(?:from|with|using|based on) (?:your |own |general |common |outside |world |prior |"
    r"background )+(?:knowledge|memory|training)|"
    r"(?:from|with|using|based on) what you know|"
    r"(?:regardless of|without (?:using|looking at)|(?:don'?t|do not) (?:use|rely on|look at)) "
    r"(?:\w+ ){0,2}?(?:"
    + "|".join(sorted(META_WORDS, key=len, reverse=True))
    + r")\b)"
    + _REST_OF_CLAUSE
)
_INSTRUCTION = re.compile(rf"{_ORDERS}|{_GUESS_ASKED}|{_ANYWHERE}", re.IGNORECASE)


def strip_instructions(question: str) -> str:
    """Remove clauses that try to steer the answer away from the documents.

    Returns an empty string when the question was nothing but such an instruction.
    """
    # Quoted text is what the user asks about, never an instruction ("what does 'ignore' do?").
    quoted: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quoted.append(match.group(0))
        return f"QUOTED{len(quoted) - 1}QUOTED"

    masked = QUOTED.sub(hide, question)
    cleaned = _INSTRUCTION.sub(" ", masked)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-")
    cleaned = re.sub(r"^(?:and|then|but|so)\s+", "", cleaned, flags=re.IGNORECASE)
    cleaned = re.sub(r"QUOTED(\d+)QUOTED", lambda m: quoted[int(m.group(1))], cleaned)
    return cleaned if words(cleaned) else ""
