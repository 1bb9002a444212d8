"""Ingest's forward pass through ONNX Runtime, for CPUs without native bfloat16.

On such CPUs PyTorch runs MiniLM in float32 eagerly, one operator at a time. ONNX Runtime runs
the same float32 arithmetic with BERT's attention, GELU and layer norms fused into single kernels
(onnxruntime's own transformer optimizer): the forward pass takes about 0.85 of PyTorch's time
here and its hidden states stay within 1e-4 of PyTorch's (see docs/benchmarks.md).

The model is exported from the packaged weights once (``torch.onnx``, eager attention so the
padding mask is traced as arithmetic, not as one batch's shape), fused, and cached in a directory
keyed by the weights and the library versions, so every later process loads the cached file. A
cached file that does not load is exported again. :func:`shared_encoder` opens one session per
process per model, as ``vectorstore.embeddings`` loads one PyTorch model.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17

_ENCODERS: dict[tuple[Path, Path], OnnxEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def onnx_available() -> bool:
    """True when both the exporter's ``onnx`` and ``onnxruntime`` can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/verbatim/onnx`` (``~/.cache/verbatim/onnx`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim" / "onnx"


@functools.lru_cache(maxsize=8)
def model_key(model_path: Path) -> str:
    """A digest of the model's weights and config and of the exporting libraries' versions
    (computed once per process and model: the packaged weights do not change under it)."""
    import onnxruntime
    import torch

    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = model_path / name
        if path.is_file():
            digest.update(name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    digest.update(f"torch {torch.__version__} ort {onnxruntime.__version__} {OPSET}".encode())
    return digest.hexdigest()[:16]


def cached_path(model_path: Path, cache_dir: Path) -> Path:
    """Where the fused export of the model in ``model_path`` is kept inside ``cache_dir``."""
    return cache_dir / f"{model_path.name or 'model'}-{model_key(model_path)}.onnx"


def _encoder_key(model_path: str | Path, cache_dir: str | Path | None) -> tuple[Path, Path]:
    return Path(model_path), Path(cache_dir) if cache_dir is not None else default_cache_dir()


def export_pending(model_path: str | Path, cache_dir: str | Path | None = None) -> bool:
    """True when opening the encoder will first export the model (no session, no cached file)."""
    key = _encoder_key(model_path, cache_dir)
    with _ENCODERS_LOCK:
        if key in _ENCODERS:
            return False
    return not cached_path(*key).is_file()


def shared_encoder(model_path: str | Path, cache_dir: str | Path | None = None) -> OnnxEncoder:
    """The process's one encoder of this model and cache directory, opened on first use."""
    key = _encoder_key(model_path, cache_dir)
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = OnnxEncoder(*key)
        return _ENCODERS[key]


class OnnxEncoder:
    """The model's ``last_hidden_state`` for tokenized batches, from a fused ONNX copy."""

    def __init__(self, model_path: str | Path, cache_dir: str | Path | None = None) -> None:
        """Export (or find in ``cache_dir``) the model in ``model_path`` and open a session.

        Args:
            model_path: Directory of the transformer's weights (``config.json`` beside them).
            cache_dir: Where exported models are kept (default: :func:`default_cache_dir`).

        Raises:
            ImportError: ``onnx`` or ``onnxruntime`` is not installed.
            FileNotFoundError: ``model_path`` holds no ``config.json``.
        """
        if not onnx_available():
            raise ImportError("the ONNX runtime needs the packages onnx and onnxruntime")
        self.model_path = Path(model_path)
        if not (self.model_path / "config.json").is_file():
            raise FileNotFoundError(f"no transformer config.json in {self.model_path}")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.path = cached_path(self.model_path, self.cache_dir)
        self._session = self._open()

    def _open(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        threads = _torch_threads()
        if threads:
            options.intra_op_num_threads = threads
        if self.path.is_file():
            try:
                return onnxruntime.InferenceSession(
                    str(self.path), options, providers=["CPUExecutionProvider"]
                )
            except Exception:  # a damaged cache file is exported again
                self.path.unlink(missing_ok=True)
        export_fused(self.model_path, self.path)
        return onnxruntime.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )

    def hidden(self, features: dict[str, np.ndarray]) -> np.ndarray:
        """``last_hidden_state`` (batch, tokens, dimension) for a tokenizer's numpy output."""
        ids = features["input_ids"]
        feed = {
            name: np.ascontiguousarray(features.get(name, np.zeros_like(ids)), dtype=np.int64)
            for name in INPUTS
        }
        result: np.ndarray = self._session.run(None, feed)[0]
        return result


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def export_fused(model_path: Path, target: Path) -> None:
    """Export the transformer in ``model_path`` to ONNX, fuse it, write ``target`` atomically."""
    import torch
    from onnxruntime.transformers import optimizer
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(model_path), local_files_only=True)
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    # PyTorch's answer on a padded probe, taken before the export (tracing leaves the module in a
    # state whose outputs differ); the fused export must reproduce it.
    with torch.no_grad():
        expected = model(**_probe())[0].numpy()
    # Traced on a padded batch: with a mask of all ones, transformers skips building the
    # attention mask, and the trace would keep that shortcut for every batch.
    example = torch.full((2, 16), 1000, dtype=torch.long)
    example_mask = torch.ones_like(example)
    example_mask[1, 9:] = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        raw = Path(work) / "raw.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about Python control flow
            torch.onnx.export(
                _Hidden(model),
                (example, example_mask, torch.zeros_like(example)),
                str(raw),
                input_names=list(INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")
                },
                opset_version=OPSET,
                dynamo=False,
            )
        fused = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
        )
        staged = Path(work) / "fused.onnx"
        fused.save_model_to_file(str(staged))
        _check(expected, staged)
        os.replace(staged, target)


def _probe() -> dict[str, Any]:
    """Three rows of word pieces, two of them padded, as the tokenizer would give them."""
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 2000, (3, 37), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 20:] = 0
    mask[2, 5:] = 0
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}


def _check(expected: np.ndarray, exported: Path, tolerance: float = 1e-3) -> None:
    """Raise unless the exported model's hidden states on the probe match ``expected``."""
    import onnxruntime

    probe = {name: value.numpy() for name, value in _probe().items()}
    session = onnxruntime.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    got = session.run(None, probe)[0]
    real = probe["attention_mask"].astype(bool)
    error = float(np.abs(got[real] - expected[real]).max())
    if error > tolerance:
        raise RuntimeError(
            f"the exported model differs from PyTorch by {error:.2g} (> {tolerance})"
        )
