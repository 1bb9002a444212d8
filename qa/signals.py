"""Answer candidates of the evidence and the signals that say whether one answers a question.

Every signal means the same on any text: similarity from the packaged model, how much of the
question's weight (IDF) each candidate holds, the weakest match (an unanswerable question usually
differs from the text in one name, number or relation), whether the candidate holds the kind of
thing asked for, retrieval ranks and the candidate's structural role.  Nothing here knows a corpus
or a question; the weights that combine the signals are learned (:mod:`qa.answerability`).

Candidate vectors are computed at ingest (pooled from the chunk's own forward pass) and read from
the chunk rows, so scoring costs no model call beyond the question's embedding.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.candidates import introduces
from qa.text import (
    Intent,
    content_terms,
    dotted_numbers,
    entities,
    intent,
    names_term,
    numbers,
    term_names_split,
    term_over_definition,
    term_set,
)
from qa.types import Chunk, Evidence, Gap
from vectorstore import Embedder, SourceStore
from vectorstore.language import ITEM_MARKER, OPTION_FIRST, reads_as_term

# Stems this long that are prefixes of one another count as the same word (emerg/emergenc).
PREFIX_MIN = 5
# What a derived word may add to its stem and still count as the same word (general English
# derivational suffixes).
DERIVATIONS = frozenset(
    "enc anc ment ation ion al ial iti iv ic er or ist ism ure ant ent abl ibl li ness y".split()
)
_SUFFIX_LENGTHS = sorted({len(suffix) for suffix in DERIVATIONS})
ROLES = ("sentence", "list_item", "list_intro", "code", "table_row", "quote")

FEATURES: tuple[str, ...] = (
    "cos",
    "cos_gap",
    "cos_ctx",
    "coverage",
    "coverage_ctx",
    "weakest",
    "missing_entities",
    "unknown",
    "unknown_entity",
    "chunk_rr",
    "dense_rr",
    "lexical_rr",
    "type_constrained",
    "type_ok",
    "type_missing",
    "new_content",
    "yes_no",
    "role_list_item",
    "role_list_intro",
    "role_code",
    "role_other",
    "log_len",
    "cos_x_coverage",
    "doc_coverage",
    "doc_weakest",
    "doc_missing_entities",
)


def same_word(a: str, b: str) -> bool:
    """Two stems name the same word: equal, or one is the other plus a derivational suffix."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return (
        len(short) >= PREFIX_MIN
        and not short[:1].isdigit()
        and long.startswith(short)
        and long[len(short) :] in DERIVATIONS
    )


def term_in(term: str, terms: frozenset[str] | set[str]) -> bool:
    """``term`` is in ``terms``, exactly or as a derived form (as :func:`same_word` says).

    A large set is searched by looking up the term's derived forms and stems rather than by
    comparing the term with every member: a whole document's terms are thousands, the suffixes
    a score.
    """
    if term in terms:
        return True
    if len(term) < PREFIX_MIN or term[:1].isdigit():
        return False
    if len(terms) <= len(DERIVATIONS):
        return any(same_word(term, t) for t in terms)
    if any(term + suffix in terms for suffix in DERIVATIONS):
        return True
    return any(
        term[-n:] in DERIVATIONS and term[:-n] in terms
        for n in _SUFFIX_LENGTHS
        if len(term) - n >= PREFIX_MIN
    )


# What stands before a list item's text on its line: the item's bullet or number.
_ITEM_BEFORE = re.compile(rf"\s*{ITEM_MARKER}\s+")
# A name marked as code or bold opening a text ("`info` {Object} ...", "**Neap**: ...").
_MARKED_NAME = re.compile(r"`[^`\n]+`|\*\*[^*\n]+\*\*")


