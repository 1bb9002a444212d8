"""Helpers shared by the reliability suites (``tests/test_reliability_*.py``).

Components over a test's own data dir that reuse the session's loaded model, the facts an
"index unchanged" check compares, the error-shape assertion, and a way to report each test's
figure (cases fuzzed, faults injected, requests served) in the pytest output and junit XML.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qa.components import Components

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
UNRELATED = "What is the boiling point of mercury?"
USER_KEY = "rel-user-key-7f3a9c1e5b"
ADMIN_KEY = "rel-admin-key-2d8e4b6a0c"
SLACK_SECRET = "rel-slack-signing-secret-91c4e7"
BOT_TOKEN = "xoxb-rel-bot-token-5d2f8a"
LLM_KEY = "sk-rel-llm-key-3b7e1d"
WRONG_KEY = "rel-wrong-key-presented-6a0f"
# Configured or presented secrets: none may appear in a log line, response or error message.
SECRETS = (USER_KEY, ADMIN_KEY, SLACK_SECRET, BOT_TOKEN, LLM_KEY, WRONG_KEY)


@dataclass(frozen=True)
class IndexFacts:
    """What must not change when a request is rejected."""

    chunks: int
    vectors: int
    documents: tuple[str, ...]
    precedent_citations: tuple[tuple[str, int, int], ...]


def index_facts(parts: Components) -> IndexFacts:
    """Chunk and vector counts, document ids, and the citations of a known answer."""
    answer = parts.chain().ask(PRECEDENT)
    assert not answer.refused, answer
    return IndexFacts(
        chunks=parts.sources.count_chunks(),
        vectors=len(parts.store.ids()),
        documents=tuple(sorted(d["id"] for d in parts.sources.list_documents())),
        precedent_citations=tuple((c.document, c.start, c.end) for c in answer.citations),
    )


def citation_key(answer: dict[str, Any]) -> tuple[tuple[str, int, int, str], ...]:
    """The citations of an Answer JSON as comparable tuples."""
    return tuple((c["document"], c["start"], c["end"], c["quote"]) for c in answer["citations"])


def assert_no_secret(text: str, where: str) -> None:
    """None of the configured or presented secrets appears in ``text``."""
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


def report_figure(record_property: Callable[[str, object], None], **figures: object) -> None:
    """Print the test's figures (shown with ``-s`` or ``-rA``) and record them in junit XML."""
    for name, value in figures.items():
        record_property(name, value)
    print("FIGURE " + " ".join(f"{k}={v}" for k, v in figures.items()))


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc/PID/status."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
    if match is None:
        pytest.skip("VmRSS is not available in /proc")
    return int(match.group(1))


def freeze_process(pid: int, timeout_s: float = 10.0) -> None:
    """SIGSTOP ``pid`` and wait until every thread of it is stopped: the signal is delivered
    asynchronously, and on a loaded machine a thread may answer one more request first."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = [
            (task / "stat").read_text().rsplit(") ", 1)[1][:1]
            for task in Path(f"/proc/{pid}/task").iterdir()
        ]
        if all(state in "Tt" for state in states):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} did not stop within {timeout_s} s")
