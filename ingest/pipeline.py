"""The incremental ingest job: files → documents → chunks → vectors, safely.

Order of writes for one batch of files, chosen so that a process killed at any moment leaves
the previous index serving and the next run completes the work:

1. new chunks are upserted into Chroma (ids are deterministic, so a repeat is harmless);
2. the document, its chunks and its manifest row are replaced in the source store in ONE
   database transaction (SQLite or PostgreSQL): this is the commit point, readers only trust
   chunk ids listed there;
3. chunks that the new version no longer has are deleted from Chroma.

At the end of a run, vectors that no committed document lists (left by a killed run) are
deleted, and the BM25 index is rebuilt when the source store changed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.analyze import analyze_loaded
from ingest.candidates import answer_candidates
from ingest.chunking import Chunker
from ingest.loaders import LoadError, iter_files, load_file
from ingest.reading import reading_text
from vectorstore import ChromaStore, Chunk, Document, Embedder, LexicalIndex, SourceStore

# Chunks embedded (sorted by length together) and committed per step. Larger groups pad less
# (1.7% extra work at 1024 against 4.3% at 256 on the FastAPI docs) and a killed run loses at
# most one group of work.
GROUP_CHUNKS = 1024
# Bump when structure, candidates, chunking or candidate vectors change meaning.
ANALYSIS_VERSION = "109"


class IngestProgress(Protocol):
    """Receives progress of the embedding phase (the CLI draws a rich progress bar)."""

    def start(self, total_chunks: int, total_files: int) -> None:
        """Called once, before the first batch."""

    def note(self, message: str) -> None:
        """Called before a step that takes a while and embeds nothing (a one-time preparation)."""

    def advance(self, chunks: int) -> None:
        """Called after each embedded batch."""

    def finish(self) -> None:
        """Called once at the end."""


@dataclass
class IngestReport:
    """What one ingest run did."""

    documents: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    embedded: int = 0
    chunks_total: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape."""
        return {
            "documents": self.documents,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "chunks_total": self.chunks_total,
            "skipped": self.skipped,
            "failed": self.failed,
            "gaps": self.gaps,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Pending:
    path: Path
    key: str
    document: Document
    chunks: list[Chunk]
    digest: str
    size: int
    mtime: float
    is_new: bool


def document_id_for(path: Path, root: Path) -> str:
    """The stable document id: the path relative to the root it was found under (POSIX)."""
    if root.is_dir():
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


class IngestPipeline:
    """Ingests files incrementally into the source store, Chroma and the BM25 index."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        store: ChromaStore,
        sources: SourceStore,
        lexical: LexicalIndex,
        chunker: Chunker,
        group_chunks: int = GROUP_CHUNKS,
    ) -> None:
        if group_chunks < 1:
            raise ValueError("group_chunks must be >= 1")
        self.embedder = embedder
        self.store = store
        self.sources = sources
        self.lexical = lexical
        self.chunker = chunker
        self.group_chunks = group_chunks

    def run(
        self,
        paths: Sequence[Path | str] | Path | str,
        *,
        prune: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestReport:
        """Ingest ``paths`` (files or folders, one or several); ``prune`` drops documents whose
        files are gone.

        The whole run holds the database's ingest lock: a second ingest, in this process or on
        another replica sharing the database, waits for this one instead of interleaving.
        """
        roots = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        with self.sources.ingest_lock():
            return self._run(roots, prune=prune, progress=progress)

    def _run(
        self, paths: Sequence[Path], *, prune: bool, progress: IngestProgress | None
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        live_in_store = self.store.ids()
        pending: list[_Pending] = []
        seen_docs: list[str] = []

        for root in paths:
            if not root.exists():
                report.failed.append({"path": str(root), "error": "no such file or folder"})
                continue
            files, skipped = iter_files([root])
            report.skipped.extend(str(p) for p in skipped)
            for path in files:
                item = self._prepare(path, root, live_in_store, report)
                if item is None:
                    continue
                if isinstance(item, str):
                    seen_docs.append(item)
                else:
                    pending.append(item)
                    seen_docs.append(item.document.id)

        self._embed_and_commit(pending, report, progress)

        if prune:
            report.removed = self._prune()
        self._remove_orphans()
        self._refresh_lexical()

        report.documents = len(seen_docs)
        report.chunks = sum(len(p.chunks) for p in pending)
        report.chunks_total = self.sources.count_chunks()
        for doc_id in dict.fromkeys(seen_docs):
            doc = self.sources.get_document(doc_id)
            if doc is None:
                continue
            report.gaps.extend(
                {"document": g.document, "offset": g.offset, "announcement": g.announcement}
                for g in doc.gaps
            )
        report.seconds = time.perf_counter() - started
        return report

    def _prepare(
        self, path: Path, root: Path, live_in_store: set[str], report: IngestReport
    ) -> _Pending | str | None:
        key = str(path.resolve())
        try:
            raw = path.read_bytes()
            stat = path.stat()
        except OSError as exc:
            report.failed.append({"path": str(path), "error": f"cannot read file: {exc}"})
            return None
        # The manifest keys a file by its bytes *and* the analysis version, so a release that
        # parses, cuts or scores candidates differently re-ingests what it would read otherwise.
        digest = f"{ANALYSIS_VERSION}:{hashlib.sha256(raw).hexdigest()}"
        doc_id = document_id_for(path, root)
        record = self.sources.get_file(key)
        if record is not None and record["content_hash"] == digest and record["document"] == doc_id:
            chunk_ids = self.sources.chunk_ids_for(doc_id)
            if chunk_ids and chunk_ids <= live_in_store:
                report.unchanged += 1
                return doc_id
        try:
            loaded = load_file(path, raw)
            document = analyze_loaded(doc_id, str(path), loaded)
        except LoadError as exc:
            report.failed.append({"path": str(path), "error": str(exc)})
            return None
        chunks = self.chunker.split(document)
        return _Pending(
            path=path,
            key=key,
            document=document,
            chunks=chunks,
            digest=digest,
            size=stat.st_size,
            mtime=stat.st_mtime,
            is_new=record is None,
        )

    def _embed_and_commit(
        self, pending: list[_Pending], report: IngestReport, progress: IngestProgress | None
    ) -> None:
        total = sum(len(p.chunks) for p in pending)
        if progress is not None and total and self.embedder.ingest_export_pending:
            progress.note("preparing the model for this CPU (ONNX export, once per machine, ~20 s)")
            _ = self.embedder.onnx_encoder
        if progress is not None:
            progress.start(total, len(pending))
        for group in _groups(pending, self.group_chunks):
            for item in group:
                item.chunks = [with_candidates(item.document, c) for c in item.chunks]
            chunks = [c for p in group for c in p.chunks]
            vectors, span_vectors = self.embedder.embed_with_spans(
                [reading_text(p.document, c.start, c.end) for p in group for c in p.chunks],
                [[(x.start - c.start, x.end - c.start) for x in c.candidates] for c in chunks],
                on_batch=progress.advance if progress is not None else None,
            )
            packed = iter(span_vectors)
            for item in group:
                item.chunks = [
                    replace(c, vectors=next(packed).astype(np.float16).tobytes())
                    for c in item.chunks
                ]
            chunks = [c for p in group for c in p.chunks]
            if chunks:
                self.store.upsert(chunks, vectors)
            report.embedded += len(chunks)
            for item in group:
                stale = self.sources.put_document(
                    item.document,
                    item.chunks,
                    file_record={
                        "path": item.key,
                        "document": item.document.id,
                        "content_hash": item.digest,
                        "mtime": item.mtime,
                        "size": item.size,
                        "status": "ok",
                    },
                )
                if stale:
                    self.store.delete(sorted(stale))
                if item.is_new:
                    report.new += 1
                else:
                    report.changed += 1
        if progress is not None:
            progress.finish()

    def _prune(self) -> int:
        removed = 0
        for record in self.sources.files():
            if not os.path.exists(record["path"]):
                stale = self.sources.delete_document(record["document"])
                self.sources.delete_file(record["path"])
                if stale:
                    self.store.delete(sorted(stale))
                removed += 1
        return removed

    def _remove_orphans(self) -> None:
        orphans = self.store.ids() - self.sources.chunk_ids()
        if orphans:
            self.store.delete(sorted(orphans))

    def _refresh_lexical(self) -> None:
        generation = self.sources.generation()
        if self.lexical.generation != generation:
            self.lexical.load()
        if self.lexical.generation != generation:
            self.lexical.build(self.sources.all_chunks(), generation)
            if self.lexical.path is not None:
                self.lexical.save()


def with_candidates(document: Document, chunk: Chunk) -> Chunk:
    """The chunk with its answer candidates (vectors are added when it is embedded)."""
    return replace(chunk, candidates=tuple(answer_candidates(document, chunk.start, chunk.end)))


def _groups(items: Iterable[_Pending], size: int) -> Iterable[list[_Pending]]:
    group: list[_Pending] = []
    count = 0
    for item in items:
        group.append(item)
        count += len(item.chunks)
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group