@dataclass(frozen=True)
class Sentence:
    """One answer candidate of the evidence, with absolute offsets into its document."""

    document: str
    chunk_id: str
    section: str | None
    start: int
    end: int
    text: str
    rank: int  # rank of its chunk among the evidence (0 = best)
    role: str = "sentence"
    context: str = ""  # the candidate before it in the same chunk
    context_start: int = -1
    context_end: int = -1
    dense_rank: int | None = None
    lexical_rank: int | None = None
    opens_item: bool = False  # a list marker stands before it on its line ("* Known to ...:")

    @classmethod
    def from_gap(cls, gap: Gap) -> Sentence:
        """The sentence that announces a gap."""
        return cls(
            document=gap.document,
            chunk_id="",
            section=None,
            start=gap.start,
            end=gap.end,
            text=gap.announcement,
            rank=0,
            role="list_intro",
        )

    @property
    def introduces(self) -> bool:
        """Introduces what follows: a ``list_intro``, or a list item ending in a colon, which
        introduces its nested list ("* Added new options:" over "  - ``--loops``").  The item
        keeps its role for the model (whose training rows hold such items as ``list_item``);
        the list logic reads it as an introduction."""
        return self.role == "list_intro" or (self.role == "list_item" and introduces(self.text))

    @property
    def refers_back(self) -> bool:
        """Opens with an anaphor ("Under that agreement, ...", "These ..."): leans on context."""
        return bool(_ANAPHOR.match(self.text))

    @property
    def term_names(self) -> list[str]:
        """The names of the definition list's term this candidate describes, when it is a list
        item whose candidate before it is a term (see
        :func:`vectorstore.language.reads_as_term`), its names one per line or parted by
        commas ("-c, --clean").  Else none: a term after a term ("-v" over "--verbose",
        Texinfo's lists) is no description, nor is an item opening with a name of its own marked
        as code or bold (a parameter list's "`info` {Object} If present, extra details ..."
        under "`errno` {number} The system-provided error number").  Under an option, only
        another option is a term: a command's help writes descriptions that end no sentence
        ("--archive DIR" over "Keep every reading in DIR").  A candidate opening a list item
        of its own describes no term: a definition list's description is marked by no bullet
        (Markdown's "* Known to require ...:" after the last item's "Ultrix")."""
        term = self.context.strip()
        text = self.text.strip()
        after_option = OPTION_FIRST.match(term) is not None and not OPTION_FIRST.match(text)
        if (
            self.role != "list_item"
            or self.opens_item
            or not reads_as_term(term)
            or (reads_as_term(text) and not after_option)
            or _MARKED_NAME.match(text)
        ):
            return []
        return term_names_split(term)

    @property
    def leading_term_names(self) -> list[str]:
        """The names of the term a list item opens with on a line of its own, over its
        definition indented below (reStructuredText's definition lists: "project" over "    A
        library, framework, script, ..."; "``require(*requirements)``" over "    Ensure that
        ..."), else none."""
        head, _, rest = self.text.partition("\n")
        return term_over_definition(head, rest) if self.role == "list_item" else []

    @property
    def describes_term(self) -> bool:
        """A definition list's description: after its term (:attr:`term_names`) or under it
        in the same item (:attr:`leading_term_names`)."""
        return bool(self.term_names or self.leading_term_names)

    def describes_term_unnamed_by(self, question: str) -> bool:
        """A term's description (see :attr:`term_names`) whose term ``question`` does not name
        (see :func:`qa.text.names_term`): the term is what it says beyond the question's words
        ("-C --create" over "Make the output folder when it does not exist yet." for "How do I
        make the output folder when it does not exist?")."""
        names = self.term_names
        return bool(names) and not names_term(question, names)


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate with its signals and the model's probability that it answers."""

    sentence: Sentence
    semantic: float
    coverage: float
    score: float
    terms: frozenset[str]
    features: tuple[float, ...] = field(default=(), repr=False, compare=False)


