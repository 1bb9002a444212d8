"""The source store: stored document texts, their chunks and the ingest manifest, in SQLite.

Citations are verified against the text kept here, so every write is one SQLite transaction: a
process killed at any moment leaves either the old or the new version of a document, never a
mix. WAL mode lets many threads read while one writes; each thread gets its own connection.

Tables: ``documents``, ``chunks`` (indexed by document), ``files`` (the ingest manifest) and
``meta`` (``generation``, bumped by every document write, so derived indexes can tell they are
stale).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from vectorstore.types import Candidate, Chunk, Document

SCHEMA_VERSION = 2
_BATCH = 500  # ids per "IN (...)" query, well below SQLite's variable limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    media_type TEXT NOT NULL,
    title TEXT,
    gap_count INTEGER NOT NULL DEFAULT 0,
    meta_json TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    section TEXT,
    text TEXT NOT NULL,
    candidates TEXT NOT NULL DEFAULT '[]',
    vectors BLOB
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document, idx);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mtime REAL NOT NULL,
    size INTEGER NOT NULL,
    status TEXT NOT NULL,
    updated_at REAL NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0);
"""

_CHUNK_COLUMNS = 'id, document, idx, "start", "end", section, text, candidates, vectors'


class FileRecord(TypedDict):
    """One ingested file in the manifest: what it was when last seen, and what came of it."""

    path: str
    document: str
    content_hash: str
    mtime: float
    size: int
    status: str
    updated_at: NotRequired[float]


def _chunk(row: sqlite3.Row) -> Chunk:
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


