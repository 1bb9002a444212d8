"""The SQLite source store: round trips, atomic replacement, generations, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from vectorstore import Chunk, Document, Gap, Section, SourceStore, Span
from vectorstore.sources import FileRecord

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


@pytest.fixture
def store(tmp_path: Path) -> SourceStore:
    return SourceStore(tmp_path)


def test_document_and_chunks_round_trip(store: SourceStore) -> None:
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
    assert summary["chunks"] == 2
    assert summary["gaps"] == 1
    assert summary["content_hash"] == doc.content_hash


def test_unknown_document_is_none(store: SourceStore) -> None:
    assert store.get_document("nope") is None
    assert store.get_text("nope") is None
    assert store.delete_document("nope") == []


def test_store_survives_reopening(tmp_path: Path) -> None:
    doc = make_document()
    first = SourceStore(tmp_path)
    first.put_document(doc, chunks_of(doc, [(0, 5)]))
    first.close()
    again = SourceStore(tmp_path)
    assert again.get_document(doc.id) == doc
    assert again.generation() == 1
    assert (tmp_path / "sources.sqlite3").is_file()


def test_replacing_a_document_returns_only_stale_chunk_ids(store: SourceStore) -> None:
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


def test_delete_document_removes_its_chunks_only(store: SourceStore) -> None:
    a, b = make_document("a.txt"), make_document("b.txt")
    store.put_document(a, chunks_of(a, [(0, 5), (7, 20)]))
    store.put_document(b, chunks_of(b, [(0, 5)]))
    assert sorted(store.delete_document("a.txt")) == ["a.txt#0", "a.txt#1"]
    assert store.chunk_ids() == {"b.txt#0"}
    assert [d["id"] for d in store.list_documents()] == ["b.txt"]


def test_generation_bumps_on_every_document_write(store: SourceStore) -> None:
    doc = make_document()
    assert store.generation() == 0
    store.put_document(doc, chunks_of(doc, [(0, 5)]))
    assert store.generation() == 1
    store.put_document(doc, chunks_of(doc, [(0, 5)]))
    assert store.generation() == 2
    store.delete_document(doc.id)
    assert store.generation() == 3


def test_chunks_that_do_not_match_the_text_are_refused(store: SourceStore) -> None:
    doc = make_document()
    bad = Chunk(id="x", document=doc.id, text="not the text", start=0, end=5)
    with pytest.raises(ValueError, match="differs"):
        store.put_document(doc, [bad])
    foreign = Chunk(id="y", document="other.txt", text=TEXT[0:5], start=0, end=5)
    with pytest.raises(ValueError, match="belongs to"):
        store.put_document(doc, [foreign])
    assert store.get_document(doc.id) is None
    assert store.generation() == 0


def test_failed_write_rolls_back_the_whole_document(store: SourceStore) -> None:
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


def test_manifest_rows_are_written_with_the_document(store: SourceStore) -> None:
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


def test_concurrent_readers_see_whole_documents(store: SourceStore) -> None:
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


def test_killed_writer_leaves_the_previous_version(tmp_path: Path) -> None:
    store = SourceStore(tmp_path)
    doc = make_document()
    store.put_document(doc, chunks_of(doc, [(0, 5)]))
    # A child process starts replacing the document and is killed mid-transaction.
    script = textwrap.dedent(
        f"""
        import os, sqlite3
        db = sqlite3.connect({str(store.path)!r}, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM chunks WHERE document = 'a.txt'")
        db.execute("UPDATE documents SET text = 'half written' WHERE id = 'a.txt'")
        os._exit(9)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert result.returncode == 9
    reopened = SourceStore(tmp_path)
    assert reopened.get_text("a.txt") == TEXT
    assert reopened.chunk_ids() == {"a.txt#0"}
    with sqlite3.connect(reopened.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rejects_a_file_as_data_dir(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        SourceStore(target)