class CorpusStats:
    """Document frequencies of stemmed terms over all committed chunks (rebuilt per generation)."""

    def __init__(self, sources: SourceStore) -> None:
        self.sources = sources
        self.generation = -1
        self.df: dict[str, int] = {}
        self.entities: set[str] = set()
        self.vocab: list[str] = []
        self.n = 0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Recount when the source store changed since the last count."""
        generation = self.sources.generation()
        if generation == self.generation:
            return
        with self._lock:
            if generation == self.generation:
                return
            df: dict[str, int] = {}
            ents: set[str] = set()
            chunks = self.sources.all_chunks()
            for chunk in chunks:
                for term in term_set(chunk.text) | term_set(chunk.section or ""):
                    df[term] = df.get(term, 0) + 1
                ents |= entities(chunk.text)
            self.df, self.entities, self.n = df, ents, len(chunks)
            self.vocab = sorted(df)
            self.generation = generation

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; unknown terms get the maximum."""
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5)) + 1.0

    def mentions(self, term: str) -> bool:
        """True when some chunk holds ``term`` as a word (or one derived from it) or a name."""
        return self.known(term) or term in self.entities

    def known(self, term: str) -> bool:
        """True when some chunk contains ``term`` or a word sharing its stem (>= 5 letters)."""
        if term in self.df:
            return True
        if len(term) < PREFIX_MIN or term[:1].isdigit():
            return False
        i = bisect.bisect_left(self.vocab, term)
        while i < len(self.vocab) and self.vocab[i].startswith(term):
            if same_word(term, self.vocab[i]):
                return True
            i += 1
        return any(
            same_word(term, term[:n]) and term[:n] in self.df for n in range(PREFIX_MIN, len(term))
        )


