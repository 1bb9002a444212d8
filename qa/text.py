"""Small, dependency-free text helpers for the answer policy: key terms, light stemming,
entities and question intent.  Deliberately generic: nothing here knows any corpus.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from vectorstore.language import STOPWORDS, reads_as_term

# PyStemmer objects are not thread-safe: one per thread.
_LOCAL = threading.local()

_WORD = re.compile(
    r"\d[\d,.]*\d(?:-[A-Za-z]+)+|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]|\d[\d,.]*\d|\d"
)


# Reporting verbs: what a text or a person says ("What does the page say about X?").
SAYING_VERBS = frozenset(
    """
    say says said saying tell tells told mention mentions mentioned state states stated describe
    describes described explain explains explained discuss discusses discussed write writes wrote
    written
    """.split()
)
# Words that talk about the documents or the asking rather than the subject of a question
# (nouns for a text, reporting verbs): general English, no corpus or question in mind.
META_WORDS = SAYING_VERBS | frozenset(
    """
    article articles document documents text texts source sources page pages passage passages
    author writer according please know think answer question questions
    """.split()
)

_PRONOUNS = frozenset(
    "it its they them their theirs this that these those he him his she her hers there such".split()
)
# "Why?" alone is short and "why did they ...?" has a pronoun (both caught below); a full "Why did
# the treaty fail?" stands on its own, so "why" opens no follow-up by itself.
_FOLLOW_UP_OPENERS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|what else|how so|which ones?|"
    r"tell me more|more on|go on|continue|what was the (first|second|third|last|next))\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """Word-like tokens (letters, numbers with separators)."""
    return _WORD.findall(text)


def word_runs(text: str) -> list[list[str]]:
    """The words of ``text`` in runs that only spaces separate (punctuation ends a run)."""
    runs: list[list[str]] = []
    end = -1
    for match in _WORD.finditer(text):
        if runs and not text[end : match.start()].strip():
            runs[-1].append(match.group())
        else:
            runs.append([match.group()])
        end = match.end()
    return runs


def stem(word: str) -> str:
    """Snowball English stem of a lower-cased word; numbers lose their thousands separators."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if w[:1].isdigit():
        return w.replace(",", "")
    return _stem_cached(w)


@lru_cache(maxsize=100_000)
def _stem_cached(word: str) -> str:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


def content_terms(text: str, *, drop_meta: bool = True, letters: bool = False) -> list[str]:
    """Stemmed content words of ``text`` in order, without stop words (and meta words) unless
    written as code ("the `all` option"), and without single letters unless ``letters`` (an
    option's "-v", "Plan B")."""
    out: list[str] = []
    code = _code_words(text)
    for word in words(text):
        low = word.lower().replace("’", "'")
        if (low in STOPWORDS or (drop_meta and low in META_WORDS)) and low not in code:
            continue
        if len(low) < 2 and not (low.isdigit() or letters):
            continue
        out.append(stem(low))
    return out


def term_set(text: str) -> frozenset[str]:
    """The set of stemmed content words, meta words included (for "does this text have X")."""
    return _term_set(text)


@lru_cache(maxsize=50_000)
def _term_set(text: str) -> frozenset[str]:
    # Evidence sentences, their contexts and section titles recur across questions.
    code = _code_words(text)
    found: set[str] = set()
    for w in words(text):
        if w.lower() not in STOPWORDS or w.lower() in code:
            found.add(stem(w))
        if w[:1].isdigit() and "-" in w:
            # A number's compound holds its noun too ("10-step" says "step").
            found.update(stem(p) for p in w.split("-")[1:] if p.lower() not in STOPWORDS)
    return frozenset(found)


def _code_words(text: str) -> frozenset[str]:
    """The lower-cased words written as code ("the `all` option", "`async with`"): a name,
    never a stop word, whatever the word."""
    if "`" not in text:
        return frozenset()
    return frozenset(w.lower() for span in _CODE_SPAN.findall(text) for w in words(span))


# Any code span, spaces and single letters included ("`async with`", "`a`"); :data:`_CODE`
# is a span that is one identifier, which names a thing.
_CODE_SPAN = re.compile(r"`+([^`]{1,60})`+")


_CODE = re.compile(r"`([^`\s]{2,60})`")
# A version is often written after a "v" ("v1.7.0"): the number is the same one.
_NUMBER = re.compile(r"\b\d[\d,.]*\b|(?<=\b[vV])\d+(?:\.\d+)+\b")


