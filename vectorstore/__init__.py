"""Embeddings, the Chroma collection, the BM25 index and the source-text store.

The bottom layer: ``ingest`` and ``qa`` import it; it imports neither.
"""

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
    "Document",
    "Embedder",
    "FileRecord",
    "Gap",
    "LexicalIndex",
    "Section",
    "SourceStore",
    "Span",
    "StoreUnavailableError",
    "default_model_path",
    "make_chroma_client",
]
