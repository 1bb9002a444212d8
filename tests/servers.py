"""A real uvicorn server on a free loopback port, for end-to-end and browser tests.

Loaded as a plugin (``pytest_plugins = ["servers"]``) so the session-scoped ``api_server``
fixture is shared by every module that uses it: one server, one loaded model, the sample corpus
ingested once (by the ``sample`` fixture of conftest.py).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from qa.api import create_app
from qa.components import Components


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running server's address."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(app: FastAPI, timeout_s: float = 60.0) -> Iterator[LiveServer]:
    """Run ``app`` under uvicorn in a thread until the block ends."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        live = LiveServer("127.0.0.1", port)
        httpx.get(f"{live.url}/healthz", timeout=5).raise_for_status()
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def api_server(sample: Components) -> Iterator[LiveServer]:
    """The API over the ingested sample corpus, served by real uvicorn on loopback."""
    with serve(create_app(sample.settings, components=sample)) as live:
        yield live