def numbers(text: str) -> set[str]:
    """Numbers in ``text``, normalised (no thousands separators, no trailing dot)."""
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


# Numbers joined by dots: a version ("3.1.0", "v3.1.0"), a section's number ("2.5"), a decimal.
_DOTTED = re.compile(r"(?:(?<![\w.])|(?<=\b[vV]))\d+(?:\.\d+)+(?![\w]|\.\d)")


def dotted_numbers(text: str) -> list[str]:
    """The numbers joined by dots that ``text`` writes, in order, each once."""
    return list(dict.fromkeys(_DOTTED.findall(text)))


def entities(text: str) -> set[str]:
    """Proper-noun-like tokens: capitalised words not at a sentence start, acronyms, numbers.

    Sentence-initial words count only when they are all capitals or contain a capital later
    (``iPhone``, ``FastAPI``), since any sentence starts with a capital.
    """
    # Numbers as the words they are part of ("10-year", as :func:`term_set` keeps it), so an
    # entity of the question can be found among a text's terms.
    found: set[str] = {stem(word) for word in words(text) if word[:1].isdigit()}
    # Code identifiers in backticks name things as much as capitalised words do.
    found.update(stem(code.lower()) for code in _CODE.findall(text))
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        toks = words(sentence)
        for i, tok in enumerate(toks):
            if not tok[:1].isalpha():
                continue
            inner_caps = any(c.isupper() for c in tok[1:])
            if i == 0 and not inner_caps:
                continue
            if tok[:1].isupper() and tok.lower() not in STOPWORDS and tok.lower() not in META_WORDS:
                found.add(stem(tok))
    return found


@dataclass(frozen=True)
class Intent:
    """What kind of answer a question wants."""

    wh: str | None
    yes_no: bool
    enumerate: bool
    count: bool
    ordinal: bool


_ENUM = re.compile(
    r"\b(list|enumerate|itemi[sz]e|name (the|all|some|every)|which ones|what (were|are) (the|all)"
    r"|all of|each of|every one|full list|rest of|remaining)\b",
    re.IGNORECASE,
)
# "count" asks for one as the verb opening the question ("Count the pumps."); as a noun it
# names a value ("What happens when the reference count overflows?").
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|^\W*count\b", re.IGNORECASE)
# "Which tools ...", "what main features ...": a wh-word whose noun is plural asks for members.
_WH_PHRASE = re.compile(
    r"\b(?:which|what)\s+([a-z-]+)(?:\s+([a-z-]+))?(?:\s+([a-z-]+))?(?:\s+([a-z-]+))?",
    re.IGNORECASE,
)
_ORDINALS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|next"
# An ordinal picks an item when a determiner or a possessive leads it ("the first step", "its
# last item", "Lauper's first hit") or it ends the question ("Which one runs first?"); one before
# a verb says when ("Who first described ...?", "What film first featured robots?"), and a date's
# ("on December 25th") counts nothing.
_ORDINAL = re.compile(
    rf"(?:\b(?:the|its|their|his|her|my|our|your)\s+|\w's?\s+)(?:{_ORDINALS}|\d+(?:st|nd|rd|th))\b"
    rf"|\b(?:{_ORDINALS})\W*$",
    re.IGNORECASE,
)
# English question words: the wh-words, and the auxiliary verbs that open a yes/no question.
_WH_WORDS = "who|whom|whose|what|which|when|where|why|how"
AUXILIARIES = "did|does|do|is|are|was|were|will|would|can|could|has|have|had|should|must"
_YES_NO = re.compile(rf"^\s*({AUXILIARIES})\b", re.IGNORECASE)
_AUXILIARY = re.compile(rf"(?:{AUXILIARIES})", re.IGNORECASE)
_WH = re.compile(rf"\b({_WH_WORDS})\b", re.IGNORECASE)


# A sentence's opening as a question: a wh-word or an auxiliary verb, after a number or a label
# ("(6) Is ...", "2. How ...", "Q: Why ...") if any.
_ASKING = re.compile(
    rf"^\W*(?:\w{{1,3}}[.):]\s*)?(?:{_WH_WORDS}|{AUXILIARIES})\b.*\?[\"'\u201d\u2019)\]]*\s*$",
    re.IGNORECASE | re.DOTALL,
)


def asks(sentence: str) -> bool:
    """Whether ``sentence`` is a question: it opens as one and ends with a question mark (a
    FAQ's "(6) Is it threadsafe?"), not a statement that quotes one ("The question remained:
    how could it be enforced?")."""
    return bool(_ASKING.match(sentence))


