"""Values computed from one document object, kept while that object lives.

The chain reads each document once per store generation and hands the same object to every
question (:class:`qa.chain.DocumentCache`), so what is derived from a document's structure
(its headings' words, its blocks in order) is computed once per version, not per question: a
reference page has thousands of headings and tens of thousands of blocks.  Keyed by the object
itself (a weak reference checks it is still the same one), never by its id or hash alone, so
two documents with equal names cannot share an entry.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from vectorstore.types import Document

T = TypeVar("T")


class PerDocument(Generic[T]):
    """``compute(document)``, remembered for that document object (at most ``size`` kept)."""

    def __init__(self, compute: Callable[[Document], T], *, size: int = 1024) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.compute = compute
        self.size = size
        self._kept: dict[int, tuple[weakref.ref[Document], T]] = {}
        self._lock = threading.Lock()

    def __call__(self, document: Document) -> T:
        """The value for ``document``, computed on first use."""
        key = id(document)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0]() is document:
            return kept[1]
        value = self.compute(document)
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = (weakref.ref(document), value)
        return value
