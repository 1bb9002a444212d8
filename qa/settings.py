"""The one settings object, read from ``VERBATIM_*`` environment variables and ``.env``.

Only entry points (CLI commands, ``create_app``) call :func:`get_settings`; everything else takes
explicit constructor arguments.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from qa.errors import ConfigError

# Offline by default: no code path may reach a model hub or phone home.
for _name, _value in (
    ("HF_HUB_OFFLINE", "1"),
    ("TRANSFORMERS_OFFLINE", "1"),
    ("ANONYMIZED_TELEMETRY", "False"),
    ("TOKENIZERS_PARALLELISM", "false"),
    ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
    ("TRANSFORMERS_VERBOSITY", "error"),
):
    os.environ.setdefault(_name, _value)


class ChromaSettings(BaseModel):
    """Where the vectors live: embedded in the data dir, or a ``chroma run`` server."""

    url: str | None = None
    host: str | None = None
    port: int = 8000
    # Connect timeout, and the bound on the first heartbeat.
    timeout_s: float = Field(5.0, gt=0)
    # How long one request to a Chroma server may take: a server that hangs makes /v1/ask and
    # /readyz answer 503 after this long instead of holding a worker thread for minutes.
    read_timeout_s: float = Field(15.0, gt=0)

    @property
    def mode(self) -> Literal["embedded", "http"]:
        """``http`` when a server is configured, else ``embedded``."""
        return "http" if (self.url or self.host) else "embedded"


class ChunkingSettings(BaseModel):
    """Chunk sizes, counted in the embedding model's word pieces."""

    max_tokens: int = Field(200, ge=16, le=254)
    overlap_sentences: int = Field(0, ge=0, le=3)


class EmbeddingSettings(BaseModel):
    """The sentence-transformers model; ``None`` means the packaged all-MiniLM-L6-v2."""

    model_path: str | None = None
    batch_size: int = Field(32, ge=1, le=512)
    device: str = "cpu"
    # Ingest's forward pass: "auto" is bfloat16 on CPUs that multiply it natively (1.8x faster,
    # vectors within cosine 0.9999 of float32), float32 elsewhere. Queries stay float32.
    precision: Literal["auto", "float32", "bfloat16"] = "auto"
    # What runs that forward pass: "auto" is ONNX Runtime over a fused export of the model
    # (float32, ~1.2x faster than PyTorch's float32) where bfloat16 is not used, else PyTorch.
    runtime: Literal["auto", "torch", "onnx"] = "auto"
    # Where the exported model is cached; None is ~/.cache/verbatim/onnx ($XDG_CACHE_HOME).
    onnx_cache_dir: Path | None = None


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: dense and BM25 candidate counts, fusion, final evidence count."""

    top_k: int = Field(6, ge=1, le=50)
    candidates: int = Field(20, ge=1, le=200)
    rrf_k: int = Field(60, ge=1)
    # Dense search is exact up to this many chunks (~1.5 KB of memory each per process) and
    # Chroma's approximate HNSW search past it; 0 always uses HNSW.
    exact_max_chunks: int = Field(100_000, ge=0)


class LLMSettings(BaseModel):
    """The ``chat_model`` backend: an OpenAI-compatible endpoint or Ollama."""

    provider: Literal["openai", "ollama"] = "openai"
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr = SecretStr("not-needed")
    timeout_s: float = 30.0
    max_retries: int = 1
    temperature: float = 0.0
    fallback_to_extractive: bool = False


class SlackSettings(BaseModel):
    """Slack bot credentials and behaviour."""

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_url: str | None = None
    slash_response: Literal["ephemeral", "in_channel"] = "ephemeral"
    # Channel ids where every message is answered, not only mentions (needs message.channels).
    listen_channels: list[str] = Field(default_factory=list)
    # Socket Mode: how often the connection is checked (a dropped socket is reopened then).
    ping_interval_s: float = Field(10.0, gt=0, le=300)


class Settings(BaseSettings):
    """All of Verbatim's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="VERBATIM_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Path(".verbatim")
    # PostgreSQL shared by replicas (postgresql://USER:PASSWORD@HOST:PORT/DB); unset: SQLite in
    # the data dir.
    database_url: SecretStr | None = None
    corpus_dir: Path = Path("corpus")
    backend: str = "extractive"
    max_question_chars: int = Field(2000, ge=10)
    max_body_bytes: int = Field(1_000_000, ge=1024)
    max_upload_bytes: int = Field(20_000_000, ge=1024)
    # Lists read from the environment as JSON ('["a","b"]') or comma-separated ("a,b").
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    admin_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(600, ge=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)

    @field_validator("api_keys", "admin_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if (
            self.backend == "chat_model"
            and not self.llm.base_url
            and self.llm.provider == "openai"
            and not os.environ.get("OPENAI_API_KEY")
            and self.llm.api_key.get_secret_value() in ("", "not-needed")
        ):
            raise ConfigError(
                "The chat_model backend needs an endpoint: set VERBATIM_LLM__BASE_URL "
                "(or OPENAI_API_KEY for api.openai.com)."
            )
        if self.database_url is not None:
            url = self.database_url.get_secret_value().strip()
            scheme = url.split("://", 1)[0].lower() if "://" in url else ""
            if scheme not in ("postgresql", "postgres", "postgresql+psycopg", "sqlite"):
                raise ConfigError(
                    "VERBATIM_DATABASE_URL must be a PostgreSQL URL such as "
                    "postgresql://USER:PASSWORD@HOST:5432/DBNAME (or unset it to use SQLite in "
                    "the data dir)."
                )
        if self.retrieval.top_k > self.retrieval.candidates:
            raise ConfigError(
                "VERBATIM_RETRIEVAL__TOP_K must not exceed VERBATIM_RETRIEVAL__CANDIDATES."
            )
        embedding = self.embedding
        if embedding.runtime == "onnx" and (
            embedding.precision == "bfloat16" or embedding.device != "cpu"
        ):
            raise ConfigError(
                "VERBATIM_EMBEDDING__RUNTIME=onnx runs float32 on the CPU: set "
                "VERBATIM_EMBEDDING__PRECISION to float32 or auto and VERBATIM_EMBEDDING__DEVICE "
                "to cpu, or the runtime to torch or auto."
            )
        if self.admin_keys and not self.api_keys:
            # Admin keys alone would leave /v1/ask open while ingest is locked: say so.
            raise ConfigError(
                "VERBATIM_ADMIN_KEYS is set but VERBATIM_API_KEYS is not; set both or neither."
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