class SentenceScorer:
    """Collects the answer candidates of the evidence and computes their signals."""

    def __init__(
        self,
        embedder: Embedder,
        stats: CorpusStats,
        *,
        max_chunks: int = 6,
        cache_size: int = 20_000,
    ) -> None:
        if max_chunks < 1:
            raise ValueError("max_chunks must be >= 1")
        self.embedder = embedder
        self.stats = stats
        self.max_chunks = max_chunks
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    # -- candidates -------------------------------------------------------------------------
    def candidates(self, evidence: Sequence[Evidence]) -> list[tuple[Sentence, np.ndarray]]:
        """Candidates with their unit vectors (stored at ingest, else encoded and cached): of the
        first ``max_chunks`` retrieved chunks, then of the joined ones."""
        out: list[tuple[Sentence, np.ndarray | None]] = []
        seen: set[tuple[str, int, int]] = set()
        retrieved = [ev for ev in evidence if not ev.joined][: self.max_chunks]
        for rank, ev in enumerate([*retrieved, *(ev for ev in evidence if ev.joined)]):
            for sentence, vector in _chunk_candidates(ev, rank, self.embedder.dimension):
                key = (sentence.document, sentence.start, sentence.end)
                if key not in seen:
                    seen.add(key)
                    out.append((sentence, vector))
        missing = [s.text for s, v in out if v is None]
        fresh = dict(zip(missing, self.vectors(missing), strict=True)) if missing else {}
        return [(s, v if v is not None else fresh[s.text]) for s, v in out]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``, through the cache (for data ingested before vectors)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.embedder.embed_documents(missing)
            with self._lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._cache[text] = np.asarray(vec, dtype=np.float32)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        rows = []
        for t in texts:
            cached = self._cache.get(t)
            if cached is None:
                cached = np.asarray(self.embedder.embed_documents([t])[0], dtype=np.float32)
            rows.append(cached)
        if not rows:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.vstack(rows)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's unit vector (cached by the embedder)."""
        return np.asarray(self.embedder.embed_query(question), dtype=np.float32)

    # -- signals ----------------------------------------------------------------------------
    def signals(
        self,
        question: str,
        evidence: Sequence[Evidence],
        *,
        own_words: str | None = None,
        candidates: Sequence[tuple[Sentence, np.ndarray]] | None = None,
        texts: dict[str, str] | None = None,
        titles: dict[str, str] | None = None,
    ) -> tuple[list[Sentence], np.ndarray, np.ndarray]:
        """Candidates, their feature matrix (columns :data:`FEATURES`) and cosines.

        ``texts`` maps document ids to their stored text (for the document-level signals);
        ``titles`` maps them to their titles, part of every candidate's context.
        """
        pairs = list(candidates) if candidates is not None else self.candidates(evidence)
        if not pairs:
            return [], np.zeros((0, len(FEATURES)), np.float32), np.zeros(0, np.float32)
        self.stats.refresh()
        sentences = [s for s, _ in pairs]
        matrix = np.vstack([v for _, v in pairs]).astype(np.float32)
        qvec = self.question_vector(question)
        cos = matrix @ qvec
        features = self._features(question, own_words, sentences, cos, texts or {}, titles or {})
        return sentences, features, cos

    def _features(
        self,
        question: str,
        own_words: str | None,
        sentences: Sequence[Sentence],
        cos: np.ndarray,
        texts: dict[str, str],
        titles: dict[str, str],
    ) -> np.ndarray:
        stats = self.stats
        asked = own_words or question
        wants = intent(asked)
        qterms = list(dict.fromkeys(content_terms(question)))
        own = set(content_terms(asked)) if own_words is not None else set(qterms)
        weights = {t: stats.idf(t) * (1.0 if t in own else CARRIED_WEIGHT) for t in qterms}
        total = sum(weights.values()) or 1.0
        unknown = sum(w for t, w in weights.items() if not stats.known(t)) / total
        q_entities = {e for e in entities(asked)}
        unknown_entity = float(any(not stats.mentions(e) for e in q_entities))
        kind = answer_kind(wants, asked)
        given_numbers = numbers(asked)
        max_cos = float(cos.max())
        position = {(s.document, s.start): i for i, s in enumerate(sentences)}
        by_doc = {
            doc: _doc_match(weights, total, q_entities, term_set(text))
            for doc, text in texts.items()
        }
        rows = np.zeros((len(sentences), len(FEATURES)), np.float32)
        for i, s in enumerate(sentences):
            terms = term_set(s.text)
            # The document's title names what every sentence of it is about ("npm-ci": "This
            # command is similar to npm install"), as the section's heading does.
            around = (
                term_set(s.context)
                | term_set(s.section or "")
                | term_set(titles.get(s.document, ""))
            )
            ctx_i = position.get((s.document, s.context_start))
            cos_ctx = float(cos[ctx_i]) if ctx_i is not None else float(cos[i])
            hit = hit_ctx = 0.0
            worst = 0.0
            for t, w in weights.items():
                if term_in(t, terms):
                    hit += w
                    hit_ctx += w
                elif term_in(t, around):
                    hit_ctx += w * CONTEXT_SHARE
                    worst = max(worst, w * (1 - CONTEXT_SHARE) / total)
                else:
                    worst = max(worst, w / total)
            found = terms | around
            missing_ents = (
                sum(1 for e in q_entities if not term_in(e, found)) / len(q_entities)
                if q_entities
                else 0.0
            )
            s_terms = content_terms(s.text)
            new = [t for t in s_terms if t not in own and not term_in(t, set(qterms))]
            role = s.role
            type_ok = _holds_kind(
                kind, asked, s.text, given_numbers, introduces=role == "list_intro" and wants.count
            )
            features = {
                "cos": float(cos[i]),
                "cos_gap": float(cos[i]) - max_cos,
                "cos_ctx": max(float(cos[i]), cos_ctx),
                "coverage": hit / total if qterms else 0.0,
                "coverage_ctx": hit_ctx / total if qterms else 0.0,
                "weakest": 1.0 - worst,
                "missing_entities": missing_ents,
                "unknown": unknown,
                "unknown_entity": unknown_entity,
                "chunk_rr": 1.0 / (1 + s.rank),
                "dense_rr": 1.0 / s.dense_rank if s.dense_rank else 0.0,
                "lexical_rr": 1.0 / s.lexical_rank if s.lexical_rank else 0.0,
                "type_constrained": float(kind is not None),
                "type_ok": float(kind is not None and type_ok),
                "type_missing": float(kind is not None and not type_ok),
                "new_content": len(new) / len(s_terms) if s_terms else 0.0,
                "yes_no": float(wants.yes_no),
                "role_list_item": float(role == "list_item"),
                "role_list_intro": float(role == "list_intro"),
                "role_code": float(role == "code"),
                "role_other": float(role in ("table_row", "quote")),
                "log_len": math.log1p(len(s.text)) / 6.0,
                "cos_x_coverage": float(cos[i]) * (hit / total if qterms else 0.0),
            }
            doc_cov, doc_weakest, doc_missing = by_doc.get(
                s.document, (features["coverage_ctx"], features["weakest"], missing_ents)
            )
            features["doc_coverage"] = doc_cov
            features["doc_weakest"] = doc_weakest
            features["doc_missing_entities"] = doc_missing
            rows[i] = [features[name] for name in FEATURES]
        return rows


