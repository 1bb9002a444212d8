"""Fixtures for the vectorstore suites: the real model, real Chroma (embedded and a server).

Loaded as a plugin (``pytest_plugins = ["conftest_vectorstore"]``) by the test modules that need
it, so the session-scoped fixtures are shared; meant to be merged into ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from vectorstore import Embedder


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ChromaServer:
    """A ``chroma run`` process on loopback."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Terminate the process and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_chroma_server(data_dir: Path, timeout_s: float = 60.0) -> ChromaServer:
    """Start ``<venv>/bin/chroma run`` on a free port and wait until it answers a heartbeat."""
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip(f"chroma CLI not found next to {sys.executable}")
    port = free_port()
    log = data_dir / "chroma-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(chroma),
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--path",
                str(data_dir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    server = ChromaServer(process=process, host="127.0.0.1", port=port, log=log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{server.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"chroma run did not answer within {timeout_s}s: {log.read_text()}")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return Embedder()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A Chroma server shared by the session's server tests."""
    server = start_chroma_server(tmp_path_factory.mktemp("chroma-server"))
    yield server
    server.stop()


@pytest.fixture
def start_chroma(tmp_path: Path) -> Iterator[Callable[[], ChromaServer]]:
    """Start private Chroma servers (for tests that kill them); all stopped at teardown."""
    servers: list[ChromaServer] = []

    def start() -> ChromaServer:
        servers.append(start_chroma_server(tmp_path / f"chroma-{len(servers)}"))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()
