"""Turning files into documents and chunks with exact offsets, and the incremental ingest job."""

from ingest.analyze import analyze_document, analyze_loaded
from ingest.candidates import answer_candidates
from ingest.chunking import Chunker, chunk_id, split_sentences
from ingest.cleaning import find_boilerplate, find_caption
from ingest.gaps import detect_gaps
from ingest.loaders import SUPPORTED_SUFFIXES, LoadedFile, LoadError, iter_files, load_file
from ingest.pipeline import IngestPipeline, IngestProgress, IngestReport
from ingest.structure import find_sections, section_at, section_holding

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunker",
    "IngestPipeline",
    "IngestProgress",
    "IngestReport",
    "LoadError",
    "LoadedFile",
    "analyze_document",
    "analyze_loaded",
    "answer_candidates",
    "chunk_id",
    "detect_gaps",
    "find_boilerplate",
    "find_caption",
    "find_sections",
    "iter_files",
    "load_file",
    "section_at",
    "section_holding",
    "split_sentences",
]
