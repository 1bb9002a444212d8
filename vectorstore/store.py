"""The dense index: one Chroma collection per embedding model, over a client passed in.

The client is either embedded (``chromadb.PersistentClient`` under the data dir, the default)
or a Chroma server (``chromadb.HttpClient``); ``make_chroma_client`` builds either one, once per
process. Chroma never embeds anything itself here: vectors come from our ``Embedder``, because
Chroma's default embedding function would try to download a model.

Errors:

    StoreUnavailableError   the Chroma server cannot be reached (the API maps it to HTTP 503)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings
from chromadb.errors import InternalError, NotFoundError

from vectorstore.embeddings import Embedder
from vectorstore.types import Chunk

if TYPE_CHECKING:
    from langchain_chroma import Chroma

_PREFIX = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
# One HNSW thread: a graph built (or replayed from Chroma's log) by several threads differs from
# run to run, and so would the nearest chunks, the answers and a retrained model.  Insertion is a
# negligible part of ingest (the model's forward pass is nearly all of it).
_HNSW_THREADS = 1
# Candidates explored per query.  With Chroma's default (100) two graphs built from the same
# FastAPI vectors returned different 20 nearest chunks for 6 of 36 questions, so a retrained
# model depended on the build.  Missed of the exact 20 nearest over those questions (720): 19 at
# 128, 7 at 256, 4 at 512, 1 at 1000, for +1 ms a query on 3,925 chunks (2.2 ms -> 3.2 ms; the
# question's embedding is ~15 ms).
_HNSW_EF_SEARCH = 1000
_HNSW_MUTABLE: dict[str, int] = {"num_threads": _HNSW_THREADS, "ef_search": _HNSW_EF_SEARCH}
_COLLECTION_CONFIGURATION: Any = {"hnsw": {"space": "cosine", **_HNSW_MUTABLE}}
_UPDATE_CONFIGURATION: Any = {"hnsw": dict(_HNSW_MUTABLE)}
# Embedded Chroma's SQLite answers "database is locked" (SQLITE_BUSY) while another writer holds
# it for a moment; every collection call is retried this many times, waiting a little longer
# each time (reads, upserts and deletes by id can all be repeated safely).
_BUSY_ATTEMPTS = 6
_BUSY_FIRST_WAIT_S = 0.05
_T = TypeVar("_T")


def retry_when_busy(call: Callable[[], _T], attempts: int = _BUSY_ATTEMPTS) -> _T:
    """``call()``, retried while embedded Chroma reports its database locked (about 1.5 s in
    all); any other error, or the last attempt's, is raised as it is."""
    wait = _BUSY_FIRST_WAIT_S
    for _ in range(attempts - 1):
        try:
            return call()
        except InternalError as exc:
            if "database is locked" not in str(exc):
                raise
        time.sleep(wait)
        wait *= 2
    return call()


class StoreUnavailableError(Exception):
    """The vector store (a Chroma server) cannot be reached."""


def _settings() -> Settings:
    # Every client in the process must share identical settings: Chroma caches one system per
    # path/host and refuses a second client with different settings.
    return Settings(anonymized_telemetry=False)


def make_chroma_client(
    data_dir: Path | None,
    url: str | None = None,
    host: str | None = None,
    port: int = 8000,
    timeout_s: float = 5.0,
    read_timeout_s: float = 60.0,
) -> ClientAPI:
    """Create the process's Chroma client: a server client when ``url``/``host`` is given.

    Args:
        data_dir: The data directory; the embedded database lives in ``data_dir / "chroma"``.
        url: A Chroma server URL such as ``http://127.0.0.1:8000`` (wins over ``host``).
        host: A Chroma server host name, used with ``port``.
        port: The Chroma server port when ``host`` is given.
        timeout_s: Connect timeout for a server, and the bound on the first heartbeat.
        read_timeout_s: How long to wait for a server's answer to one request.

    Raises:
        ValueError: No location was given, or the URL is malformed.
        StoreUnavailableError: The server does not answer.
    """
    if timeout_s <= 0 or read_timeout_s <= 0:
        raise ValueError("timeout_s and read_timeout_s must be positive")
    if url is None and host is None:
        if data_dir is None:
            raise ValueError("give data_dir for an embedded Chroma, or url/host for a server")
        path = Path(data_dir) / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_settings())

    ssl = False
    if url is not None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not a Chroma server URL: {url!r}")
        ssl = parts.scheme == "https"
        host = parts.hostname
        port = parts.port or (443 if ssl else port)
    assert host is not None
    if not 0 < port < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    base = f"{'https' if ssl else 'http'}://{host}:{port}"
    # chromadb's HTTP session has no timeout at all; probe first so an unreachable server fails
    # within timeout_s instead of hanging in the client's constructor.
    try:
        httpx.get(f"{base}/api/v2/heartbeat", timeout=timeout_s).raise_for_status()
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
    except (httpx.HTTPError, OSError, ValueError) as exc:
        raise StoreUnavailableError(f"Chroma server at {base} is unavailable: {exc}") from exc
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(read_timeout_s, connect=timeout_s)
    return client


def _describe(client: ClientAPI) -> str:
    settings = client.get_settings()
    if settings.chroma_server_host:
        return f"Chroma server at {settings.chroma_server_host}:{settings.chroma_server_http_port}"
    return f"embedded Chroma at {settings.persist_directory}"


