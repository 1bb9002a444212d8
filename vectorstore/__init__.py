"""Embeddings, the Chroma collection, the BM25 index and the storage layer (SQLite or PostgreSQL).

The bottom layer: ``ingest`` and ``qa`` import it; it imports neither.
"""

from vectorstore.database import Database, StorageUnavailableError
from vectorstore.dense import DenseIndex
from vectorstore.embeddings import Embedder, default_model_path
from vectorstore.lexical import LexicalIndex
from vectorstore.sources import FileRecord, SourceStore
from vectorstore.store import ChromaStore, StoreUnavailableError, make_chroma_client
from vectorstore.types import Block, Candidate, Chunk, Document, Gap, Section, Span

__all__ = [
    "Block",
    "Candidate",
    "ChromaStore",
    "Chunk",
    "Database",
    "DenseIndex",
    "Document",
    "Embedder",
    "FileRecord",
    "Gap",
    "LexicalIndex",
    "Section",
    "SourceStore",
    "Span",
    "StorageUnavailableError",
    "StoreUnavailableError",
    "default_model_path",
    "make_chroma_client",
]
