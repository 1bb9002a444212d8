"""The lexical index: BM25 (``bm25s``) over chunk texts, for exact terms dense search misses.

The index is derived from the source store: it records the store's ``generation`` it was built
from, so a caller can rebuild when ``SourceStore.generation()`` has moved on. On disk it is a
folder holding the ``bm25s`` arrays plus ``ids.json`` (chunk ids in index order, the generation
and the tokenizer settings), replaced as a whole so a crash never leaves a half-written index.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from vectorstore.types import Chunk

FORMAT_VERSION = 3
_MANIFEST = "ids.json"

try:  # PyStemmer: Snowball stemmers as a C extension, no data downloads.
    import Stemmer

    _STEMMER: Any = Stemmer.Stemmer("english")
    _STEMMER_NAME: str | None = "english"
except ImportError:  # pragma: no cover - PyStemmer is a declared dependency
    _STEMMER = None
    _STEMMER_NAME = None


# Runs of two or more letters or digits: an identifier's parts are words of their own, so
# "load dotenv" finds `load_dotenv` and "max length" finds `max_length` (bm25s's default
# pattern keeps underscores inside a token).  Numbers joined by dots are one token: a version
# ("3.2.4") or a section number ("2.5") is a name, and its one-digit parts would be dropped.
# A version written after a "v" ("v3.2.4", lower-cased before this reads it) is the same token.
_TOKEN_PATTERN = r"(?u)(?<=\bv)\d+(?:\.\d+)+|\d+(?:\.\d+)+|(?!v\d+(?:\.\d+)+)[^\W_]{2,}"


def _tokenize(texts: list[str]) -> list[list[str]]:
    tokens: list[list[str]] = bm25s.tokenize(
        texts,
        stopwords="en",
        stemmer=_STEMMER,
        token_pattern=_TOKEN_PATTERN,
        return_ids=False,
        show_progress=False,
    )
    return tokens


class LexicalIndex:
    """BM25 over chunk texts, English stop words removed and words stemmed."""

    def __init__(self, path: Path | None = None) -> None:
        """Create an empty index persisted to the folder ``path`` (in memory when ``None``).

        Raises:
            ValueError: ``path`` exists and is a file.
        """
        if path is not None:
            path = Path(path)
            if path.exists() and not path.is_dir():
                raise ValueError(f"lexical index path is a file, expected a folder: {path}")
        self.path = path
        self.generation: int = -1
        self._ids: list[str] = []
        self._bm25: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def build(self, chunks: Sequence[Chunk], generation: int) -> None:
        """Index ``chunks`` (replacing the previous content), tagged with ``generation``."""
        ids = [chunk.id for chunk in chunks]
        bm25: Any = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(_tokenize([chunk.text for chunk in chunks]), show_progress=False)
        with self._lock:
            self._ids, self._bm25, self.generation = ids, bm25, generation

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Up to ``k`` ``(chunk id, BM25 score)`` pairs, best first; only chunks that match."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        with self._lock:
            ids, bm25 = self._ids, self._bm25
        if bm25 is None or not query.strip():
            return []
        tokens = [token for token in _tokenize([query])[0] if token in bm25.vocab_dict]
        if not tokens:
            return []
        scores = np.asarray(bm25.get_scores(tokens))
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self) -> None:
        """Write the index to ``path``, replacing the previous copy as a whole."""
        if self.path is None:
            raise ValueError("this LexicalIndex has no path to save to")
        with self._lock:
            ids, bm25, generation = self._ids, self._bm25, self.generation
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}")
        old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        if bm25 is not None:
            bm25.save(str(tmp))
        manifest = {
            "version": FORMAT_VERSION,
            "generation": generation,
            "stemmer": _STEMMER_NAME,
            "stopwords": "en",
            "ids": ids,
        }
        (tmp / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)

    def load(self) -> bool:
        """Read the index from ``path``; False (index unchanged) if missing or incompatible."""
        if self.path is None or not (self.path / _MANIFEST).is_file():
            return False
        try:
            manifest = json.loads((self.path / _MANIFEST).read_text(encoding="utf-8"))
            if (
                manifest.get("version") != FORMAT_VERSION
                or manifest.get("stemmer") != _STEMMER_NAME
            ):
                return False
            ids = [str(i) for i in manifest["ids"]]
            bm25 = bm25s.BM25.load(str(self.path)) if ids else None
            generation = int(manifest["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if bm25 is not None and int(bm25.scores["num_docs"]) != len(ids):
            return False
        with self._lock:
            self._ids, self._bm25, self.generation = ids, bm25, generation
        return True

    def __repr__(self) -> str:
        return f"LexicalIndex({len(self._ids)} chunks, generation={self.generation})"