def intent(question: str) -> Intent:
    """Classify the question's wanted answer: wh-word, yes/no, enumeration, count, ordinal."""
    wh_match = _WH.search(question)
    wh = wh_match.group(1).lower() if wh_match else None
    return Intent(
        wh=wh,
        yes_no=bool(_YES_NO.search(question)),
        enumerate=bool(_ENUM.search(question)) or _asks_plural(question),
        count=bool(_COUNT.search(question)),
        ordinal=bool(_ORDINAL.search(question)),
    )


# English words that open what follows a verb, never what follows a plural noun right after
# "what"/"which": an article, a demonstrative or possessive determiner, a conditional.
_OPENS_AN_OBJECT = frozenset(
    {"a", "an", "the", "this", "that", "these", "those", "its", "their", "if", "when", "whether"}
)


def _asks_plural(question: str) -> bool:
    """The wh-word's noun is plural: "which tools ...", "what main features ..."."""
    for match in _WH_PHRASE.finditer(question):
        first, second, third, fourth = (w.lower() if w else "" for w in match.groups())
        if first in STOPWORDS and first != "other":
            continue  # "what is ...", "which of ...", "what does ..."
        if second in _OPENS_AN_OBJECT:
            continue  # "what happens if ...", "what causes the ...": a verb, not a plural noun
        if _plural(first) and not _names_a_noun(second, third):
            return True
        # After one or two words that are no plural, one in -s is the noun only before an
        # auxiliary or at the end ("what main features are there?", "which HTTP
        # authentication types does ...?"); before anything else it is the verb ("which option
        # makes Valgrind run quieter?", "which file contains the key?").
        after = (second, third, fourth)
        for k in (0, 1):
            modifiers, noun, then = after[:k], after[k], after[k + 1]
            if (
                noun
                and noun not in STOPWORDS
                and _plural(noun)
                and not any(w in STOPWORDS or _plural(w) for w in modifiers)
                and (not then or _AUXILIARY.fullmatch(then))
            ):
                return True
    return False


def _names_a_noun(word: str, then: str) -> bool:
    """``word`` is a singular noun closing the wh-phrase before an auxiliary ("which xtrans
    function do I call?", "which Kubernetes version is needed?"): the word in -s before it
    modifies it, a name, and is no plural noun of the question."""
    return bool(
        word and word not in STOPWORDS and not _plural(word) and then and _AUXILIARY.fullmatch(then)
    )


def _plural(word: str) -> bool:
    # -ss, -us, -is end singulars ("class", "status", "analysis").
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def follow_up_rest(question: str) -> str | None:
    """What follows a follow-up's opening words ("And vaccines?" gives "vaccines?"), or None
    when the question does not open as a follow-up."""
    found = _FOLLOW_UP_OPENERS.search(question)
    return question[found.end() :] if found else None


_CITATION_MARKS = re.compile(r"\s*\[\d+\]")


def quotes_apart(answer: str) -> str:
    """An answer's text with each citation mark ("[1]") read as the end of its quote (a line
    break), so that the next quote's first word opens a sentence, as it does in its source."""
    return _CITATION_MARKS.sub("\n", answer)


def in_title_case(text: str) -> bool:
    """Whether ``text`` is written as a title: three words or more, every one that opens with a
    letter and is no stop word capitalised ("The Quiet Harbour: Rebuilding the Old Mill"),
    and no sentence's end (citation marks "[1]" aside), so that a capital there marks no name.
    A sentence has a word in lower case ("Django was created by Tom Christie") or ends as one
    ("Lisbon, Porto and Braga.")."""
    lettered = [w for w in words(text) if w[:1].isalpha()]
    if len(lettered) < 3 or _CITATION_MARKS.sub("", text).rstrip().endswith((".", "!", "?")):
        return False
    return all(w[:1].isupper() for w in lettered if w.lower() not in STOPWORDS)


def is_follow_up(question: str) -> bool:
    """True when a question leans on earlier turns (pronouns, "and ...", very short)."""
    if _FOLLOW_UP_OPENERS.search(question):
        return True
    toks = [w.lower() for w in words(question)]
    content = [t for t in toks if t not in STOPWORDS and t not in META_WORDS]
    if len(content) <= 2:
        return True
    return any(t in _PRONOUNS for t in toks) and len(content) <= 5


# Text in straight or curly double quotes (one line at most): what the user cites verbatim.
QUOTED = re.compile(r'"[^"\n]{1,300}"|“[^”\n]{1,300}”')


