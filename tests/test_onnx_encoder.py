"""Ingest's forward pass through ONNX Runtime, against PyTorch with the real packaged model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ConfigError
from qa.settings import Settings
from vectorstore import Embedder, default_model_path
from vectorstore.embeddings import bfloat16_is_native
from vectorstore.onnx_encoder import OnnxEncoder, cached_path, onnx_available

pytestmark = pytest.mark.skipif(not onnx_available(), reason="onnx / onnxruntime not installed")

TEXTS = [
    "The treaty was signed in Budapest in 1994. Bake the bread for forty minutes.",
    "Security assurances were given in exchange for the nuclear arsenal.",
    "Short.",
]
SPANS = [[(0, 42), (43, 76)], [(0, 8)], []]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding one export of the packaged model (exported once per module)."""
    cache = tmp_path_factory.mktemp("onnx-cache")
    OnnxEncoder(default_model_path(), cache)
    return cache


def test_onnx_vectors_match_pytorch_float32(onnx_cache: Path) -> None:
    fast = Embedder(runtime="onnx", onnx_cache_dir=onnx_cache)
    exact = Embedder(runtime="torch", precision="float32")
    assert fast.onnx_encoder is not None
    assert exact.onnx_encoder is None
    fast_vectors, fast_spans = fast.embed_with_spans(TEXTS, SPANS)
    exact_vectors, exact_spans = exact.embed_with_spans(TEXTS, SPANS)
    for got, want in zip(fast_vectors, exact_vectors, strict=True):
        assert float(np.dot(got, want)) > 0.99999
    for got_spans, want_spans in zip(fast_spans, exact_spans, strict=True):
        assert got_spans.shape == want_spans.shape
        if len(want_spans):
            assert float((got_spans * want_spans).sum(axis=1).min()) > 0.99999


def test_export_is_cached_and_reused(onnx_cache: Path) -> None:
    path = cached_path(Path(default_model_path()), onnx_cache)
    assert path.is_file()
    before = path.stat().st_mtime_ns
    encoder = OnnxEncoder(default_model_path(), onnx_cache)
    assert encoder.path == path
    assert path.stat().st_mtime_ns == before  # loaded, not exported again


def test_damaged_cache_file_is_exported_again(tmp_path: Path) -> None:
    path = cached_path(Path(default_model_path()), tmp_path)
    path.write_bytes(b"not an onnx model")
    encoder = OnnxEncoder(default_model_path(), tmp_path)
    assert path.stat().st_size > 1_000_000
    ids = np.array([[101, 7592, 2088, 102, 0]])
    hidden = encoder.hidden({"input_ids": ids, "attention_mask": (ids > 0).astype(np.int64)})
    assert hidden.shape == (1, 5, 384)
    assert np.isfinite(hidden).all()


def test_auto_runtime_falls_back_to_pytorch_when_the_export_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("the cache directory cannot be created under a file")
    embedder = Embedder(onnx_cache_dir=blocker / "cache")
    with caplog.at_level(logging.WARNING, logger="vectorstore.embeddings"):
        assert embedder.onnx_encoder is None
    vectors, _ = embedder.embed_with_spans(TEXTS[:1], SPANS[:1])
    assert len(vectors[0]) == 384
    if not bfloat16_is_native():
        assert "ONNX Runtime unavailable" in caplog.text
    with pytest.raises(RuntimeError, match="cannot run the model with ONNX Runtime"):
        _ = Embedder(runtime="onnx", onnx_cache_dir=blocker / "cache").onnx_encoder


def test_runtime_choice_follows_device_and_precision() -> None:
    assert Embedder(runtime="torch").onnx_encoder is None
    assert Embedder(precision="bfloat16").onnx_encoder is None
    assert Embedder(device="cuda:0").onnx_encoder is None
    with pytest.raises(ValueError, match="runtime 'onnx' runs float32"):
        Embedder(runtime="onnx", precision="bfloat16")
    with pytest.raises(ValueError, match="runtime must be one of"):
        Embedder(runtime="gpu")  # type: ignore[arg-type]


def test_settings_name_the_variables_of_an_impossible_runtime(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VERBATIM_EMBEDDING__RUNTIME"):
        Settings(data_dir=tmp_path, embedding={"runtime": "onnx", "precision": "bfloat16"})


def test_ingest_runtime_names_what_runs_the_forward_pass(onnx_cache: Path) -> None:
    assert Embedder(runtime="onnx", onnx_cache_dir=onnx_cache).ingest_runtime == "onnx"
    assert Embedder(runtime="torch", precision="float32").ingest_runtime == "torch-float32"
    assert Embedder(runtime="torch", precision="bfloat16").ingest_runtime == "torch-bfloat16"


def test_embedders_of_one_model_share_one_onnx_session(onnx_cache: Path) -> None:
    first = Embedder(runtime="onnx", onnx_cache_dir=onnx_cache).onnx_encoder
    assert first is not None
    assert Embedder(runtime="onnx", onnx_cache_dir=onnx_cache).onnx_encoder is first


class RecordingProgress:
    """An ``IngestProgress`` that records what ingest told it, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self, total_chunks: int, total_files: int) -> None:
        self.events.append("start")

    def note(self, message: str) -> None:
        self.events.append(f"note: {message}")

    def advance(self, chunks: int) -> None:
        if self.events[-1] != "advance":
            self.events.append("advance")

    def finish(self) -> None:
        self.events.append("finish")


@pytest.mark.model
def test_ingest_says_when_it_first_exports_the_model(tmp_path: Path) -> None:
    from qa.components import build

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "bread.txt").write_text("Bake the bread for forty minutes at 200 degrees.\n")
    cache = tmp_path / "onnx-cache"
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus_dir=corpus,
        embedding={"runtime": "onnx", "onnx_cache_dir": cache},
    )
    assert Embedder(runtime="torch", onnx_cache_dir=cache).ingest_export_pending is False
    first = RecordingProgress()
    assert build(settings).pipeline().run([corpus], progress=first).ok
    assert first.events[0].startswith("note: ") and "once per machine" in first.events[0]
    assert first.events[1:] == ["start", "advance", "finish"]
    assert cached_path(Path(default_model_path()), cache).is_file()
    # The export is cached: a later ingest (another process would see the same file) says nothing.
    assert Embedder(runtime="onnx", onnx_cache_dir=cache).ingest_export_pending is False
    (corpus / "river.txt").write_text("The river floods every spring after the snow melts.\n")
    again = RecordingProgress()
    assert build(settings).pipeline().run([corpus], progress=again).ok
    assert again.events == ["start", "advance", "finish"]
