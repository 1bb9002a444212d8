"""Exact dense search: every committed chunk's vector in one in-memory matrix.

Chroma's HNSW search is approximate, and its graph differs from build to build: over the 70
FastAPI docs questions one build never returned a chunk that exact search ranks 10th, at any
``k`` up to 200, while another build of the same vectors did (``docs/answering.md``,
"Reproducibility").  A passage dense search can never find is a passage lost, and a retrained
model that depends on the build is not reproducible.  Up to a size that fits comfortably in
memory, the retriever therefore searches this exact copy (one matrix product, well under a
millisecond for a few thousand chunks) and keeps HNSW for larger collections.

Like :class:`~vectorstore.lexical.LexicalIndex`, the index records the source store's
``generation`` it was built from, so a caller rebuilds it when the committed content moves on.
It is never persisted: Chroma holds the vectors, and a rebuild reads them back.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vectorstore.store import ChromaStore


class DenseIndex:
    """Exact cosine search over a fixed set of chunk vectors."""

    def __init__(self) -> None:
        """Create an empty index (generation -1: never built)."""
        self.generation: int = -1
        self._ids: list[str] = []
        self._matrix: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def build(
        self, ids: Sequence[str], vectors: np.ndarray | Sequence[Sequence[float]], generation: int
    ) -> None:
        """Hold ``vectors`` (one per id, in order), tagged with ``generation``.

        Raises:
            ValueError: the counts differ, an id repeats, or the vectors differ in length.
        """
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        matrix = (
            np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
            if len(ids)
            else np.zeros((0, 0), dtype=np.float32)
        )
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        with self._lock:
            self._ids, self._matrix, self.generation = list(ids), matrix, generation

    def load(self, store: ChromaStore, ids: Collection[str], generation: int) -> None:
        """Hold ``store``'s vectors of ``ids``, in id order (so that equal similarities break
        ties the same way in every build), tagged with ``generation``."""
        found, vectors = store.vectors(sorted(ids))
        self.build(found, vectors, generation)

    def search(self, vector: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The ``k`` most similar ``(chunk id, cosine similarity)`` pairs, most similar first
        (ties broken by position, so the same index always gives the same answer).

        Raises:
            ValueError: ``k`` < 1, or the vector's length differs from the index's.
        """
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        with self._lock:
            ids, matrix = self._ids, self._matrix
        if not ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (matrix.shape[1],):
            raise ValueError(f"query has {query.size} dimensions, expected {matrix.shape[1]}")
        norm = float(np.linalg.norm(query))
        similarities = matrix @ (query / norm if norm > 0 else query)
        k = min(k, len(ids))
        top = np.argpartition(-similarities, k - 1)[:k]
        top = top[np.lexsort((top, -similarities[top]))]
        return [(ids[i], float(similarities[i])) for i in top]
