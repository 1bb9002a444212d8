"""Shared fixtures: the real model, real Chroma (embedded and a server), the sample corpus
ingested once per session, and the API served by real uvicorn on loopback.

Helpers (settings, components, servers, the exactness check) live in ``helpers.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from fake_slack import (
    SOCKET_APP_TOKEN,
    SOCKET_BOT_TOKEN,
    SocketModeBot,
    running_fake_slack,
    running_fake_socket_mode,
)
from helpers import (
    CORPUS_B,
    SAMPLE_CORPUS,
    VENV_BIN,
    ChromaServer,
    ChromaUnavailable,
    LiveServer,
    PostgresServer,
    PostgresUnavailable,
    free_port,
    ingested,
    running_postgres,
    serve,
    start_chroma_server,
    stop_process,
    subprocess_env,
)

from qa.api import create_app
from qa.components import Components
from vectorstore import Embedder

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
PAGE_TIMEOUT_MS = 20_000


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


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once per test session."""
    return Embedder()


@pytest.fixture(scope="session")
def api_server(sample: Components) -> Iterator[LiveServer]:
    """The API over the ingested sample corpus, served by real uvicorn on loopback."""
    with serve(create_app(sample.settings, components=sample)) as live:
        yield live


def _start_chroma(data_dir: Path) -> ChromaServer:
    try:
        return start_chroma_server(data_dir)
    except ChromaUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A Chroma server shared by the session's server tests."""
    server = _start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield server
    server.stop()


@pytest.fixture
def start_chroma(tmp_path: Path) -> Iterator[Callable[[], ChromaServer]]:
    """Start private Chroma servers (for tests that kill them); all stopped at teardown."""
    servers: list[ChromaServer] = []

    def start() -> ChromaServer:
        servers.append(_start_chroma(tmp_path / f"chroma-{len(servers)}"))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (tests create their own databases on it).

    Skipped when PostgreSQL is not installed, except in CI (``CI`` set), where that fails.
    """
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright, once per session."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized page (own storage) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    yield page
    context.close()
    assert not errors, errors


# Fixtures that load the embedding model (directly or through an ingested corpus), and the
# ones that start a server process.
MODEL_FIXTURES = {"sample", "corpus_b", "embedder", "api_server"}
SERVER_FIXTURES = {"postgres", "chroma_server", "start_chroma", "socket_mode_bot"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that need the model ``model`` and those that start servers ``server``, so
    the fast tier (``make test-fast``) can leave them out."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if MODEL_FIXTURES & fixtures:
            item.add_marker(pytest.mark.model)
        if SERVER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def socket_mode_bot(
    sample: Components, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketModeBot]:
    """``verbatim slack`` over a copy of the ingested sample, connected to the stand-ins."""
    data_dir = tmp_path_factory.mktemp("socket-mode") / "data"
    shutil.copytree(sample.settings.data_dir, data_dir)
    log = data_dir.parent / "verbatim-slack.log"
    with running_fake_slack() as web, running_fake_socket_mode(web) as socket:
        env = subprocess_env(
            data_dir,
            VERBATIM_SLACK__BOT_TOKEN=SOCKET_BOT_TOKEN,
            VERBATIM_SLACK__APP_TOKEN=SOCKET_APP_TOKEN,
            VERBATIM_SLACK__API_URL=web.url,
            VERBATIM_SLACK__PING_INTERVAL_S="1",
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(VENV_BIN / "verbatim"), "slack"], stdout=out, stderr=subprocess.STDOUT, env=env
            )
        try:
            try:
                socket.wait_for_connections(1, timeout_s=180)
            except AssertionError:
                raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
            yield SocketModeBot(process, web, socket, log)
        finally:
            stop_process(process)
