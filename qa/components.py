"""Wiring: build the long-lived parts once per process from a :class:`Settings`.

Entry points (CLI, ``create_app``, the Slack runner, the eval runner) call :func:`build`;
everything below takes explicit arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ConfigError, DatabaseUnavailableError, IndexNotReadyError
from qa.settings import Settings
from vectorstore.dense import DenseIndex

if TYPE_CHECKING:
    from ingest.pipeline import IngestPipeline
    from qa.answerability import AnswerabilityModel
    from qa.chain import VerbatimChain
    from vectorstore import ChromaStore, Embedder, LexicalIndex, SourceStore
    from vectorstore.database import Database


@dataclass
class Components:
    """The process's shared parts: one model, one Chroma client, one chain."""

    settings: Settings
    embedder: Embedder
    store: ChromaStore
    sources: SourceStore
    lexical: LexicalIndex
    dense: DenseIndex = field(default_factory=DenseIndex)
    _chain: VerbatimChain | None = field(default=None, repr=False)
    _backends: dict[str, VerbatimChain] = field(default_factory=dict, repr=False)

    def chain(
        self, backend: str | None = None, *, model: AnswerabilityModel | None = None
    ) -> VerbatimChain:
        """The answer chain (one per backend name, built on first use).

        ``model`` replaces the committed answerability model (training uses an untrained one).
        """
        name = backend or self.settings.backend
        if model is not None:
            return _build_chain(self, name, model)
        if name not in self._backends:
            self._backends[name] = _build_chain(self, name)
        return self._backends[name]

    def pipeline(self) -> IngestPipeline:
        """An ingest pipeline over the same store, sources and model."""
        from ingest.chunking import Chunker
        from ingest.pipeline import IngestPipeline

        chunker = Chunker(
            self.embedder.count_tokens,
            max_tokens=self.settings.chunking.max_tokens,
            overlap_sentences=self.settings.chunking.overlap_sentences,
        )
        return IngestPipeline(
            embedder=self.embedder,
            store=self.store,
            sources=self.sources,
            lexical=self.lexical,
            chunker=chunker,
        )

    def ready(self) -> dict[str, Any]:
        """Readiness facts: chunks committed and whether Chroma answers.

        Raises:
            IndexNotReadyError: the database cannot be reached.
        """
        chroma_ok = self.store.heartbeat()
        chunks = count_chunks(self.sources)
        return {"ready": chroma_ok and chunks > 0, "chroma": chroma_ok, "chunks": chunks}


def count_chunks(sources: SourceStore) -> int:
    """The committed chunk count, a database outage reported as :class:`IndexNotReadyError`."""
    from vectorstore.database import StorageUnavailableError

    try:
        return sources.count_chunks()
    except StorageUnavailableError as exc:
        raise DatabaseUnavailableError.wrap(exc) from exc


def open_database(settings: Settings) -> Database:
    """The process's database for ``settings`` (PostgreSQL, or SQLite in the data dir).

    One engine per URL and data dir per process, so the API, the Slack bot and the stores share
    one connection pool.

    Raises:
        ConfigError: the URL is not a supported database.
        IndexNotReadyError: the database cannot be reached (or migrated) right now.
    """
    url = settings.database_url.get_secret_value() if settings.database_url else None
    return _open_database(url, Path(settings.data_dir).resolve())


@lru_cache(maxsize=32)
def _open_database(url: str | None, data_dir: Path) -> Database:
    from vectorstore.database import Database, StorageUnavailableError

    try:
        return Database.open(url, data_dir)
    except ValueError as exc:
        raise ConfigError(f"VERBATIM_DATABASE_URL: {exc}") from exc
    except StorageUnavailableError as exc:
        raise DatabaseUnavailableError.wrap(exc) from exc


def build(settings: Settings) -> Components:
    """Create the client, the stores and the (lazily loaded) embedding model."""
    from vectorstore import ChromaStore, Embedder, LexicalIndex, SourceStore, make_chroma_client
    from vectorstore.store import StoreUnavailableError

    data_dir = Path(settings.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the data dir {data_dir}: {exc}") from exc
    embedder = Embedder(
        settings.embedding.model_path,
        device=settings.embedding.device,
        batch_size=settings.embedding.batch_size,
        precision=settings.embedding.precision,
        runtime=settings.embedding.runtime,
        onnx_cache_dir=settings.embedding.onnx_cache_dir,
    )
    try:
        client = make_chroma_client(
            data_dir,
            url=settings.chroma.url,
            host=settings.chroma.host,
            port=settings.chroma.port,
            timeout_s=settings.chroma.timeout_s,
            read_timeout_s=settings.chroma.read_timeout_s,
        )
        store = ChromaStore(client, embedder)
    except StoreUnavailableError as exc:
        raise IndexNotReadyError(f"Chroma is unreachable: {exc}") from exc
    database = open_database(settings)
    # Past one machine (a shared database) each replica keeps its lexical index in memory and
    # rebuilds it when the committed generation moves: the data dir holds nothing to share.
    lexical_path = None if settings.database_url else data_dir / "bm25"
    return Components(
        settings=settings,
        embedder=embedder,
        store=store,
        sources=SourceStore(database),
        lexical=LexicalIndex(lexical_path),
    )


def _build_chain(
    parts: Components, backend_name: str, model: AnswerabilityModel | None = None
) -> VerbatimChain:
    from qa.answerability import load_model
    from qa.backends import create_backend
    from qa.chain import VerbatimChain
    from qa.policy import AnswerDecider
    from qa.retrieval import HybridRetriever
    from qa.signals import CorpusStats, SentenceScorer

    settings = parts.settings
    stats = CorpusStats(parts.sources)
    scorer = SentenceScorer(parts.embedder, stats, max_chunks=settings.retrieval.top_k)
    retriever = HybridRetriever(
        embedder=parts.embedder,
        store=parts.store,
        lexical=parts.lexical,
        sources=parts.sources,
        top_k=settings.retrieval.top_k,
        candidates=settings.retrieval.candidates,
        rrf_k=settings.retrieval.rrf_k,
        dense=parts.dense,
        exact_max_chunks=settings.retrieval.exact_max_chunks,
    )
    return VerbatimChain(
        retriever=retriever,
        scorer=scorer,
        decider=AnswerDecider(scorer, stats, model or load_model()),
        backend=create_backend(backend_name, settings, scorer),
        sources=parts.sources,
        max_question_chars=settings.max_question_chars,
    )
