"""Verbatim's answer layer: settings, errors, the chain and its adapters.

Light names are imported eagerly; the chain and components (which pull in the model stack) are
resolved on first access so ``import qa`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from qa.errors import (
    AuthError,
    BackendError,
    ConfigError,
    DatasetError,
    ForbiddenError,
    IndexNotReadyError,
    IngestError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitError,
    VerbatimError,
)
from qa.settings import Settings, get_settings
from qa.types import Answer, Citation, Turn

_LAZY = {
    "VerbatimChain": "qa.chain",
    "Components": "qa.components",
    "build": "qa.components",
    "HybridRetriever": "qa.retrieval",
    "AnswerDecider": "qa.policy",
    "create_backend": "qa.backends",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "Answer",
    "AnswerDecider",
    "AuthError",
    "BackendError",
    "Citation",
    "Components",
    "ConfigError",
    "DatasetError",
    "ForbiddenError",
    "HybridRetriever",
    "IndexNotReadyError",
    "IngestError",
    "InvalidRequestError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitError",
    "Settings",
    "Turn",
    "VerbatimChain",
    "VerbatimError",
    "build",
    "create_backend",
    "get_settings",
]
