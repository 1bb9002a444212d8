"""The source store: stored document texts, their chunks and the ingest manifest.

Citations are verified against the text kept here, so every write is one database transaction
(SQLite or PostgreSQL, see :mod:`vectorstore.database`): a process killed at any moment leaves
either the old or the new version of a document, never a mix.

Tables: ``documents``, ``chunks`` (indexed by document), ``files`` (the ingest manifest) and
``meta`` (``generation``, bumped by every document write, so derived indexes such as each
replica's BM25 index can tell they are stale with one cheap query).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from vectorstore.database import Database, chunks, documents, files, meta
from vectorstore.types import Candidate, Chunk, Document

_BATCH = 500  # ids per "IN (...)" query, well below every engine's parameter limit
_CHUNK_COLUMNS = (
    chunks.c.id,
    chunks.c.document,
    chunks.c.idx,
    chunks.c.start,
    chunks.c.end,
    chunks.c.section,
    chunks.c.text,
    chunks.c.candidates,
    chunks.c.vectors,
)


class FileRecord(TypedDict):
    """One ingested file in the manifest: what it was when last seen, and what came of it."""

    path: str
    document: str
    content_hash: str
    mtime: float
    size: int
    status: str
    updated_at: NotRequired[float]


def _chunk(row: RowMapping) -> Chunk:
    return Chunk(
        id=row["id"],
        document=row["document"],
        text=row["text"],
        start=row["start"],
        end=row["end"],
        section=row["section"],
        index=row["idx"],
        candidates=tuple(Candidate(s, e, r) for s, e, r in json.loads(row["candidates"] or "[]")),
        vectors=bytes(row["vectors"] or b""),
    )


def _chunk_row(chunk: Chunk) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "document": chunk.document,
        "idx": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "section": chunk.section,
        "text": chunk.text,
        "candidates": json.dumps([[c.start, c.end, c.role] for c in chunk.candidates]),
        "vectors": chunk.vectors or None,
    }


def _file(row: RowMapping) -> FileRecord:
    return {
        "path": row["path"],
        "document": row["document"],
        "content_hash": row["content_hash"],
        "mtime": row["mtime"],
        "size": row["size"],
        "status": row["status"],
        "updated_at": row["updated_at"],
    }


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for begin in range(0, len(items), _BATCH):
        yield items[begin : begin + _BATCH]


class SourceStore:
    """Document texts, chunks and the file manifest in the storage layer's database.

    ``SourceStore(data_dir)`` opens the embedded SQLite database in the data dir;
    ``SourceStore(database)`` uses an open :class:`~vectorstore.database.Database` (PostgreSQL
    or SQLite) shared with the conversation and feedback stores.
    """

    def __init__(self, where: Path | Database, *, busy_timeout_s: float = 30.0) -> None:
        """Open (creating and migrating if needed) the store.

        Args:
            where: The data directory (SQLite, created if missing) or an open database.
            busy_timeout_s: How long a SQLite write waits for another process's write.

        Raises:
            ValueError: ``busy_timeout_s`` is negative or ``where`` is a file.
        """
        if busy_timeout_s < 0:
            raise ValueError(f"busy_timeout_s must be >= 0, got {busy_timeout_s}")
        if isinstance(where, Database):
            self.database = where
        else:
            data_dir = Path(where)
            if data_dir.exists() and not data_dir.is_dir():
                raise ValueError(f"data_dir is not a directory: {data_dir}")
            data_dir.mkdir(parents=True, exist_ok=True)
            self.database = Database(
                Database.sqlite_url(data_dir), lock_dir=data_dir, busy_timeout_s=busy_timeout_s
            )
        self.path = self.database.path

    # -- transactions -------------------------------------------------------------------

    def _write(self) -> AbstractContextManager[Connection]:
        return self.database.write()

    def _read(self, *, snapshot: bool = False) -> AbstractContextManager[Connection]:
        return self.database.read(snapshot=snapshot)

    @staticmethod
    def _bump(db: Connection) -> None:
        db.execute(sa.update(meta).where(meta.c.key == "generation").values(value=meta.c.value + 1))

    def ingest_lock(self) -> AbstractContextManager[None]:
        """Held for a whole ingest run, so two ingests (any process or replica) never interleave."""
        return self.database.ingest_lock()

    def close(self) -> None:
        """Close every connection opened by this store."""
        self.database.close()

    # -- documents ----------------------------------------------------------------------

    def put_document(
        self, doc: Document, chunks_: Sequence[Chunk], *, file_record: FileRecord | None = None
    ) -> list[str]:
        """Replace ``doc`` and all its chunks (and its manifest row) in one transaction.

        Returns:
            The ids of the document's previous chunks that are not among ``chunks_``.

        Raises:
            ValueError: A chunk belongs to another document or does not match ``doc.text``.
        """
        for chunk in chunks_:
            if chunk.document != doc.id:
                raise ValueError(f"chunk {chunk.id} belongs to {chunk.document!r}, not {doc.id!r}")
            if doc.text[chunk.start : chunk.end] != chunk.text:
                raise ValueError(
                    f"chunk {chunk.id} text differs from {doc.id}[{chunk.start}:{chunk.end}]"
                )
        new_ids = [chunk.id for chunk in chunks_]
        if len(set(new_ids)) != len(new_ids):
            raise ValueError(f"duplicate chunk ids for document {doc.id!r}")
        record = _file_row(file_record, time.time()) if file_record is not None else None
        now = time.time()
        with self._write() as db:
            old_ids = list(
                db.execute(sa.select(chunks.c.id).where(chunks.c.document == doc.id)).scalars()
            )
            db.execute(sa.delete(chunks).where(chunks.c.document == doc.id))
            # A chunk id that moved here from another document is taken over, not duplicated.
            for batch in _batches(new_ids):
                db.execute(sa.delete(chunks).where(chunks.c.id.in_(batch)))
            db.execute(sa.delete(documents).where(documents.c.id == doc.id))
            db.execute(
                sa.insert(documents).values(
                    id=doc.id,
                    path=doc.path,
                    content_hash=doc.content_hash,
                    media_type=doc.media_type,
                    title=doc.title,
                    gap_count=len(doc.gaps),
                    meta_json=json.dumps(doc.to_dict(with_text=False), ensure_ascii=False),
                    text=doc.text,
                    updated_at=now,
                )
            )
            if chunks_:
                db.execute(sa.insert(chunks), [_chunk_row(c) for c in chunks_])
            if record is not None:
                self._put_file(db, record)
            self._bump(db)
        kept = set(new_ids)
        return [chunk_id for chunk_id in old_ids if chunk_id not in kept]

    def delete_document(self, doc_id: str) -> list[str]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        with self._write() as db:
            removed = list(
                db.execute(sa.select(chunks.c.id).where(chunks.c.document == doc_id)).scalars()
            )
            db.execute(sa.delete(chunks).where(chunks.c.document == doc_id))
            deleted = db.execute(sa.delete(documents).where(documents.c.id == doc_id)).rowcount
            if deleted or removed:
                self._bump(db)
        return removed

    def get_document(self, doc_id: str) -> Document | None:
        """The stored document with its text, or ``None``."""
        with self._read() as db:
            row = (
                db.execute(
                    sa.select(documents.c.meta_json, documents.c.text).where(
                        documents.c.id == doc_id
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["meta_json"])
        data["text"] = row["text"]
        return Document.from_dict(data)

    def get_text(self, doc_id: str) -> str | None:
        """The stored text of a document (what citations are checked against), or ``None``."""
        with self._read() as db:
            text = db.execute(
                sa.select(documents.c.text).where(documents.c.id == doc_id)
            ).scalar_one_or_none()
        return None if text is None else str(text)

    def list_documents(self) -> list[dict[str, Any]]:
        """One summary dict per document, ordered by id."""
        chunk_count = (
            sa.select(sa.func.count())
            .where(chunks.c.document == documents.c.id)
            .correlate(documents)
            .scalar_subquery()
        )
        query = sa.select(
            documents.c.id,
            documents.c.path,
            documents.c.title,
            documents.c.content_hash,
            documents.c.media_type,
            documents.c.gap_count,
            documents.c.updated_at,
            sa.func.length(documents.c.text).label("chars"),
            chunk_count.label("chunk_count"),
        ).order_by(documents.c.id)
        with self._read() as db:
            rows = db.execute(query).mappings().all()
        return [
            {
                "id": row["id"],
                "path": row["path"],
                "title": row["title"],
                "content_hash": row["content_hash"],
                "media_type": row["media_type"],
                "chars": row["chars"],
                "chunks": row["chunk_count"],
                "gaps": row["gap_count"],
                "updated_at": row["updated_at"],
            }
            for row in rows
        ]

    def titles(self) -> dict[str, str]:
        """Each titled document's title, by id."""
        query = sa.select(documents.c.id, documents.c.title).where(documents.c.title.is_not(None))
        with self._read() as db:
            return {row.id: row.title for row in db.execute(query)}

    def document_ids(self) -> set[str]:
        """Every stored document id."""
        with self._read() as db:
            return set(db.execute(sa.select(documents.c.id)).scalars())

    # -- chunks -------------------------------------------------------------------------

    def get_chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """The stored chunks among ``ids``, keyed by id (unknown ids are left out)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Chunk] = {}
        if not wanted:
            return found
        with self._read(snapshot=len(wanted) > _BATCH) as db:
            for batch in _batches(wanted):
                query = sa.select(*_CHUNK_COLUMNS).where(chunks.c.id.in_(batch))
                for row in db.execute(query).mappings():
                    found[row["id"]] = _chunk(row)
        return found

    def chunks_for(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in order."""
        query = (
            sa.select(*_CHUNK_COLUMNS)
            .where(chunks.c.document == doc_id)
            .order_by(chunks.c.idx, chunks.c.start)
        )
        with self._read() as db:
            return [_chunk(row) for row in db.execute(query).mappings()]

    def chunks_over(
        self, doc_id: str, start: int, end: int, *, limit: int | None = None
    ) -> list[Chunk]:
        """The document's chunks overlapping ``[start, end)``, in order (the first ``limit``):
        read by offsets in the database, so a question on a page of thousands of chunks decodes
        only the few it needs."""
        query = (
            sa.select(*_CHUNK_COLUMNS)
            .where(chunks.c.document == doc_id, chunks.c.start < end, chunks.c.end > start)
            .order_by(chunks.c.idx, chunks.c.start)
            .limit(limit)
        )
        with self._read() as db:
            return [_chunk(row) for row in db.execute(query).mappings()]

    def chunk_id_at(self, doc_id: str, offset: int) -> str | None:
        """The id of the document's first chunk holding ``offset``, or None."""
        query = (
            sa.select(chunks.c.id)
            .where(chunks.c.document == doc_id, chunks.c.start <= offset, chunks.c.end > offset)
            .order_by(chunks.c.idx, chunks.c.start)
            .limit(1)
        )
        with self._read() as db:
            return db.execute(query).scalar()

    def chunk_ids_for(self, doc_id: str) -> set[str]:
        """The chunk ids of one document."""
        with self._read() as db:
            return set(
                db.execute(sa.select(chunks.c.id).where(chunks.c.document == doc_id)).scalars()
            )

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, ordered by document then position."""
        query = sa.select(*_CHUNK_COLUMNS).order_by(chunks.c.document, chunks.c.idx, chunks.c.start)
        with self._read() as db:
            return [_chunk(row) for row in db.execute(query).mappings()]

    def chunk_ids(self) -> set[str]:
        """Every chunk id."""
        with self._read() as db:
            return set(db.execute(sa.select(chunks.c.id)).scalars())

    def count_chunks(self) -> int:
        """Number of chunks."""
        with self._read() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(chunks)).scalar_one())

    def generation(self) -> int:
        """A counter bumped by every document write (derived indexes compare against it)."""
        with self._read() as db:
            value = db.execute(
                sa.select(meta.c.value).where(meta.c.key == "generation")
            ).scalar_one()
        return int(value)

    # -- ingest manifest ----------------------------------------------------------------

    @staticmethod
    def _put_file(db: Connection, row: dict[str, Any]) -> None:
        db.execute(sa.delete(files).where(files.c.path == row["path"]))
        db.execute(sa.insert(files).values(**row))

    def put_file(self, record: FileRecord) -> None:
        """Insert or replace one manifest row (use ``put_document(file_record=...)`` to pair
        it with a document write)."""
        row = _file_row(record, time.time())
        with self._write() as db:
            self._put_file(db, row)

    def get_file(self, path: str) -> FileRecord | None:
        """The manifest row for ``path``, or ``None``."""
        with self._read() as db:
            row = db.execute(sa.select(files).where(files.c.path == path)).mappings().first()
        return None if row is None else _file(row)

    def files(self) -> list[FileRecord]:
        """Every manifest row, ordered by path."""
        with self._read() as db:
            rows = db.execute(sa.select(files).order_by(files.c.path)).mappings().all()
        return [_file(row) for row in rows]

    def delete_file(self, path: str) -> bool:
        """Remove a manifest row; True if it existed."""
        with self._write() as db:
            return db.execute(sa.delete(files).where(files.c.path == path)).rowcount > 0

    def __repr__(self) -> str:
        return f"SourceStore({self.database.describe()!r})"


def _file_row(record: FileRecord, now: float) -> dict[str, Any]:
    """A manifest row with its types checked (a bad record fails before any write)."""
    return {
        "path": str(record["path"]),
        "document": str(record["document"]),
        "content_hash": str(record["content_hash"]),
        "mtime": float(record["mtime"]),
        "size": int(record["size"]),
        "status": str(record["status"]),
        "updated_at": now,
    }