# A command-line option ("--all", "-v"): dashes, then a letter; not a hyphen inside a word.
_OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def names_an_option(question: str) -> bool:
    """Whether the question names a command-line option ("What does --all do?"), which may be
    a stop word or a single letter once its dashes are gone."""
    return _OPTION.search(question) is not None


def options(question: str) -> list[str]:
    """The command-line options a question names ("--clean", "-j"), in order, each once."""
    return list(dict.fromkeys(_OPTION.findall(question)))


def writes_option(text: str, option: str) -> bool:
    """Whether ``text`` writes ``option`` as itself: "--clean" in "-c, --clean" or
    "--clean=yes", not in "--clean-all" nor as the word "clean"."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


# Where a term's name ends: its value ("--jobs=njobs", "-j njobs"), its choices or its
# default ("--trace-children=<yes|no> [default: no]"), a call's arguments ("json.dump(obj)").
_NAME_END = re.compile(r"[=\[(<\s]")
# Markup around a term's name ("``--flush``", "**Neap**", "`PGHOST`"); not "_", which opens
# names ("_ssh").
_NAME_MARKUP = "`*\"'"


def term_names_split(term: str) -> list[str]:
    """A definition list's term as its names: one per line or parted by commas ("-c,
    --clean")."""
    lines = [line.strip() for line in term.splitlines() if line.strip()]
    return [part.strip() for line in lines for part in line.split(", ") if part.strip()]


def names_term(question: str, names: Sequence[str]) -> bool:
    """Whether ``question`` writes one of a term's ``names`` as itself: the name without its
    value, choices or arguments ("--trace-children" of "--trace-children=<yes|no> [default:
    no]", "json.dump" of "json.dump(obj, fp)"), its dashes optional unless it is one letter
    ("trace-children"; "-C" is not "-c", nor the word "c").  Words of the term used otherwise
    do not name it ("Which option makes Valgrind trace into child processes?")."""
    for name in names:
        bare = _NAME_END.split(name.strip(_NAME_MARKUP), maxsplit=1)[0].strip(_NAME_MARKUP)
        word = bare.lstrip("-")
        if not word:
            continue
        if len(word) == 1:
            if writes_option(question, bare):
                return True
        elif re.search(rf"(?<![\w.-])-*{re.escape(word)}(?![\w-])", question, re.IGNORECASE):
            return True
    return False


def term_over_definition(line: str, below: str) -> list[str]:
    """The names of the term ``line`` holds on a line of its own over its definition, ``below``
    (the next line), indented deeper: "project" over "    A library, framework, ...",
    "``require(*requirements)``" over "    Ensure that ..." (reStructuredText's and plain
    text's definition lists, a glossary's); else none."""
    term = line.strip()
    deeper = len(below) - len(below.lstrip()) > len(line) - len(line.lstrip())
    if not term or not below.strip() or not deeper or not reads_as_term(term):
        return []
    return term_names_split(term)


def defines_term(text: str, topic: str) -> bool:
    """Whether ``text`` holds a term naming ``topic`` (see :func:`names_term`) over its
    indented definition (see :func:`term_over_definition`)."""
    return any(
        names_term(topic, term_over_definition(line, below))
        for line, below in itertools.pairwise(text.splitlines())
    )


def quoted_phrases(question: str) -> list[tuple[str, ...]]:
    """What a question quotes, as lower-cased word sequences (``List them: "The key features
    are".`` gives ``("the", "key", "features", "are")``)."""
    out: list[tuple[str, ...]] = []
    for match in QUOTED.finditer(question):
        phrase = tuple(w.lower() for w in words(match.group(0)[1:-1]))
        if phrase and phrase not in out:
            out.append(phrase)
    return out


def contains_phrase(text: str, phrase: tuple[str, ...]) -> bool:
    """Whether ``text`` holds the words of ``phrase`` in a row, whatever the case, punctuation
    and markup between them (``**data types**, including`` holds "data types including")."""
    if not phrase or not _phrase_run(phrase).search(text):
        return False
    flat = f" {' '.join(w.lower() for w in words(text))} "
    return f" {' '.join(phrase)} " in flat


@lru_cache(maxsize=1024)
def _phrase_run(phrase: tuple[str, ...]) -> re.Pattern[str]:
    """What a text holding ``phrase`` must hold (a quick test read before its words): the
    phrase's words with nothing but other characters than letters and digits between them."""
    return re.compile("[^A-Za-z0-9]*".join(re.escape(w) for w in phrase), re.IGNORECASE)