def _file(row: sqlite3.Row) -> FileRecord:
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
    """Document texts, chunks and the file manifest in ``data_dir / "sources.sqlite3"``."""

    FILENAME = "sources.sqlite3"

    def __init__(self, data_dir: Path, *, busy_timeout_s: float = 30.0) -> None:
        """Open (creating if needed) the store in ``data_dir``.

        Args:
            data_dir: The data directory; created if missing.
            busy_timeout_s: How long a write waits for another process's write to finish.

        Raises:
            ValueError: ``busy_timeout_s`` is negative or ``data_dir`` is a file.
        """
        if busy_timeout_s < 0:
            raise ValueError(f"busy_timeout_s must be >= 0, got {busy_timeout_s}")
        data_dir = Path(data_dir)
        if data_dir.exists() and not data_dir.is_dir():
            raise ValueError(f"data_dir is not a directory: {data_dir}")
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / self.FILENAME
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        with self._write() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            columns = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
            if "candidates" not in columns:  # a data dir written before schema version 2
                db.execute("ALTER TABLE chunks ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]'")
                db.execute("ALTER TABLE chunks ADD COLUMN vectors BLOB")
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            db.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version' AND value < ?",
                (SCHEMA_VERSION, SCHEMA_VERSION),
            )

    # -- connections and transactions ---------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Autocommit mode: transactions are opened explicitly (BEGIN IMMEDIATE) by writers.
            db = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all or nothing, serialised within and across processes."""
        with self._write_lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        db = self._db()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")

    def close(self) -> None:
        """Close every connection opened by this store (any thread)."""
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    # -- documents ----------------------------------------------------------------------

    def put_document(
        self, doc: Document, chunks: Sequence[Chunk], *, file_record: FileRecord | None = None
    ) -> list[str]:
        """Replace ``doc`` and all its chunks (and its manifest row) in one transaction.

        Returns:
            The ids of the document's previous chunks that are not among ``chunks``.

        Raises:
            ValueError: A chunk belongs to another document or does not match ``doc.text``.
        """
        for chunk in chunks:
            if chunk.document != doc.id:
                raise ValueError(f"chunk {chunk.id} belongs to {chunk.document!r}, not {doc.id!r}")
            if doc.text[chunk.start : chunk.end] != chunk.text:
                raise ValueError(
                    f"chunk {chunk.id} text differs from {doc.id}[{chunk.start}:{chunk.end}]"
                )
        new_ids = {chunk.id for chunk in chunks}
        if len(new_ids) != len(chunks):
            raise ValueError(f"duplicate chunk ids for document {doc.id!r}")
        now = time.time()
        with self._write() as db:
            old_ids = [
                row[0] for row in db.execute("SELECT id FROM chunks WHERE document = ?", (doc.id,))
            ]
            db.execute("DELETE FROM chunks WHERE document = ?", (doc.id,))
            db.execute(
                "INSERT OR REPLACE INTO documents (id, path, content_hash, media_type, title,"
                " gap_count, meta_json, text, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.path,
                    doc.content_hash,
                    doc.media_type,
                    doc.title,
                    len(doc.gaps),
                    json.dumps(doc.to_dict(with_text=False), ensure_ascii=False),
                    doc.text,
                    now,
                ),
            )
            # A chunk id that moved here from another document is taken over, not duplicated.
            db.executemany(
                f"INSERT OR REPLACE INTO chunks ({_CHUNK_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.id,
                        c.document,
                        c.index,
                        c.start,
                        c.end,
                        c.section,
                        c.text,
                        json.dumps([[x.start, x.end, x.role] for x in c.candidates]),
                        c.vectors or None,
                    )
                    for c in chunks
                ],
            )
            if file_record is not None:
                self._put_file(db, file_record, now)
            self._bump(db)
        return [chunk_id for chunk_id in old_ids if chunk_id not in new_ids]

    def delete_document(self, doc_id: str) -> list[str]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        with self._write() as db:
            removed = [
                row[0] for row in db.execute("SELECT id FROM chunks WHERE document = ?", (doc_id,))
            ]
            deleted = db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount
            db.execute("DELETE FROM chunks WHERE document = ?", (doc_id,))
            if deleted or removed:
                self._bump(db)
        return removed

    def get_document(self, doc_id: str) -> Document | None:
        """The stored document with its text, or ``None``."""
        row = (
            self._db()
            .execute("SELECT meta_json, text FROM documents WHERE id = ?", (doc_id,))
            .fetchone()
        )
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["meta_json"])
        data["text"] = row["text"]
        return Document.from_dict(data)

    def get_text(self, doc_id: str) -> str | None:
        """The stored text of a document (what citations are checked against), or ``None``."""
        row = self._db().execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row["text"])

    def list_documents(self) -> list[dict[str, Any]]:
        """One summary dict per document, ordered by id."""
        rows = self._db().execute(
            "SELECT d.id, d.path, d.title, d.content_hash, d.media_type, d.gap_count,"
            " d.updated_at, length(d.text) AS chars,"
            " (SELECT count(*) FROM chunks c WHERE c.document = d.id) AS chunk_count"
            " FROM documents d ORDER BY d.id"
        )
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

    def document_ids(self) -> set[str]:
        """Every stored document id."""
        return {row[0] for row in self._db().execute("SELECT id FROM documents")}

    # -- chunks -------------------------------------------------------------------------

    def get_chunks(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """The stored chunks among ``ids``, keyed by id (unknown ids are left out)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Chunk] = {}
        with self._read() as db:
            for batch in _batches(wanted):
                marks = ",".join("?" * len(batch))
                for row in db.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({marks})", tuple(batch)
                ):
                    found[row["id"]] = _chunk(row)
        return found

    def chunks_for(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in order."""
        rows = self._db().execute(
            f'SELECT {_CHUNK_COLUMNS} FROM chunks WHERE document = ? ORDER BY idx, "start"',
            (doc_id,),
        )
        return [_chunk(row) for row in rows]

    def chunk_ids_for(self, doc_id: str) -> set[str]:
        """The chunk ids of one document."""
        rows = self._db().execute("SELECT id FROM chunks WHERE document = ?", (doc_id,))
        return {row[0] for row in rows}

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, ordered by document then position."""
        rows = self._db().execute(
            f'SELECT {_CHUNK_COLUMNS} FROM chunks ORDER BY document, idx, "start"'
        )
        return [_chunk(row) for row in rows]

    def chunk_ids(self) -> set[str]:
        """Every chunk id."""
        return {row[0] for row in self._db().execute("SELECT id FROM chunks")}

    def count_chunks(self) -> int:
        """Number of chunks."""
        return int(self._db().execute("SELECT count(*) FROM chunks").fetchone()[0])

    def generation(self) -> int:
        """A counter bumped by every document write (derived indexes compare against it)."""
        row = self._db().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    # -- ingest manifest ----------------------------------------------------------------

    @staticmethod
    def _put_file(db: sqlite3.Connection, record: FileRecord, now: float) -> None:
        db.execute(
            "INSERT OR REPLACE INTO files (path, document, content_hash, mtime, size, status,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record["path"],
                record["document"],
                record["content_hash"],
                float(record["mtime"]),
                int(record["size"]),
                record["status"],
                now,
            ),
        )

    def put_file(self, record: FileRecord) -> None:
        """Insert or replace one manifest row (use ``put_document(file_record=...)`` to pair
        it with a document write)."""
        with self._write() as db:
            self._put_file(db, record, time.time())

    def get_file(self, path: str) -> FileRecord | None:
        """The manifest row for ``path``, or ``None``."""
        row = self._db().execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return None if row is None else _file(row)

    def files(self) -> list[FileRecord]:
        """Every manifest row, ordered by path."""
        return [_file(row) for row in self._db().execute("SELECT * FROM files ORDER BY path")]

    def delete_file(self, path: str) -> bool:
        """Remove a manifest row; True if it existed."""
        with self._write() as db:
            return db.execute("DELETE FROM files WHERE path = ?", (path,)).rowcount > 0

    def __repr__(self) -> str:
        return f"SourceStore({str(self.path)!r})"
