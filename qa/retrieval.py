"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates fused by reciprocal rank.

A passage the question quotes ("which items follow "the key features are"?") is a third ranking,
as a search engine treats a phrase in quotation marks: the chunks holding its words in a row,
among the dense and lexical candidates and those of a lexical search for the passage alone.

Only chunks that the source store lists as committed are returned, so vectors left behind by an
interrupted ingest never reach an answer.  Dense search is exact (:class:`DenseIndex`, rebuilt
from Chroma's vectors when the committed generation moves) up to ``exact_max_chunks`` committed
chunks, and Chroma's approximate HNSW search past that.  A reranker can be slotted in via
``reranker``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import AliasChoices, ConfigDict, Field, PrivateAttr

from qa.errors import IndexNotReadyError
from qa.text import contains_phrase, dotted_numbers, options, quoted_phrases, writes_option
from qa.types import Evidence
from vectorstore import (
    ChromaStore,
    Chunk,
    DenseIndex,
    Embedder,
    LexicalIndex,
    SourceStore,
    StoreUnavailableError,
)

Reranker = Callable[[str, list[Evidence]], list[Evidence]]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Fuse several ranked id lists: ``score(id) = sum 1 / (k + rank)``."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return scores


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the committed chunks, as a LangChain ``BaseRetriever``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embedder: Embedder
    store: ChromaStore
    lexical: LexicalIndex
    sources: SourceStore
    # ``k`` is LangChain's usual name: HybridRetriever(k=3) and retriever.invoke(query, k=3).
    top_k: int = Field(6, ge=1, validation_alias=AliasChoices("top_k", "k"))
    candidates: int = 20
    # A quote of at least this many words is a passage the user points at, not a term.
    quoted_passage_words: int = 3
    # How many of a quoted passage's lexical matches are read for the passage itself: its
    # words may be common ("This includes, for example"), so the chunk holding it can rank
    # far below the first ``candidates`` on them alone.
    passage_candidates: int = 200
    rrf_k: int = 60
    # Exact dense search up to this many committed chunks (0: always Chroma's HNSW search).
    dense: DenseIndex | None = None
    exact_max_chunks: int = Field(100_000, ge=0)
    reranker: Reranker | None = None
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def retrieve(self, query: str, k: int | None = None) -> list[Evidence]:
        """The ``k`` best evidence chunks for ``query`` (fused, committed chunks only)."""
        k = k or self.top_k
        self._synced()
        try:
            vector = self.embedder.embed_query(query)
            if self.dense is not None and len(self.dense):
                dense = self.dense.search(vector, self.candidates)
            else:
                dense = self.store.query(vector, self.candidates)
        except StoreUnavailableError as exc:
            raise IndexNotReadyError(f"The vector store is unavailable: {exc}") from exc
        lexical = self.lexical.search(query, self.candidates)
        dense_ids = [cid for cid, _ in dense]
        lexical_ids = [cid for cid, _ in lexical]
        # A version or a section's number ("3.1.0") is copied as the user saw it, as a
        # quoted term is: the chunks holding it join the fusion as a ranking of their own
        # (dense search reads it as any other number).
        phrases = quoted_phrases(query) + [(n,) for n in dotted_numbers(query)]
        # So is a command-line option ("--clean"), written as itself, and like a passage it is
        # looked for among many of its word's matches: the word alone ("clean") is in many
        # chunks that do not name the option.  An option of one letter ("-j") has no word in
        # the index (its words have two letters or more): it is looked for among many matches
        # of the question's words ("the -j option of pg_dump").
        named = options(query)
        # A quoted passage is also searched for on its own words: the rest of the question
        # ("which items follow ...") must not keep the passage out of the pool.
        quoted_ids = [
            cid
            for p in phrases
            for cid, _ in self.lexical.search(
                " ".join(p),
                self.passage_candidates if len(p) >= self.quoted_passage_words else self.candidates,
            )
        ] + [
            cid
            for o in named
            for cid, _ in (
                self.lexical.search(o, self.passage_candidates)
                or self.lexical.search(query, self.passage_candidates)
            )
        ]
        pool = list(dict.fromkeys(quoted_ids + lexical_ids + dense_ids))
        chunks = self.sources.get_chunks(pool)
        held = {  # the quoted phrases each chunk holds, read once
            cid: [p for p in phrases if contains_phrase(chunk.text, p)]
            for cid, chunk in chunks.items()
        }
        writing = {
            cid
            for cid in pool
            if cid in chunks and any(writes_option(chunks[cid].text, o) for o in named)
        }
        holding = [cid for cid in pool if held.get(cid) or cid in writing]
        rankings = [dense_ids, lexical_ids] + ([holding] if holding else [])
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        # The chunks holding a passage the user quotes come first: the rest of the question
        # ("which items follow ...") may match other chunks in both rankings.  So do those
        # writing an option the question names: the chunks using its word ("clean") rank above
        # them in both.  A quoted term (`the "async" keyword`, a title) only joins the fusion:
        # many chunks hold it.
        first = writing | {
            cid for cid in holding if any(len(p) >= self.quoted_passage_words for p in held[cid])
        }
        ordered = sorted(fused, key=lambda cid: (cid not in first, -fused[cid]))
        dense_rank = {cid: i for i, cid in enumerate(dense_ids, start=1)}
        lexical_rank = {cid: i for i, cid in enumerate(lexical_ids, start=1)}
        evidence = [
            Evidence(
                chunk=chunks[cid],
                score=fused[cid],
                dense_rank=dense_rank.get(cid),
                lexical_rank=lexical_rank.get(cid),
            )
            for cid in ordered
            if cid in chunks
        ]
        if self.reranker is not None:
            evidence = self.reranker(query, evidence)
        return evidence[:k]

    def holding(self, phrases: list[tuple[str, ...]], k: int) -> list[Chunk]:
        """Up to ``k`` committed chunks holding one of ``phrases`` (lower-case words in a row),
        looked for among the first ``passage_candidates`` lexical matches of each phrase's
        words, best match first.

        A phrase of common words ("package is") is held by few of the many chunks its words
        match, so it is read deeper than a question's own search reaches.
        """
        self._synced()
        matched = list(
            dict.fromkeys(
                cid
                for p in phrases
                for cid, _ in self.lexical.search(" ".join(p), self.passage_candidates)
            )
        )
        chunks = self.sources.get_chunks(matched)
        held = [
            chunks[cid]
            for cid in matched
            if cid in chunks and any(contains_phrase(chunks[cid].text, p) for p in phrases)
        ]
        return held[:k]

    def _synced(self) -> None:
        """Bring the indexes to the committed generation; a store that cannot be read means the
        index is not ready."""
        try:
            self._sync_indexes()
        except StoreUnavailableError as exc:
            raise IndexNotReadyError(f"The vector store is unavailable: {exc}") from exc

    def _sync_indexes(self) -> None:
        """Rebuild the lexical and exact dense indexes when the committed generation moved."""
        generation = self.sources.generation()
        dense_stale = self.dense is not None and self.dense.generation != generation
        if self.lexical.generation == generation and not dense_stale:
            return
        with self._lock:
            if self.lexical.generation != generation and not (
                self.lexical.load() and self.lexical.generation == generation
            ):
                self.lexical.build(self.sources.all_chunks(), generation)
            if self.dense is not None and self.dense.generation != generation:
                ids = self.sources.chunk_ids()
                if len(ids) > self.exact_max_chunks:
                    ids = set()  # too many to hold: Chroma's HNSW search answers instead
                self.dense.load(self.store, ids, generation)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        """LangChain entry point: ``retriever.invoke(query, k=3)`` returns at most 3 documents."""
        k = kwargs.pop("k", kwargs.pop("top_k", None))
        if kwargs:
            raise TypeError(f"Unexpected arguments: {', '.join(sorted(kwargs))} (only k).")
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise ValueError(f"k must be a positive integer, not {k!r}.")
        return [
            LCDocument(
                page_content=ev.chunk.text,
                id=ev.chunk.id,
                metadata={**ev.chunk.metadata(), "chunk_id": ev.chunk.id, "score": ev.score},
            )
            for ev in self.retrieve(query, k)
        ]
