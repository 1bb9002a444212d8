"""The storage layer: one schema on two engines, SQLite (embedded default) or PostgreSQL.

Everything Verbatim keeps besides vectors lives here: documents and their texts, chunks, the
ingest manifest and the generation (the commit point), conversations and feedback.  The schema
is SQLAlchemy Core tables; :data:`MIGRATIONS` is a short list of versioned DDL steps that
:meth:`Database.migrate` applies at start-up, under a lock, so two replicas starting together
never migrate twice.

Errors: a database that cannot be reached (PostgreSQL stopped, the network gone, the pool
exhausted) surfaces as :class:`StorageUnavailableError` from the ``read``/``write`` blocks; the
API maps it to a 503.  Connections are checked before use (``pool_pre_ping``), so a server that
comes back is used again without a restart.
"""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

SQLITE_FILENAME = "verbatim.sqlite3"
_WRITE = "verbatim_write"

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("gap_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("meta_json", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
chunks = sa.Table(
    "chunks",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column(
        "document", sa.Text, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("idx", sa.Integer, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("section", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    # Answer candidates ([[start, end, role], ...] as JSON) and one float16 vector per candidate.
    sa.Column("candidates", sa.Text, nullable=False, server_default="[]"),
    sa.Column("vectors", sa.LargeBinary),
    sa.Index("chunks_document", "document", "idx"),
)
files = sa.Table(
    "files",
    metadata,
    sa.Column("path", sa.Text, primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("mtime", sa.Float, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
turns = sa.Table(
    "turns",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "conversation_id",
        sa.String(64),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("answer_json", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant')", name="turns_role"),
    sa.Index("turns_by_conversation", "conversation_id", "seq"),
)
# Answers posted where people can vote on them (Slack), so a vote can name what it was about.
posted_answers = sa.Table(
    "posted_answers",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.Column("channel", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("posted_answers_created", "created_at"),
)
# Every piece of feedback, from any surface: the web page and API (conversation and turn) or
# Slack (posted answer and voter; one vote per voter and answer, a new vote replaces it).
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("rating", sa.String(16), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("conversation_id", sa.String(64)),
    sa.Column("turn", sa.Integer),
    sa.Column("answer_id", sa.String(64)),
    sa.Column("user_id", sa.Text),
    sa.Column("question", sa.Text),
    sa.Column("answer", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("answer_id", "user_id", name="feedback_one_vote"),
)


def _create_current(conn: Connection) -> None:
    """A new database: every table as :data:`metadata` has it now, generation 0."""
    metadata.create_all(conn)
    conn.execute(sa.insert(meta).values(key="generation", value=0))


def _v1_create(conn: Connection) -> None:
    raise RuntimeError("schema version 1 is only ever created new")  # pragma: no cover


def _v2_chunk_candidates(conn: Connection) -> None:
    binary = sa.LargeBinary().compile(dialect=conn.dialect)
    conn.execute(sa.text("ALTER TABLE chunks ADD COLUMN candidates TEXT NOT NULL DEFAULT '[]'"))
    conn.execute(sa.text(f"ALTER TABLE chunks ADD COLUMN vectors {binary}"))


# (version, what it does, the step bringing the previous version to it).  Append only: a released
# step is never edited.  A new database is created as the tables above say and marked with
# every version; an existing one runs the steps it has not seen, in order.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "documents, chunks, manifest, generation, conversations, feedback", _v1_create),
    (2, "chunks: answer candidates and their float16 vectors", _v2_chunk_candidates),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StorageUnavailableError(Exception):
    """The database cannot be reached (stopped, network down, or every connection busy)."""


def database_url_for(url: str | None, data_dir: Path) -> URL:
    """The SQLAlchemy URL: ``url`` (``postgresql://`` uses psycopg 3) or SQLite in ``data_dir``.

    Raises:
        ValueError: ``url`` is not a ``postgresql://`` or ``sqlite://`` URL.
    """
    if not url:
        return URL.create("sqlite", database=str(Path(data_dir) / SQLITE_FILENAME))
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "sqlite":
        return parsed
    raise ValueError(
        f"unsupported database {parsed.drivername!r}: use postgresql://USER:PASSWORD@HOST/DB"
    )


class Database:
    """One engine over the schema, with read/write transactions and the ingest lock.

    Args:
        url: A SQLAlchemy URL (see :func:`database_url_for`).
        lock_dir: Where SQLite keeps its ingest lock file (the data dir).
        connect_timeout_s: How long opening a PostgreSQL connection may take.
        busy_timeout_s: How long a SQLite write waits for another process's write.
        pool_size: PostgreSQL connections kept open per process (more open on demand).
    """

    def __init__(
        self,
        url: URL,
        *,
        lock_dir: Path | None = None,
        connect_timeout_s: float = 5.0,
        busy_timeout_s: float = 30.0,
        pool_size: int = 8,
    ) -> None:
        if connect_timeout_s <= 0 or busy_timeout_s < 0 or pool_size < 1:
            raise ValueError("timeouts must be positive and pool_size >= 1")
        self.url = url
        self.dialect = url.get_backend_name()
        self._write_lock = threading.Lock()
        self.engine: Engine
        self.lock_path: Path | None
        if self.dialect == "sqlite":
            path = Path(url.database or "")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.path: Path | None = path
            self.lock_path = (lock_dir or path.parent) / "ingest.lock"
            # Connections to a local file are cheap: enough for every worker thread at once
            # (the thread-per-connection behaviour of the store before the pool).
            self.engine = sa.create_engine(
                url,
                pool_size=pool_size,
                max_overflow=64,
                pool_timeout=busy_timeout_s,
                connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.path = None
            self.lock_path = None
            self.engine = sa.create_engine(
                url,
                pool_pre_ping=True,
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_timeout=connect_timeout_s * 2,
                connect_args={"connect_timeout": max(1, round(connect_timeout_s))},
            )
        self.migrate()

    @classmethod
    def open(cls, url: str | None, data_dir: Path, *, connect_timeout_s: float = 5.0) -> Database:
        """The database at ``url`` (PostgreSQL), or SQLite in ``data_dir`` when ``url`` is empty.

        Raises:
            ValueError: the URL is not supported.
            StorageUnavailableError: the server cannot be reached.
        """
        return cls(
            database_url_for(url, data_dir),
            lock_dir=Path(data_dir),
            connect_timeout_s=connect_timeout_s,
        )

    # -- transactions -------------------------------------------------------------------

    @staticmethod
    def sqlite_url(data_dir: Path) -> URL:
        """The URL of the embedded database in ``data_dir``."""
        return database_url_for(None, data_dir)

    @contextmanager
    def read(self, *, snapshot: bool = True) -> Iterator[Connection]:
        """A read-only block: one consistent snapshot for several SELECTs (``snapshot``), or
        a plain autocommit connection for a single statement (one round trip less on a server).
        """
        with _unavailable_as_error(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(
                    isolation_level="REPEATABLE READ" if snapshot else "AUTOCOMMIT"
                )
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all or nothing; on SQLite serialised within and across
        processes (``BEGIN IMMEDIATE``)."""
        with _unavailable_as_error():
            if self.dialect == "sqlite":
                with self._write_lock, self.engine.connect() as conn:
                    conn.execution_options(**{_WRITE: True})
                    with conn.begin():
                        yield conn
            else:
                with self.engine.begin() as conn:
                    yield conn

    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Held for a whole ingest run: a second ingest (any process, any replica) waits.

        PostgreSQL: a session advisory lock on a connection held for the run (released by the
        server if the process dies).  SQLite: ``flock`` on ``ingest.lock`` in the data dir.
        """
        if self.dialect == "sqlite":
            assert self.lock_path is not None
            with open(self.lock_path, "a+b") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return
        key = zlib.crc32(b"verbatim-ingest")
        with _unavailable_as_error(), self.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
            try:
                yield
            finally:
                try:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    conn.commit()
                except DBAPIError:
                    conn.invalidate()  # the server dropped the session, and the lock with it

    # -- schema -------------------------------------------------------------------------

    def migrate(self) -> int:
        """Apply the migrations this database has not seen yet; returns the schema version."""
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 7_130_001})
            conn.execute(
                sa.text(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
                    " applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
                )
            )
            done = {
                int(row[0])
                for row in conn.execute(sa.text("SELECT version FROM schema_migrations"))
            }
            fresh = not done
            if fresh:
                _create_current(conn)
            for version, description, step in MIGRATIONS:
                if version in done:
                    continue
                if not fresh:
                    step(conn)
                conn.execute(
                    sa.text("INSERT INTO schema_migrations (version, description) VALUES (:v, :d)"),
                    {"v": version, "d": description},
                )
            return max(done | {version for version, _, _ in MIGRATIONS})

    def schema_version(self) -> int:
        """The highest migration applied."""
        with self.read() as conn:
            return int(
                conn.execute(sa.text("SELECT max(version) FROM schema_migrations")).scalar_one()
            )

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.read() as conn:
                conn.execute(sa.text("SELECT 1"))
        except StorageUnavailableError:
            return False
        return True

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def describe(self) -> str:
        """The URL without its password, for logs and messages."""
        return self.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.describe()!r})"


def upsert(
    db: Connection,
    table: sa.Table,
    values: dict[str, Any],
    *,
    keys: tuple[str, ...],
    update: tuple[str, ...] = (),
) -> sa.Executable:
    """``INSERT`` that, when a row with the same ``keys`` exists, updates ``update`` instead
    (or leaves the row alone when ``update`` is empty), in the dialect of ``db``."""
    insert: Any
    if db.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values)
    result: sa.Executable
    if not update:
        result = statement.on_conflict_do_nothing(index_elements=list(keys))
    else:
        result = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
        )
    return result


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    try:
        yield
    except PoolTimeoutError as exc:
        raise StorageUnavailableError(f"no database connection free: {exc}") from exc
    except OperationalError as exc:
        # On a server every operational error (refused, reset, shut down, timed out) means "not
        # reachable now"; SQLite's own ("database is locked") are errors of this process's disk.
        if exc.connection_invalidated or not _is_sqlite(exc):
            raise StorageUnavailableError(_first_line(exc)) from exc
        raise
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StorageUnavailableError(_first_line(exc)) from exc
        raise


def _is_sqlite(exc: DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("sqlite3")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level: SQLAlchemy's "begin" event emits BEGIN itself, so a
    # writer can take the write lock up front (BEGIN IMMEDIATE) instead of upgrading later.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Database",
    "StorageUnavailableError",
    "database_url_for",
    "metadata",
    "upsert",
]
