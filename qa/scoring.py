"""Sentence-level evidence scoring shared by the refusal policy and the extractive backend.

Each evidence chunk is split into sentences with exact offsets.  A sentence scores by its
embedding similarity to the question combined with the IDF-weighted share of the question's key
terms it contains.  Sentence vectors are cached by text, so repeated evidence costs nothing.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.chunking import split_sentences
from qa.text import content_terms, entities, term_set
from qa.types import Chunk, Evidence, Gap
from vectorstore import Embedder, SourceStore

# Weights of the two signals in a sentence's score; measured on the eval datasets.
SEMANTIC_WEIGHT = 0.6
LEXICAL_WEIGHT = 0.4
# How much a question term found only in the sentence's section title, or in the sentence
# before it, counts (more when the sentence opens with "this", "that agreement", ...).
SECTION_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.3
CONTEXT_WEIGHT_ANAPHOR = 0.8
# Weight of terms carried over from earlier turns, relative to the user's own words.
CARRIED_WEIGHT = 0.3
# Stems this long that are prefixes of one another count as the same word (emerg/emergenc).
PREFIX_MIN = 5


# What a derived word may add to its stem and still count as the same word (emerg → emergenc).
DERIVATIONS = frozenset(
    "enc anc ment ation ion al ial iti iv ic er or ist ism ure ant ent abl ibl li ness y".split()
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
    """``term`` is in ``terms``, exactly or as a derived form."""
    if term in terms:
        return True
    if len(term) < PREFIX_MIN or term[:1].isdigit():
        return False
    return any(same_word(term, t) for t in terms)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an evidence chunk, with absolute offsets into its document."""

    document: str
    chunk_id: str
    section: str | None
    start: int
    end: int
    text: str
    rank: int  # rank of its chunk among the evidence (0 = best)
    context: str = ""  # the sentence before it in the same chunk
    context_start: int = -1  # its absolute offsets (-1 when there is none)
    context_end: int = -1

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
        )

    @property
    def refers_back(self) -> bool:
        """Opens with an anaphor ("Under that agreement, ...", "These ..."), so leans on context."""
        return bool(_ANAPHOR.match(self.text))


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence with its scores against one question."""

    sentence: Sentence
    semantic: float
    coverage: float
    score: float
    terms: frozenset[str]


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

    def known(self, term: str) -> bool:
        """True when some chunk contains ``term`` or a word sharing its stem (≥ 5 letters)."""
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
    """Splits evidence into sentences and scores them against a question."""

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

    def sentences(self, evidence: Sequence[Evidence]) -> list[Sentence]:
        """The sentences of the best ``max_chunks`` evidence chunks, in evidence order."""
        out: list[Sentence] = []
        seen: set[tuple[str, int, int]] = set()
        for rank, ev in enumerate(evidence[: self.max_chunks]):
            out.extend(s for s in sentences_of(ev.chunk, rank) if _unseen(seen, s))
        return out

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for ``texts``, through the cache."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.embedder.embed_documents(missing)
            with self._lock:
                for text, vec in zip(missing, fresh, strict=True):
                    self._cache[text] = np.asarray(vec, dtype=np.float32)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            rows: list[np.ndarray] = []
            for t in texts:
                cached = self._cache.get(t)
                if cached is None:  # evicted between the two steps: embed it alone
                    cached = np.asarray(self.embedder.embed_documents([t])[0], dtype=np.float32)
                else:
                    self._cache.move_to_end(t)
                rows.append(cached)
        if not rows:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack(rows)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's unit vector (cached by the embedder)."""
        return np.asarray(self.embedder.embed_query(question), dtype=np.float32)

    def score(
        self, question: str, sentences: Sequence[Sentence], *, own_words: str | None = None
    ) -> list[ScoredSentence]:
        """Score ``sentences`` against ``question``; best first.

        ``question`` may carry terms from earlier turns; when ``own_words`` (the user's own
        question) is given, those carried terms weigh less than the user's own.
        """
        if not sentences:
            return []
        self.stats.refresh()
        qvec = self.question_vector(question)
        matrix = self.vectors([s.text for s in sentences])
        sims = matrix @ qvec
        qterms = list(dict.fromkeys(content_terms(question)))
        own = set(content_terms(own_words)) if own_words is not None else set(qterms)
        weights = {t: self.stats.idf(t) * (1.0 if t in own else CARRIED_WEIGHT) for t in qterms}
        total = sum(weights.values()) or 1.0
        scored: list[ScoredSentence] = []
        for sentence, sim in zip(sentences, sims, strict=True):
            terms = frozenset(term_set(sentence.text))
            section_terms = term_set(sentence.section or "")
            context_terms = term_set(sentence.context)
            context_weight = CONTEXT_WEIGHT_ANAPHOR if sentence.refers_back else CONTEXT_WEIGHT
            hit = sum(
                w
                if term_in(t, terms)
                else max(
                    SECTION_WEIGHT if term_in(t, section_terms) else 0.0,
                    context_weight if term_in(t, context_terms) else 0.0,
                )
                * w
                for t, w in weights.items()
            )
            coverage = hit / total if qterms else 0.0
            value = SEMANTIC_WEIGHT * float(sim) + LEXICAL_WEIGHT * coverage
            scored.append(
                ScoredSentence(
                    sentence=sentence,
                    semantic=float(sim),
                    coverage=coverage,
                    score=value,
                    terms=terms,
                )
            )
        scored.sort(key=lambda s: -s.score)
        return scored


_ANAPHOR = re.compile(
    r"^\W*(?:(?:under|in|with|by|after|before|despite|for|from|through) )?"
    r"(?:this|that|these|those|it|its|they|their|such|the same|both)\b"
    # "In this example", "this section": pointers within the page, not back-references.
    r"(?!\s+(?:example|examples|section|sections|case|cases|page|pages|chapter|tutorial|guide|"
    r"way|point|step|steps|document|article|part|file|code|snippet|post)\b)",
    re.IGNORECASE,
)
_HEADING_ONLY = re.compile(r"^\s*(#+\s|[-*+]\s*$|\|?[-:| ]+\|?\s*$)")


def sentences_of(chunk: Chunk, rank: int = 0) -> list[Sentence]:
    """Sentences of one chunk with absolute offsets (markup-only lines dropped)."""
    out: list[Sentence] = []
    previous = ""
    previous_span = (-1, -1)
    for start, end in split_sentences(chunk.text, 0, len(chunk.text)):
        text = chunk.text[start:end]
        if not text.strip() or _HEADING_ONLY.match(text) or len(text.strip()) < 3:
            continue
        context, previous = previous, text
        context_span, previous_span = previous_span, (chunk.start + start, chunk.start + end)
        out.append(
            Sentence(
                document=chunk.document,
                chunk_id=chunk.id,
                section=chunk.section,
                start=chunk.start + start,
                end=chunk.start + end,
                text=text,
                rank=rank,
                context=context,
                context_start=context_span[0],
                context_end=context_span[1],
            )
        )
    return out


def _unseen(seen: set[tuple[str, int, int]], s: Sentence) -> bool:
    key = (s.document, s.start, s.end)
    if key in seen:
        return False
    seen.add(key)
    return True
