"""ChromaStore contract, run against embedded Chroma and a real ``chroma run`` server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.api import ClientAPI
from chromadb.errors import InternalError

from vectorstore import (
    ChromaStore,
    Chunk,
    Embedder,
    StoreUnavailableError,
    make_chroma_client,
)
from vectorstore.store import retry_when_busy

TEXTS = {
    "a.txt": "The 1994 Budapest Memorandum gave Ukraine security assurances.",
    "b.txt": "Preheat the oven to 200 degrees and bake the bread for forty minutes.",
    "c.txt": "The football match ended in a draw after extra time.",
}


def make_chunks() -> list[Chunk]:
    return [
        Chunk(id=f"{doc}#0", document=doc, text=text, start=0, end=len(text), section="S")
        for doc, text in TEXTS.items()
    ]


@pytest.fixture(scope="module")
def chunks_and_vectors(embedder: Embedder) -> tuple[list[Chunk], list[list[float]]]:
    chunks = make_chunks()
    return chunks, embedder.embed_documents([c.text for c in chunks])


@pytest.fixture(scope="session")
def embedded_client(tmp_path_factory: pytest.TempPathFactory) -> ClientAPI:
    return make_chroma_client(tmp_path_factory.mktemp("embedded"))


@pytest.fixture(scope="session")
def server_client(chroma_server: Any) -> ClientAPI:
    return make_chroma_client(None, url=chroma_server.url, timeout_s=5.0)


@pytest.fixture(
    params=["embedded", pytest.param("server", marks=pytest.mark.server)],
)
def store(request: pytest.FixtureRequest, embedder: Embedder) -> Iterator[ChromaStore]:
    """A fresh collection (unique prefix) on each backend."""
    client = request.getfixturevalue(f"{request.param}_client")
    store = ChromaStore(client, embedder, collection_prefix=f"t{uuid.uuid4().hex[:12]}")
    yield store
    store.reset()


class TestChromaStoreContract:
    """Behaviour every Chroma backend must share."""

    def test_starts_empty(self, store: ChromaStore) -> None:
        assert store.count() == 0
        assert store.ids() == set()
        assert store.heartbeat() is True
        assert store.collection_name.endswith("-all-minilm-l6-v2-384")

    def test_query_returns_nearest_chunk_first(
        self,
        store: ChromaStore,
        embedder: Embedder,
        chunks_and_vectors: tuple[list[Chunk], list[list[float]]],
    ) -> None:
        store.upsert(*chunks_and_vectors)
        results = store.query(embedder.embed_query("How long should bread bake?"), k=3)
        assert results[0][0] == "b.txt#0"
        assert len(results) == 3
        similarities = [s for _, s in results]
        assert similarities == sorted(similarities, reverse=True)
        assert 0.3 < similarities[0] <= 1.0 + 1e-6

    def test_exact_vector_has_similarity_one(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        chunks, vectors = chunks_and_vectors
        store.upsert(chunks, vectors)
        [(chunk_id, similarity)] = store.query(vectors[2], k=1)
        assert chunk_id == "c.txt#0"
        assert similarity == pytest.approx(1.0, abs=1e-4)

    def test_where_filters_by_metadata(
        self,
        store: ChromaStore,
        embedder: Embedder,
        chunks_and_vectors: tuple[list[Chunk], list[list[float]]],
    ) -> None:
        store.upsert(*chunks_and_vectors)
        results = store.query(embedder.embed_query("bread"), k=3, where={"document": "c.txt"})
        assert [chunk_id for chunk_id, _ in results] == ["c.txt#0"]

    def test_vectors_are_read_back_in_the_order_asked(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        chunks, vectors = chunks_and_vectors
        store.upsert(chunks, vectors)
        store._batch_size = 2  # pages
        found, matrix = store.vectors(["c.txt#0", "never-existed", "a.txt#0", "b.txt#0"])
        assert found == ["c.txt#0", "a.txt#0", "b.txt#0"]
        assert matrix.shape == (3, store.embedder.dimension)
        assert np.allclose(matrix[0], vectors[2], atol=1e-6)
        assert np.allclose(matrix[1], vectors[0], atol=1e-6)
        empty_ids, empty = store.vectors([])
        assert empty_ids == [] and empty.shape == (0, store.embedder.dimension)

    def test_upsert_is_idempotent(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        store.upsert(*chunks_and_vectors)
        store.upsert(*chunks_and_vectors)
        assert store.count() == 3
        assert store.ids() == {"a.txt#0", "b.txt#0", "c.txt#0"}

    def test_delete_removes_chunks(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        chunks, vectors = chunks_and_vectors
        store.upsert(chunks, vectors)
        store.delete(["a.txt#0", "never-existed"])
        store.delete([])
        assert store.ids() == {"b.txt#0", "c.txt#0"}
        assert store.count() == 2
        assert "a.txt#0" not in {i for i, _ in store.query(vectors[0], k=3)}

    def test_many_chunks_are_upserted_listed_and_deleted_in_batches(
        self, store: ChromaStore
    ) -> None:
        store._batch_size = 64  # well below Chroma's limit, so every method pages
        dimension = store.embedder.dimension
        chunks = [
            Chunk(id=f"n#{i}", document="n", text=f"t{i}", start=0, end=2, index=i)
            for i in range(300)
        ]
        vectors = [
            [1.0 if j == i % dimension else 0.0 for j in range(dimension)] for i in range(300)
        ]
        store.upsert(chunks, vectors)
        assert store.count() == 300
        assert store.ids() == {c.id for c in chunks}
        store.delete([c.id for c in chunks[:150]])
        assert store.ids() == {c.id for c in chunks[150:]}

    def test_reset_empties_the_collection(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        store.upsert(*chunks_and_vectors)
        store.reset()
        assert store.count() == 0
        store.upsert(*chunks_and_vectors)
        assert store.count() == 3

    def test_collections_are_separate_per_prefix(
        self,
        store: ChromaStore,
        embedder: Embedder,
        chunks_and_vectors: tuple[list[Chunk], list[list[float]]],
    ) -> None:
        other = ChromaStore(store.client, embedder, collection_prefix=f"o{uuid.uuid4().hex[:12]}")
        try:
            store.upsert(*chunks_and_vectors)
            assert other.count() == 0
        finally:
            other.reset()

    def test_langchain_view_shares_the_collection(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        store.upsert(*chunks_and_vectors)
        [doc] = store.as_langchain().similarity_search("Budapest Memorandum", k=1)
        assert doc.page_content == TEXTS["a.txt"]
        assert doc.metadata["document"] == "a.txt"
        assert doc.metadata["end"] == len(TEXTS["a.txt"])

    def test_rejects_mismatched_input(
        self, store: ChromaStore, chunks_and_vectors: tuple[list[Chunk], list[list[float]]]
    ) -> None:
        chunks, vectors = chunks_and_vectors
        with pytest.raises(ValueError, match="embeddings"):
            store.upsert(chunks, vectors[:2])
        with pytest.raises(ValueError, match="dimensions"):
            store.upsert(chunks[:1], [[0.1, 0.2]])
        with pytest.raises(ValueError, match="unique"):
            store.upsert([chunks[0], chunks[0]], [vectors[0], vectors[0]])
        with pytest.raises(ValueError, match="k must be"):
            store.query(vectors[0], k=0)


def test_invalid_prefix_is_rejected(embedded_client: ClientAPI, embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="collection_prefix"):
        ChromaStore(embedded_client, embedder, collection_prefix="bad name!")


def test_embedded_client_lives_in_the_data_dir(tmp_path: Path, embedder: Embedder) -> None:
    store = ChromaStore(make_chroma_client(tmp_path), embedder, collection_prefix="dd")
    assert (tmp_path / "chroma").is_dir()
    assert "embedded" in store.location


def test_make_chroma_client_needs_a_location() -> None:
    with pytest.raises(ValueError, match="data_dir"):
        make_chroma_client(None)
    with pytest.raises(ValueError, match="URL"):
        make_chroma_client(None, url="ftp://example")


def test_unreachable_server_fails_fast(unused_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match="unavailable"):
        make_chroma_client(None, url=f"http://127.0.0.1:{unused_port}", timeout_s=2.0)
    assert time.monotonic() - started < 5


@pytest.mark.server
def test_store_reports_unavailable_when_server_dies(
    start_chroma: Callable[[], Any],
    embedder: Embedder,
    chunks_and_vectors: tuple[list[Chunk], list[list[float]]],
) -> None:
    server = start_chroma()
    try:
        client = make_chroma_client(None, host=server.host, port=server.port, timeout_s=2.0)
        store = ChromaStore(client, embedder, collection_prefix="doomed")
        store.upsert(*chunks_and_vectors)
        assert store.count() == 3
    finally:
        server.stop()
    started = time.monotonic()
    assert store.heartbeat() is False
    with pytest.raises(StoreUnavailableError, match=r"Chroma server at 127\.0\.0\.1"):
        store.query(chunks_and_vectors[1][0], k=1)
    with pytest.raises(StoreUnavailableError):
        store.count()
    assert time.monotonic() - started < 10


def test_collections_search_wide_and_build_on_one_thread(
    tmp_path: Path,
    embedder: Embedder,
    chunks_and_vectors: tuple[list[Chunk], list[list[float]]],
) -> None:
    client = make_chroma_client(tmp_path / "data")
    # A collection made before these settings existed (Chroma's defaults) is switched on open.
    name = f"old-{embedder.model_name}-{embedder.dimension}"
    client.create_collection(name, configuration={"hnsw": {"space": "cosine"}})
    before: Any = client.get_collection(name).configuration.get("hnsw")
    assert before["ef_search"] == 100  # Chroma's default
    old = ChromaStore(client, embedder, collection_prefix="old")
    assert old.collection_name == name
    old.upsert(*chunks_and_vectors)
    new = ChromaStore(client, embedder, collection_prefix="new")
    for store in (old, new):
        hnsw: Any = client.get_collection(store.collection_name).configuration.get("hnsw")
        assert hnsw["ef_search"] == 1000
        assert hnsw.get("num_threads", 1) == 1


def test_a_locked_embedded_database_is_retried_then_reported() -> None:
    calls: list[int] = []

    def busy_twice() -> str:
        calls.append(1)
        if len(calls) <= 2:
            raise InternalError("Database error: (code: 5) database is locked")
        return "done"

    assert retry_when_busy(busy_twice) == "done"
    assert len(calls) == 3

    def always_busy() -> None:
        raise InternalError("Database error: (code: 5) database is locked")

    started = time.monotonic()
    with pytest.raises(InternalError, match="database is locked"):
        retry_when_busy(always_busy, attempts=3)
    assert time.monotonic() - started < 1.0  # 0.05 s + 0.1 s of waiting

    other: list[int] = []

    def broken() -> None:
        other.append(1)
        raise InternalError("Database error: no such table")

    with pytest.raises(InternalError, match="no such table"):
        retry_when_busy(broken)
    assert other == [1]  # not a lock: not retried