def _doc_match(
    weights: dict[str, float], total: float, q_entities: set[str], terms: frozenset[str]
) -> tuple[float, float, float]:
    """Coverage, weakest match and missing-entity share of the question in a whole document."""
    hit = sum(w for t, w in weights.items() if term_in(t, terms))
    worst = max((w / total for t, w in weights.items() if not term_in(t, terms)), default=0.0)
    missing = (
        sum(1 for e in q_entities if not term_in(e, terms)) / len(q_entities) if q_entities else 0.0
    )
    return (hit / total if weights else 0.0), 1.0 - worst, missing


# Weight of terms carried over from earlier turns, relative to the user's own words.
CARRIED_WEIGHT = 0.3
# A question term found only in the candidate's context (previous candidate, section title,
# document title).
CONTEXT_SHARE = 0.5


# -- the kind of answer asked for (general English question words) ---------------------------

_DATE = re.compile(
    r"\b(1[0-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|tomorrow|century|centuries|decade|decades|year|years|month|months|"
    r"week|weeks|day|days|spring|summer|autumn|fall|winter|bc|ad|\d{1,2}(st|nd|rd|th)|"
    r"morning|evening|night|noon|midnight|hour|hours)\b",
    re.IGNORECASE,
)


def is_date_word(word: str) -> bool:
    """Whether ``word`` (one lower-cased word) is a word of dates: a year, a month's or a day's
    name, "2nd", "today"."""
    return _DATE.fullmatch(word) is not None


_NUMBER = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen|dozens|"
    r"hundreds|thousands|millions|percent|half|quarter|third|twice|double|single)\b",
    re.IGNORECASE,
)
# An address: an email address, a web address, or a file's path (rooted, under the home
# directory, a drive or a variable: "/etc/pip.conf", "~/.cache/pip", "C:\\Temp",
# "%APPDATA%\\pip", "$HOME/.config"; not "and/or" nor "HTTP/2", a separator after a word).
# Each part starts only where a run of its characters starts: linear time on "a.a.a...".
_ADDRESS = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)[^\s<>()]+"
    r"|(?<![\w/\\%$~.:])(?:~|\.{1,2}|[a-z]:|%\w+%|\$\{?\w+\}?)?[/\\][\w.-]+(?:[/\\][\w.-]*)*",
    re.I,
)
_HOW_QUANTITY = re.compile(r"\bhow (many|much|long|large|big|far|old|often|tall|high|fast)\b", re.I)
_WHICH_TIME = re.compile(
    r"\b(what|which) (year|month|day|date|decade|century|time|period|era)\b", re.I
)


def answer_kind(wants: Intent, question: str) -> str | None:
    """The kind of thing a question asks for: ``number``, ``date``, ``name`` or None."""
    if wants.yes_no and not wants.wh:
        return None
    if wants.count or _HOW_QUANTITY.search(question):
        return "number"
    if wants.wh == "when" or _WHICH_TIME.search(question):
        return "date"
    if wants.wh in ("who", "whom", "whose", "where"):
        return "name"
    return None


