"""The storage layer's contract, run on both engines (SQLite and a real PostgreSQL).

``StorageContract`` holds every test; ``TestSQLiteStorage`` and ``TestPostgresStorage`` only say
how to open a database.  Covered: the source store (round trips, atomic replacement,
generations, concurrent readers, a killed writer), conversations, the one feedback store, the
migrations and the ingest lock.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import PostgresServer, free_port

from qa.conversations import ConversationStore
from qa.errors import NotFoundError
from qa.feedback import FeedbackStore
from qa.types import Answer, Citation
from vectorstore import Candidate, Chunk, Database, Document, Gap, Section, SourceStore, Span
from vectorstore.database import SCHEMA_VERSION
from vectorstore.sources import FileRecord

OpenDatabase = Callable[[], Database]

TEXT = "Title\n\nThe first paragraph mentions Budapest. The list included:\n\nShare this article"


def make_document(doc_id: str = "a.txt", text: str = TEXT) -> Document:
    return Document(
        id=doc_id,
        path=f"/corpus/{doc_id}",
        text=text,
        content_hash=f"hash-{len(text)}",
        media_type="text/plain",
        title="Title",
        sections=[Section("Title", 1, 0, 5, 7, len(text))],
        excluded=[Span(len(text) - 18, len(text), "share_bar", "Share this article")],
        gaps=[Gap(doc_id, 61, "The list included:", 43, 61)],
    )


def chunks_of(doc: Document, bounds: list[tuple[int, int]], tag: str = "") -> list[Chunk]:
    return [
        Chunk(
            id=f"{doc.id}#{tag}{i}",
            document=doc.id,
            text=doc.text[s:e],
            start=s,
            end=e,
            section="Title",
            index=i,
        )
        for i, (s, e) in enumerate(bounds)
    ]


def record(path: str, doc_id: str, digest: str = "d1") -> FileRecord:
    return {
        "path": path,
        "document": doc_id,
        "content_hash": digest,
        "mtime": 1.5,
        "size": 10,
        "status": "ok",
    }


def answer(text: str, quote: str = "") -> Answer:
    """An Answer citing one passage (or a refusal when there is no quote)."""
    if not quote:
        return Answer(answer=text, refused=True, refusal_reason="not_in_documents")
    citation = Citation(
        id=1, document="doc.txt", chunk_id="c1", start=0, end=len(quote), quote=quote
    )
    return Answer(answer=f"{text} [1]", citations=[citation])


class StorageContract:
    """What every storage engine must do; a subclass provides ``open_database``."""

    @pytest.fixture
    def open_database(self) -> OpenDatabase:
        """Opens (another handle on) this test's database."""
        raise NotImplementedError

    @pytest.fixture
    def store(self, open_database: OpenDatabase) -> Iterator[SourceStore]:
        store = SourceStore(open_database())
        yield store
        store.close()

    @pytest.fixture
    def conversations(self, open_database: OpenDatabase) -> ConversationStore:
        return ConversationStore(open_database())

    # -- source store -------------------------------------------------------------------

    def test_document_and_chunks_round_trip(self, store: SourceStore) -> None:
        doc = make_document()
        chunks = chunks_of(doc, [(0, 5), (7, 61)])
        assert store.put_document(doc, chunks) == []
        assert store.get_document(doc.id) == doc
        assert store.get_text(doc.id) == TEXT
        assert store.get_chunks([c.id for c in chunks] + ["missing"]) == {c.id: c for c in chunks}
        assert store.all_chunks() == chunks
        assert store.chunks_for(doc.id) == chunks
        assert store.chunk_ids() == store.chunk_ids_for(doc.id) == {c.id for c in chunks}
        assert store.count_chunks() == 2
        for chunk in store.all_chunks():
            assert TEXT[chunk.start : chunk.end] == chunk.text
        [summary] = store.list_documents()
        assert summary["id"] == doc.id
        assert summary["title"] == "Title"
        assert store.titles() == {doc.id: "Title"}
        assert summary["chunks"] == 2
        assert summary["gaps"] == 1
        assert summary["content_hash"] == doc.content_hash

    def test_chunks_are_read_by_offsets(self, store: SourceStore) -> None:
        doc = make_document()
        first, second = chunks_of(doc, [(0, 5), (7, 61)])
        other = make_document("b.txt")
        store.put_document(doc, [first, second])
        store.put_document(other, chunks_of(other, [(0, 61)]))
        assert store.chunks_over(doc.id, 0, 61) == [first, second]
        assert store.chunks_over(doc.id, 4, 8) == [first, second]
        assert store.chunks_over(doc.id, 5, 7) == []  # between the chunks
        assert store.chunks_over(doc.id, 60, 90) == [second]
        assert store.chunks_over("missing", 0, 61) == []
        assert store.chunks_over(doc.id, 0, 61, limit=1) == [first]
        assert store.chunk_id_at(doc.id, 0) == first.id
        assert store.chunk_id_at(doc.id, 4) == first.id
        assert store.chunk_id_at(doc.id, 5) is None
        assert store.chunk_id_at(doc.id, 60) == second.id
        assert store.chunk_id_at(doc.id, 61) is None
        assert store.chunk_id_at("b.txt", 10) == "b.txt#0"

    def test_unknown_document_is_none(self, store: SourceStore) -> None:
        assert store.get_document("nope") is None
        assert store.get_text("nope") is None
        assert store.delete_document("nope") == []

    def test_store_survives_reopening(self, open_database: OpenDatabase) -> None:
        doc = make_document()
        first = SourceStore(open_database())
        first.put_document(doc, chunks_of(doc, [(0, 5)]))
        first.close()
        again = SourceStore(open_database())
        assert again.get_document(doc.id) == doc
        assert again.generation() == 1

    def test_replacing_a_document_returns_only_stale_chunk_ids(self, store: SourceStore) -> None:
        doc = make_document()
        store.put_document(doc, chunks_of(doc, [(0, 5), (7, 40), (40, 61)]))
        new_text = TEXT.replace("Budapest", "Vienna")
        newer = make_document(text=new_text)
        # Chunk 0 keeps its id; the others are re-cut with new ids.
        new_chunks = [chunks_of(newer, [(0, 5)])[0], *chunks_of(newer, [(7, 59)], tag="v2-")]
        stale = store.put_document(newer, new_chunks)
        assert sorted(stale) == ["a.txt#1", "a.txt#2"]
        assert store.get_text(doc.id) == new_text
        assert store.chunk_ids() == {"a.txt#0", "a.txt#v2-0"}

    def test_delete_document_removes_its_chunks_only(self, store: SourceStore) -> None:
        a, b = make_document("a.txt"), make_document("b.txt")
        store.put_document(a, chunks_of(a, [(0, 5), (7, 20)]))
        store.put_document(b, chunks_of(b, [(0, 5)]))
        assert sorted(store.delete_document("a.txt")) == ["a.txt#0", "a.txt#1"]
        assert store.chunk_ids() == {"b.txt#0"}
        assert [d["id"] for d in store.list_documents()] == ["b.txt"]

    def test_generation_bumps_on_every_document_write(self, store: SourceStore) -> None:
        doc = make_document()
        assert store.generation() == 0
        store.put_document(doc, chunks_of(doc, [(0, 5)]))
        assert store.generation() == 1
        store.put_document(doc, chunks_of(doc, [(0, 5)]))
        assert store.generation() == 2
        store.delete_document(doc.id)
        assert store.generation() == 3

    def test_chunks_that_do_not_match_the_text_are_refused(self, store: SourceStore) -> None:
        doc = make_document()
        bad = Chunk(id="x", document=doc.id, text="not the text", start=0, end=5)
        with pytest.raises(ValueError, match="differs"):
            store.put_document(doc, [bad])
        foreign = Chunk(id="y", document="other.txt", text=TEXT[0:5], start=0, end=5)
        with pytest.raises(ValueError, match="belongs to"):
            store.put_document(doc, [foreign])
        assert store.get_document(doc.id) is None
        assert store.generation() == 0

    def test_failed_write_rolls_back_the_whole_document(self, store: SourceStore) -> None:
        doc = make_document()
        store.put_document(doc, chunks_of(doc, [(0, 5)]), file_record=record("/c/a.txt", doc.id))
        newer = make_document(text=TEXT + " more")
        broken: FileRecord = {**record("/c/a.txt", doc.id, "d2"), "size": "not a number"}  # type: ignore[typeddict-item]
        with pytest.raises(ValueError):
            store.put_document(newer, chunks_of(newer, [(0, 5), (7, 20)]), file_record=broken)
        assert store.get_text(doc.id) == TEXT
        assert store.chunk_ids() == {"a.txt#0"}
        file = store.get_file("/c/a.txt")
        assert file is not None and file["content_hash"] == "d1"
        assert store.generation() == 1

    def test_manifest_rows_are_written_with_the_document(self, store: SourceStore) -> None:
        doc = make_document()
        store.put_document(doc, chunks_of(doc, [(0, 5)]), file_record=record("/c/a.txt", doc.id))
        file = store.get_file("/c/a.txt")
        assert file is not None
        assert (file["document"], file["content_hash"], file["size"]) == ("a.txt", "d1", 10)
        store.put_file(record("/c/b.txt", "b.txt", "d9"))
        assert [f["path"] for f in store.files()] == ["/c/a.txt", "/c/b.txt"]
        assert store.delete_file("/c/b.txt") is True
        assert store.delete_file("/c/b.txt") is False
        assert store.get_file("/c/b.txt") is None

    def test_concurrent_readers_see_whole_documents(self, store: SourceStore) -> None:
        versions = [TEXT.replace("Budapest", f"City{n:03d}") for n in range(40)]
        first = make_document(text=versions[0])
        store.put_document(first, chunks_of(first, [(0, 5), (7, 45)]))
        errors: list[str] = []
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                text = store.get_text("a.txt")
                chunks = store.get_chunks(["a.txt#0", "a.txt#1"])
                if text not in versions or len(chunks) != 2:
                    errors.append(f"torn read: {text!r} {sorted(chunks)}")

        readers = [threading.Thread(target=read) for _ in range(6)]
        for thread in readers:
            thread.start()
        for text in versions[1:]:
            doc = make_document(text=text)
            store.put_document(doc, chunks_of(doc, [(0, 5), (7, 45)]))
        stop.set()
        for thread in readers:
            thread.join(timeout=10)
        assert errors == []
        assert store.generation() == 40
        assert store.get_text("a.txt") == versions[-1]

    def test_killed_writer_leaves_the_previous_version(
        self, open_database: OpenDatabase, store: SourceStore
    ) -> None:
        doc = make_document()
        store.put_document(doc, chunks_of(doc, [(0, 5)]))
        # A child process starts replacing the document and is killed mid-transaction.
        url = store.database.url.render_as_string(hide_password=False)
        script = textwrap.dedent(
            f"""
            import os
            import sqlalchemy as sa
            from vectorstore.database import Database
            database = Database(sa.engine.make_url({url!r}))
            with database.write() as db:
                db.execute(sa.text("DELETE FROM chunks WHERE document = 'a.txt'"))
                db.execute(sa.text("UPDATE documents SET text = 'half written' WHERE id = 'a.txt'"))
                os._exit(9)
            """
        )
        result = subprocess.run([sys.executable, "-c", script], timeout=60)
        assert result.returncode == 9
        reopened = SourceStore(open_database())
        assert reopened.get_text("a.txt") == TEXT
        assert reopened.chunk_ids() == {"a.txt#0"}

    def test_schema_is_migrated_once_and_reopening_keeps_it(
        self, open_database: OpenDatabase
    ) -> None:
        first = open_database()
        assert first.schema_version() == SCHEMA_VERSION
        again = open_database()  # migrating an up-to-date database is a no-op
        assert again.migrate() == SCHEMA_VERSION
        with again.read() as db:
            rows = db.execute(sa.text("SELECT count(*) FROM schema_migrations")).scalar_one()
        assert rows == SCHEMA_VERSION

    def test_answer_candidates_and_their_vectors_round_trip(self, store: SourceStore) -> None:
        doc = make_document()
        vectors = bytes(range(256)) * 3  # any bytes: float16 rows for two candidates
        chunk = Chunk(
            id="a.txt#0",
            document=doc.id,
            text=TEXT[7:61],
            start=7,
            end=61,
            candidates=(Candidate(7, 42, "sentence"), Candidate(43, 61, "list_intro")),
            vectors=vectors,
        )
        store.put_document(doc, [chunk])
        [stored] = store.all_chunks()
        assert stored.candidates == chunk.candidates
        assert stored.vectors == vectors
        assert store.get_chunks([chunk.id])[chunk.id].vectors == vectors
        plain = chunks_of(doc, [(0, 5)], tag="p")[0]
        store.put_document(doc, [plain])
        assert store.all_chunks()[0].candidates == () and store.all_chunks()[0].vectors == b""

    def test_a_version_1_database_is_migrated_in_place(self, open_database: OpenDatabase) -> None:
        old = open_database()
        doc = make_document()
        SourceStore(old).put_document(doc, chunks_of(doc, [(0, 5)]))
        with old.write() as db:  # back to what schema version 1 had
            db.execute(sa.text("ALTER TABLE chunks DROP COLUMN candidates"))
            db.execute(sa.text("ALTER TABLE chunks DROP COLUMN vectors"))
            db.execute(sa.text("DELETE FROM schema_migrations WHERE version > 1"))
        old.close()
        migrated = open_database()
        assert migrated.schema_version() == SCHEMA_VERSION
        store = SourceStore(migrated)
        assert store.get_text(doc.id) == TEXT
        assert [c.candidates for c in store.all_chunks()] == [()]
        cut = Chunk("a.txt#1", doc.id, TEXT[7:20], 7, 20, candidates=(Candidate(7, 20),))
        store.put_document(doc, [cut], file_record=record("/c/a.txt", doc.id))
        assert store.all_chunks()[0].candidates == (Candidate(7, 20),)

    def test_ingest_lock_makes_a_second_holder_wait(self, open_database: OpenDatabase) -> None:
        first, second = SourceStore(open_database()), SourceStore(open_database())
        order: list[str] = []
        entered = threading.Event()

        def hold() -> None:
            with first.ingest_lock():
                order.append("first in")
                entered.set()
                time.sleep(0.5)
                order.append("first out")

        holder = threading.Thread(target=hold)
        holder.start()
        assert entered.wait(10)
        started = time.monotonic()
        with second.ingest_lock():
            waited = time.monotonic() - started
            order.append("second in")
        holder.join(10)
        assert order == ["first in", "first out", "second in"]
        assert waited >= 0.3

    # -- conversations ------------------------------------------------------------------

    def test_first_exchange_creates_the_conversation(
        self, conversations: ConversationStore
    ) -> None:
        conversation_id = conversations.new_id()
        assert not conversations.exists(conversation_id)
        conversations.add_exchange(conversation_id, "Who?", answer("Mara.", "Mara Lindqvist"))
        assert conversations.exists(conversation_id)
        stored = conversations.get(conversation_id)
        assert [t["role"] for t in stored["turns"]] == ["user", "assistant"]
        assert stored["turns"][1]["citations"][0]["quote"] == "Mara Lindqvist"
        assert stored["turns"][1]["answer"]["answer"] == "Mara. [1]"

    def test_history_is_oldest_first_and_bounded(self, open_database: OpenDatabase) -> None:
        store = ConversationStore(open_database(), max_history_turns=4)
        conversation_id = store.new_id()
        for i in range(3):
            store.add_exchange(conversation_id, f"q{i}", answer(f"a{i}"))
        history = store.history(conversation_id)
        assert [(t.role, t.content) for t in history] == [
            ("user", "q1"),
            ("assistant", "a1"),
            ("user", "q2"),
            ("assistant", "a2"),
        ]

    def test_unknown_conversation_raises_not_found(self, conversations: ConversationStore) -> None:
        with pytest.raises(NotFoundError):
            conversations.require("missing")
        with pytest.raises(NotFoundError):
            conversations.get("missing")
        assert conversations.history("missing") == []

    def test_a_conversation_is_continued_through_another_handle(
        self, open_database: OpenDatabase
    ) -> None:
        first = ConversationStore(open_database())
        conversation_id = first.create()
        first.add_exchange(conversation_id, "q", answer("a", "quote"))
        first.close()
        again = ConversationStore(open_database())
        again.add_exchange(conversation_id, "q2", answer("a2"))
        assert [t.content for t in again.history(conversation_id)] == ["q", "a [1]", "q2", "a2"]

    def test_concurrent_writers_do_not_lose_or_interleave_turns(
        self, open_database: OpenDatabase
    ) -> None:
        stores = [ConversationStore(open_database()) for _ in range(2)]
        conversation_id = stores[0].create()

        def write(n: int) -> None:
            for i in range(20):
                stores[n % 2].add_exchange(conversation_id, f"{n}-{i}", answer(f"{n}-{i}"))

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        turns = stores[0].get(conversation_id)["turns"]
        assert len(turns) == 160
        pairs = [(turns[i], turns[i + 1]) for i in range(0, 160, 2)]
        assert all(
            q["role"] == "user" and a["role"] == "assistant" and q["content"] == a["content"]
            for q, a in pairs
        )

    def test_negative_history_bound_is_rejected(self, open_database: OpenDatabase) -> None:
        with pytest.raises(ValueError, match="max_history_turns"):
            ConversationStore(open_database(), max_history_turns=-1)

    # -- feedback -----------------------------------------------------------------------

    def test_feedback_from_every_surface_lands_in_one_store(
        self, open_database: OpenDatabase, conversations: ConversationStore
    ) -> None:
        conversations.add_feedback("up", source="web", turn=1, comment="great")
        slack = FeedbackStore(open_database())
        answer_id = slack.remember("Who?", answer("Mara.", "Mara"), "C1")
        assert slack.record(answer_id, "down", "U1", "C1") is True
        assert slack.record(answer_id, "up", "U1", "C1") is True  # a changed vote replaces
        assert slack.record(answer_id, "up", "U2", "C1") is True
        assert slack.record("unknown", "up", "U1", "C1") is False
        assert conversations.count_feedback() == slack.count() == 4
        votes = [v for v in slack.votes() if v["answer_id"] == answer_id]
        assert sorted((v["user"], v["vote"]) for v in votes) == [("U1", "up"), ("U2", "up")]
        assert {v["question"] for v in votes} == {"Who?"}
        assert {v["answer"] for v in votes} == {"Mara. [1]"}