class ChromaStore:
    """Chunk vectors in one cosine-space Chroma collection named after the embedding model."""

    def __init__(
        self, client: ClientAPI, embedder: Embedder, collection_prefix: str = "verbatim"
    ) -> None:
        """Bind to (and create if needed) the collection for ``embedder``.

        Args:
            client: A Chroma client from :func:`make_chroma_client` (or any ``ClientAPI``).
            embedder: The embedder whose vectors this collection holds.
            collection_prefix: First part of the collection name; one collection per prefix.

        Raises:
            ValueError: The prefix would make an invalid collection name.
            StoreUnavailableError: The Chroma server cannot be reached.
        """
        if not isinstance(client, ClientAPI):
            raise TypeError(f"client must be a chromadb client, got {type(client).__name__}")
        if not isinstance(embedder, Embedder):
            raise TypeError(f"embedder must be an Embedder, got {type(embedder).__name__}")
        if not _PREFIX.fullmatch(collection_prefix):
            raise ValueError(
                "collection_prefix must start with a letter or digit and contain only "
                f"letters, digits, '.', '_' or '-', got {collection_prefix!r}"
            )
        name = f"{collection_prefix}-{embedder.model_name}-{embedder.dimension}"
        if len(name) > 512:
            raise ValueError(f"collection name too long ({len(name)} > 512): {name[:40]}...")
        self.client = client
        self.embedder = embedder
        self.collection_name = name
        self.location = _describe(client)
        self._collection: Any = None
        self._batch_size: int | None = None
        self._get_collection()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (httpx.TransportError, OSError) as exc:
            raise StoreUnavailableError(f"{self.location} is unavailable: {exc}") from exc

    def _get_collection(self) -> Any:
        if self._collection is None:
            with self._errors():
                collection = self.client.get_or_create_collection(
                    self.collection_name,
                    configuration=_COLLECTION_CONFIGURATION,
                    embedding_function=None,
                )
                hnsw = collection.configuration.get("hnsw") or {}
                # Chroma's reported configuration leaves out the thread count when it is unset.
                if (
                    hnsw.get("ef_search") != _HNSW_EF_SEARCH
                    or hnsw.get("num_threads", _HNSW_THREADS) != _HNSW_THREADS
                ):
                    # Made before these settings existed: both are mutable.
                    retry_when_busy(lambda: collection.modify(configuration=_UPDATE_CONFIGURATION))
                self._collection = collection
        return self._collection

    def _call(self, method: str, **kwargs: Any) -> Any:
        """Call a collection method, re-binding once if the collection was deleted elsewhere."""
        with self._errors():
            try:
                return retry_when_busy(lambda: getattr(self._get_collection(), method)(**kwargs))
            except NotFoundError:
                self._collection = None
                return retry_when_busy(lambda: getattr(self._get_collection(), method)(**kwargs))

    def _max_batch(self) -> int:
        if self._batch_size is None:
            with self._errors():
                self._batch_size = max(1, int(self.client.get_max_batch_size()))
        return self._batch_size

    def as_langchain(self) -> Chroma:
        """A ``langchain_chroma.Chroma`` over the same client, collection and embedder."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self.client,
            collection_name=self.collection_name,
            embedding_function=self.embedder,
            collection_configuration=_COLLECTION_CONFIGURATION,
        )

    def upsert(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Insert or replace chunks with their vectors (batched to the client's limit)."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        ids = [chunk.id for chunk in chunks]
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique within one upsert")
        for vector in embeddings:
            if len(vector) != self.embedder.dimension:
                raise ValueError(
                    f"embedding has {len(vector)} dimensions, expected {self.embedder.dimension}"
                )
        size = self._max_batch()
        for begin in range(0, len(chunks), size):
            batch = chunks[begin : begin + size]
            self._call(
                "upsert",
                ids=[chunk.id for chunk in batch],
                embeddings=[list(vector) for vector in embeddings[begin : begin + size]],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata() for chunk in batch],
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id; unknown ids are ignored."""
        ids = list(ids)
        size = self._max_batch()
        for begin in range(0, len(ids), size):
            self._call("delete", ids=ids[begin : begin + size])

    def ids(self) -> set[str]:
        """Every chunk id in the collection."""
        found: set[str] = set()
        size = self._max_batch()
        offset = 0
        while True:
            page = self._call("get", include=[], limit=size, offset=offset)["ids"]
            found.update(page)
            if len(page) < size:
                return found
            offset += size

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of ``ids`` as (the ids found, in the order given; a float32
        matrix with one row each), batched to the client's limit; unknown ids are left out."""
        wanted = list(ids)
        found: dict[str, np.ndarray] = {}
        size = self._max_batch()
        for begin in range(0, len(wanted), size):
            page = self._call("get", ids=wanted[begin : begin + size], include=["embeddings"])
            rows = np.asarray(page["embeddings"], dtype=np.float32)
            for chunk_id, row in zip(page["ids"], rows, strict=True):
                found[chunk_id] = row
        present = [chunk_id for chunk_id in wanted if chunk_id in found]
        if not present:
            return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return present, np.vstack([found[chunk_id] for chunk_id in present])

    def count(self) -> int:
        """Number of chunks in the collection."""
        return int(self._call("count"))

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks as ``(chunk id, cosine similarity)``, most similar first."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if len(embedding) != self.embedder.dimension:
            raise ValueError(
                f"query has {len(embedding)} dimensions, expected {self.embedder.dimension}"
            )
        result = self._call(
            "query",
            query_embeddings=[list(embedding)],
            n_results=k,
            where=where,
            include=["distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        distances = (result.get("distances") or [[]])[0]
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(ids, distances, strict=True)
        ]

    def heartbeat(self) -> bool:
        """True when the Chroma backend answers."""
        try:
            self.client.heartbeat()
        except Exception:
            return False
        return True

    def reset(self) -> None:
        """Delete the collection; the next call starts from an empty one."""
        with self._errors(), suppress(NotFoundError):
            self.client.delete_collection(self.collection_name)
        self._collection = None

    def __repr__(self) -> str:
        return f"ChromaStore({self.collection_name!r}, {self.location})"