def _holds_kind(
    kind: str | None, question: str, text: str, given: set[str], *, introduces: bool = False
) -> bool:
    """The text holds the kind of thing asked for.  ``introduces``: the text introduces a list
    (ends in a colon) and the question asks how many: the items it introduces give the count."""
    if kind is None:
        return True
    if kind == "number":
        if introduces:
            return True
        found = {m.lower() for m in _NUMBER.findall(text)}
        return bool(found - {m.lower() for m in _NUMBER.findall(question)} - given)
    if kind == "date":
        # In software's documents a version says when ("added in Python 3.4").
        versions = set(dotted_numbers(text)) - set(dotted_numbers(question))
        return bool(_DATE.search(text)) or bool(versions)
    asked = entities(question) | term_set(question)
    if any(not e[:1].isdigit() and e not in asked for e in entities(text)):
        return True
    # An address names a place as much as a proper noun does ("Report bugs to x@y.org").
    return any(a.lower() not in question.lower() for a in _ADDRESS.findall(text))


_ANAPHOR = re.compile(
    r"^\W*(?:(?:under|in|with|by|after|before|despite|for|from|through) )?"
    r"(?:this|that|these|those|it|its|they|their|such|the same|both)\b",
    re.IGNORECASE,
)


def _chunk_candidates(
    ev: Evidence, rank: int, dimension: int
) -> list[tuple[Sentence, np.ndarray | None]]:
    """A chunk's candidates with their stored vectors (None when not stored)."""
    chunk: Chunk = ev.chunk
    spans = list(chunk.candidates)
    stored: np.ndarray | None = None
    if spans and chunk.vectors:
        flat = np.frombuffer(chunk.vectors, dtype=np.float16)
        if flat.size == len(spans) * dimension:
            stored = flat.reshape(len(spans), dimension).astype(np.float32)
    # A chunk without candidates has none: badges, directives, headings and bare markup are
    # never answers.  (Data analysed before candidates were stored is re-analysed by the next
    # ingest: the analysis version is part of every file's digest.)
    out: list[tuple[Sentence, np.ndarray | None]] = []
    previous: tuple[str, int, int] = ("", -1, -1)
    header: tuple[str, int, int] | None = None  # the first row of the table being read
    for k, c in enumerate(spans):
        text = chunk.text[c.start - chunk.start : c.end - chunk.start]
        if c.role != "table_row":
            header = None
        elif header is None:
            # A chunk opening on a row was most often cut inside the table: its first row here
            # is any row, not the table's header ("x86_64-unknown-netbsd | NetBSD/amd64" was
            # quoted under "riscv64gc-unknown-linux-gnu | RISC-V Linux"), and no header is
            # known for its rows.
            header = (text, c.start, c.end) if c.start > chunk.start else ("", -1, -1)
        else:
            # A row's context is its table's header row: "| Sea wall | April | May |" answers
            # "when does the sea wall phase end?" under "| Phase | Start | End |".
            previous = header
        line_start = chunk.text.rfind("\n", 0, c.start - chunk.start) + 1
        marker = chunk.text[line_start : c.start - chunk.start]
        out.append(
            (
                Sentence(
                    document=chunk.document,
                    chunk_id=chunk.id,
                    section=chunk.section,
                    start=c.start,
                    end=c.end,
                    text=text,
                    rank=rank,
                    role=c.role,
                    context=previous[0],
                    context_start=previous[1],
                    context_end=previous[2],
                    dense_rank=ev.dense_rank,
                    lexical_rank=ev.lexical_rank,
                    opens_item=_ITEM_BEFORE.fullmatch(marker) is not None,
                ),
                stored[k] if stored is not None else None,
            )
        )
        previous = (text, c.start, c.end)
    return out
