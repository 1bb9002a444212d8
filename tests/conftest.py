"""Shared fixtures: real model, real Chroma, the sample corpus ingested once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from qa.components import Components, build
from qa.settings import Settings

pytest_plugins = ["conftest_vectorstore", "pg_server"]

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "corpus"
CORPUS_B = REPO / "tests" / "data" / "corpus_b"


def make_settings(data_dir: Path, corpus: Path = SAMPLE_CORPUS, **extra: object) -> Settings:
    """Settings for a test: its own data dir, no environment."""
    return Settings(data_dir=data_dir, corpus_dir=corpus, **extra)  # type: ignore[arg-type]


def ingested(data_dir: Path, corpus: Path) -> Components:
    """Components over ``data_dir`` with ``corpus`` ingested."""
    parts = build(make_settings(data_dir, corpus))
    report = parts.pipeline().run([corpus])
    assert report.ok, report.failed
    return parts


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Components]:
    """The sample article, ingested once for the whole session."""
    yield ingested(tmp_path_factory.mktemp("sample"), SAMPLE_CORPUS)


@pytest.fixture(scope="session")
def corpus_b(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Components]:
    """The second test corpus (another topic, its own truncated list), ingested once."""
    if not CORPUS_B.exists():
        pytest.skip("tests/data/corpus_b is missing")
    yield ingested(tmp_path_factory.mktemp("corpus_b"), CORPUS_B)