class TestSQLiteStorage(StorageContract):
    """The embedded default: SQLite in the data dir."""

    @pytest.fixture
    def open_database(self, tmp_path: Path) -> OpenDatabase:
        return lambda: Database.open(None, tmp_path)

    def test_the_data_dir_holds_one_database_file(self, tmp_path: Path) -> None:
        store = SourceStore(tmp_path)
        assert store.path == tmp_path / "verbatim.sqlite3"
        assert store.path.is_file()
        with sqlite3.connect(store.path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_rejects_a_file_as_data_dir(self, tmp_path: Path) -> None:
        target = tmp_path / "file"
        target.write_text("x")
        with pytest.raises(ValueError, match="not a directory"):
            SourceStore(target)


@pytest.mark.distributed
@pytest.mark.server
class TestPostgresStorage(StorageContract):
    """PostgreSQL past one machine: a real server started by the tests, a database per test."""

    @pytest.fixture
    def open_database(self, postgres: PostgresServer, tmp_path: Path) -> OpenDatabase:
        url = postgres.create_database()
        return lambda: Database.open(url, tmp_path)

    def test_the_data_dir_stays_empty(self, open_database: OpenDatabase, tmp_path: Path) -> None:
        store = SourceStore(open_database())
        doc = make_document()
        store.put_document(doc, chunks_of(doc, [(0, 5)]))
        with store.ingest_lock():
            pass
        assert store.path is None
        assert list(tmp_path.iterdir()) == []

    def test_an_unreachable_server_is_a_storage_error(self, tmp_path: Path) -> None:

        from vectorstore import StorageUnavailableError

        url = f"postgresql://verbatim@127.0.0.1:{free_port()}/nothing"
        with pytest.raises(StorageUnavailableError, match=r"127\.0\.0\.1"):
            Database.open(url, tmp_path)


def test_database_url_must_name_postgresql(tmp_path: Path) -> None:
    from qa.errors import ConfigError
    from qa.settings import Settings

    with pytest.raises(ConfigError, match="VERBATIM_DATABASE_URL"):
        Settings(data_dir=tmp_path, database_url="mysql://user@host/db")
    assert Settings(data_dir=tmp_path, database_url="").database_url is None
    url = "postgresql://verbatim:pw-4d9e1c@db:5432/verbatim"
    settings = Settings(data_dir=tmp_path, database_url=url)
    assert "pw-4d9e1c" not in repr(settings)
