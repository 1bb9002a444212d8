"""The measurements: ingest, ceiling, LangChain baseline, re-ingest, answers, HTTP, growth,
PDF layout reading.

Every function takes explicit paths and returns plain dicts of figures (seconds, milliseconds,
counts), so ``benchmarks.__main__`` can put them side by side and compute the ratios.
"""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import load
from benchmarks.questions import make_questions
from qa.components import Components, build
from qa.settings import Settings
from vectorstore import DenseIndex

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank."""
    return load.percentile(values, q)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def markdown_files(corpus: Path) -> list[Path]:
    """The corpus's Markdown and text files, sorted by path."""
    return sorted(p for p in corpus.rglob("*") if p.suffix in {".md", ".txt"} and p.is_file())


def subset(corpus: Path, count: int, target: Path) -> Path:
    """Copy ``count`` files spread over the corpus's size range (smaller half) into ``target``."""
    files = sorted(markdown_files(corpus), key=lambda p: (p.stat().st_size, str(p)))
    pool = files[: max(count, len(files) * 2 // 3)]
    step = max(1, len(pool) // count)
    chosen = pool[::step][:count]
    for path in chosen:
        dest = target / path.relative_to(corpus)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return target


def replicate(corpus: Path, factor: int, target: Path) -> Path:
    """``factor`` copies of ``corpus`` under distinct folder names (so distinct document ids)."""
    for i in range(factor):
        shutil.copytree(corpus, target / f"copy{i}")
    return target


def one_page(corpus: Path, target: Path) -> Path:
    """The corpus's Markdown and text files joined into one page, ``target/all.md``: a single
    document with every heading and list of the corpus, as reference sites publish (Node.js's
    ``all.html``)."""
    target.mkdir(parents=True, exist_ok=True)
    texts = [path.read_text(encoding="utf-8").strip() for path in markdown_files(corpus)]
    (target / "all.md").write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return target


def machine_facts() -> dict[str, Any]:
    """What the figures were measured on."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def components(data_dir: Path, **overrides: Any) -> Components:
    """The product's components over ``data_dir`` (the model is shared per process)."""
    settings = Settings(data_dir=data_dir, rate_limit_per_minute=0, **overrides)
    parts = build(settings)
    parts.embedder.load()
    return parts


def measure_model_load() -> dict[str, Any]:
    """Seconds to import torch and load the packaged model (paid once per process)."""
    from vectorstore import Embedder

    started = time.perf_counter()
    Embedder().load()
    return {"model_load_s": round(time.perf_counter() - started, 2)}


def measure_ingest(parts: Components, corpus: Path) -> dict[str, Any]:
    """One full ingest of ``corpus`` into an empty data dir, the model already loaded."""
    # Read before the clock starts: it opens the ONNX session (and exports the model once per
    # machine), which like loading the weights is not ingest time.
    runtime = parts.embedder.ingest_runtime
    started = time.perf_counter()
    report = parts.pipeline().run([corpus])
    seconds = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"ingest failed: {report.failed[:3]}")
    return {
        "ingest_s": round(seconds, 2),
        "runtime": runtime,
        "documents": report.documents,
        "chunks": report.chunks,
        "documents_per_s": round(report.documents / seconds, 2),
        "chunks_per_s": round(report.chunks / seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def measure_pdf_layout(paths: list[Path], rounds: int = 3) -> dict[str, Any]:
    """Seconds to read the PDFs' pages as pypdf extracts their text, and as
    :func:`ingest.pdf.read_page` does (the same extraction with the layout read: paragraph
    breaks, line styles), in alternating rounds; best round of each."""
    import io

    from pypdf import PdfReader

    from ingest.pdf import read_page

    data = [path.read_bytes() for path in paths]

    def plain() -> None:
        for raw in data:
            for page in PdfReader(io.BytesIO(raw)).pages:
                page.extract_text()

    def layout() -> None:
        for raw in data:
            for page in PdfReader(io.BytesIO(raw)).pages:
                read_page(page)

    times: dict[str, list[float]] = {"plain": [], "layout": []}
    for index in range(2 * rounds):
        name, read = ("plain", plain) if index % 2 == 0 else ("layout", layout)
        started = time.perf_counter()
        read()
        times[name].append(time.perf_counter() - started)
    pages = sum(len(PdfReader(io.BytesIO(raw)).pages) for raw in data)
    return {
        "pdf_files": [str(path) for path in paths],
        "pdf_pages": pages,
        "pdf_plain_s": round(min(times["plain"]), 3),
        "pdf_layout_s": round(min(times["layout"]), 3),
    }


def measure_ceiling(parts: Components) -> dict[str, Any]:
    """The same model encoding the same chunk texts, alone (sentence-transformers' own batching)."""
    texts = [chunk.text for chunk in parts.sources.all_chunks()]
    model = parts.embedder.langchain._client
    batch_size = parts.settings.embedding.batch_size
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    tokens = parts.embedder.count_tokens(texts)
    return {
        "ceiling_s": round(seconds, 2),
        "ceiling_chunks_per_s": round(len(texts) / seconds, 2),
        "chunk_tokens_mean": round(statistics.fmean(tokens), 1) if tokens else 0.0,
        "chunk_tokens_max": max(tokens, default=0),
    }


def measure_langchain(corpus: Path, work: Path, model_path: str) -> dict[str, Any]:
    """The pipeline a LangChain user writes first: 1000/200 character splits, HF embeddings."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    embeddings = HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True},
    )
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    docs = [
        Document(page_content=path.read_text(encoding="utf-8"), metadata={"source": str(path)})
        for path in markdown_files(corpus)
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    splits = splitter.split_documents(docs)
    client = chromadb.PersistentClient(
        path=str(work / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    Chroma.from_documents(splits, embeddings, client=client, collection_name="baseline")
    seconds = time.perf_counter() - started
    tokens = embeddings._client.tokenizer([d.page_content for d in splits])["input_ids"]
    over = sum(1 for ids in tokens if len(ids) > 256)
    return {
        "langchain_s": round(seconds, 2),
        "langchain_model_load_s": round(load_s, 2),
        "langchain_chunks": len(splits),
        "langchain_chunks_over_window": over,
    }


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from qa.cli import main; main()", *args]


def measure_reingest(parts: Components, corpus: Path, data_dir: Path) -> dict[str, Any]:
    """Ingest the unchanged corpus again: in this process, then as a fresh CLI process."""
    started = time.perf_counter()
    report = parts.pipeline().run([corpus])
    seconds = time.perf_counter() - started
    if report.embedded:
        raise RuntimeError(f"re-ingest of an unchanged corpus embedded {report.embedded} chunks")
    started = time.perf_counter()
    subprocess.run(
        _cli("ingest", str(corpus), "--data-dir", str(data_dir), "--json"),
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    process_s = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import qa.cli, vectorstore, ingest.pipeline"],
        cwd=REPO,
        check=True,
    )
    imports_s = time.perf_counter() - started
    return {
        "reingest_s": round(seconds, 3),
        "reingest_process_s": round(process_s, 2),
        "process_startup_s": round(imports_s, 2),
    }


def measure_answers(parts: Components, count: int, seed: int = 7) -> dict[str, Any]:
    """Warm, in-process ``chain.ask`` latency on ``count`` distinct questions vs raw retrieval."""
    chunks = parts.sources.all_chunks()
    questions = make_questions(chunks, count, seed=seed)
    chain = parts.chain("extractive")
    for question in make_questions(chunks, 5, seed=seed + 1000):
        chain.ask(question)
    ask_ms: list[float] = []
    refused = 0
    for question in questions:
        started = time.perf_counter()
        answer = chain.ask(question)
        ask_ms.append((time.perf_counter() - started) * 1000)
        refused += bool(answer.refused)
    model = parts.embedder.langchain
    candidates = parts.settings.retrieval.candidates
    retrieval_ms: list[float] = []
    vectors: list[list[float]] = []
    for question in questions:
        started = time.perf_counter()
        vectors.append(model.embed_query(question))
        parts.store.query(vectors[-1], candidates)
        retrieval_ms.append((time.perf_counter() - started) * 1000)
    ask_p50 = statistics.median(ask_ms)
    retrieval_p50 = statistics.median(retrieval_ms)
    return {
        **measure_dense_search(parts, vectors, candidates),
        "questions": len(questions),
        "distinct": len(set(questions)),
        "refused": refused,
        "ask_p50_ms": round(ask_p50, 2),
        "ask_p95_ms": round(percentile(ask_ms, 95), 2),
        "retrieval_p50_ms": round(retrieval_p50, 2),
        "retrieval_p95_ms": round(percentile(retrieval_ms, 95), 2),
        "ask_vs_retrieval": round(ask_p50 / retrieval_p50, 2),
    }


def measure_dense_search(
    parts: Components, vectors: list[list[float]], candidates: int
) -> dict[str, Any]:
    """Exact dense search (the in-memory index the retriever uses) against Chroma's HNSW search
    on the same query vectors, alternating, and the exact index's build from Chroma's vectors."""
    started = time.perf_counter()
    index = DenseIndex()
    index.load(parts.store, parts.sources.chunk_ids(), generation=0)
    build_s = time.perf_counter() - started
    exact_ms: list[float] = []
    hnsw_ms: list[float] = []
    same = 0
    for vector in vectors:
        started = time.perf_counter()
        exact = index.search(vector, candidates)
        exact_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        approximate = parts.store.query(vector, candidates)
        hnsw_ms.append((time.perf_counter() - started) * 1000)
        same += {c for c, _ in exact} == {c for c, _ in approximate}
    exact_p50 = statistics.median(exact_ms)
    hnsw_p50 = statistics.median(hnsw_ms)
    return {
        "dense_index_chunks": len(index),
        "dense_index_build_s": round(build_s, 3),
        "dense_exact_p50_ms": round(exact_p50, 3),
        "dense_hnsw_p50_ms": round(hnsw_p50, 3),
        "exact_vs_hnsw": round(exact_p50 / hnsw_p50, 3),
        "hnsw_same_neighbours": round(same / max(1, len(vectors)), 3),
    }


def measure_http(corpus: Path, requests: int, time_limit_s: float) -> dict[str, Any]:
    """``POST /v1/ask`` through uvicorn on loopback at 1, 8 and 32 concurrent clients."""
    with tempfile.TemporaryDirectory(prefix="verbatim-bench-http-") as tmp:
        data_dir = Path(tmp) / "data"
        load.ensure_ingested(data_dir, corpus)
        with load.server(data_dir) as url:
            levels = asyncio.run(load.run_all(url, [1, 8, 32], requests, time_limit_s))
    result: dict[str, Any] = {"http_levels": [asdict(level) for level in levels]}
    for level in levels:
        c = level.concurrency
        result[f"http_rps_c{c}"] = level.rps
        result[f"http_p50_ms_c{c}"] = level.p50_ms
        result[f"http_p95_ms_c{c}"] = level.p95_ms
    result["http_errors"] = sum(level.errors for level in levels)
    return result


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder removed afterwards (even when a measurement fails)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
