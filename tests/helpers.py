"""Helpers shared by the test modules, each defined once here and imported by name.

Settings and components for a test (reusing the session's loaded model), free loopback ports,
a real uvicorn server in a thread, a ``chroma run`` server process, a PostgreSQL server (``initdb``
in a temporary folder), the citation exactness check,
an SSE parser and polling helpers. Fixtures live in ``conftest.py``; nothing here is a fixture.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from qa.components import Components, build
from qa.settings import Settings
from qa.types import Answer
from vectorstore import ChromaStore, LexicalIndex, SourceStore, make_chroma_client

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "corpus"
CORPUS_B = REPO / "tests" / "data" / "corpus_b"
VENV_BIN = Path(sys.executable).parent


# -- settings and components --------------------------------------------------------------------


def make_settings(data_dir: Path, corpus: Path = SAMPLE_CORPUS, **extra: Any) -> Settings:
    """Settings for a test: its own data dir, no environment."""
    return Settings(data_dir=data_dir, corpus_dir=corpus, **extra)


def write_corpus(folder: Path, files: Mapping[str, str]) -> Path:
    """``folder`` created with ``files`` (name → text) written in it."""
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingested(data_dir: Path, corpus: Path, **extra: Any) -> Components:
    """Components over ``data_dir`` with ``corpus`` ingested (``extra``: settings to change)."""
    parts = build(make_settings(data_dir, corpus, **extra))
    report = parts.pipeline().run([corpus])
    assert report.ok, report.failed
    return parts


def assert_answered_by(tmp_path: Path, page: str, question: str, rule: str, opening: str) -> None:
    """``question`` asked of a corpus of the one Markdown ``page`` is answered by ``rule``, the
    first quote opening with ``opening``, every quote exact."""
    answer, quotes, parts = answered(tmp_path, "tidewater.md", page, question)
    assert answer.decided_by == rule, answer.answer
    assert quotes[0].startswith(opening), quotes
    assert_exact(answer, parts.sources)


def answered(
    tmp_path: Path, name: str, page: str, question: str
) -> tuple[Answer, list[str], Components]:
    """``question`` asked of a corpus of the one page ``name``; it must be answered.  The
    answer, its quotes and the components (for :func:`assert_exact`)."""
    corpus = write_corpus(tmp_path / "docs", {name: page})
    parts = ingested(tmp_path / "data", corpus)
    answer = parts.chain().ask(question)
    assert not answer.refused, answer.answer
    return answer, [c.quote for c in answer.citations], parts


def components_for(settings: Settings, shared: Components) -> Components:
    """Components over ``settings.data_dir`` (embedded Chroma, or ``settings.chroma.url``),
    reusing ``shared``'s loaded model."""
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    client = make_chroma_client(
        data_dir,
        url=settings.chroma.url,
        timeout_s=settings.chroma.timeout_s,
        read_timeout_s=settings.chroma.read_timeout_s,
    )
    return Components(
        settings=settings,
        embedder=shared.embedder,
        store=ChromaStore(client, shared.embedder),
        sources=SourceStore(data_dir),
        lexical=LexicalIndex(data_dir / "bm25"),
    )


def with_settings(shared: Components, **update: Any) -> Components:
    """The same index and model as ``shared`` under changed settings (own chains, and its own
    exact dense index, since the settings decide what that holds)."""
    return Components(
        settings=shared.settings.model_copy(update=update),
        embedder=shared.embedder,
        store=shared.store,
        sources=shared.sources,
        lexical=shared.lexical,
    )


# -- citations --------------------------------------------------------------------------------


def assert_exact(answer: Answer | Mapping[str, Any], sources: SourceStore) -> None:
    """Every citation's quote is the stored text of its document at its offsets."""
    citations: Iterable[Any] = (
        answer.citations if isinstance(answer, Answer) else answer["citations"]
    )
    for c in citations:
        fields = c if isinstance(c, Mapping) else c.model_dump()
        text = sources.get_text(fields["document"])
        assert text is not None, fields["document"]
        assert text[fields["start"] : fields["end"]] == fields["quote"], fields


# -- servers ----------------------------------------------------------------------------------


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
    """Run ``app`` under real uvicorn on a free loopback port until the block ends."""
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


class ChromaUnavailable(RuntimeError):
    """The ``chroma`` CLI is not installed next to the running interpreter."""


def start_chroma_server(
    data_dir: Path, timeout_s: float = 60.0, port: int | None = None
) -> ChromaServer:
    """Start ``<venv>/bin/chroma run`` on a free (or the given) port; wait for a heartbeat."""
    chroma = VENV_BIN / "chroma"
    if not chroma.exists():
        raise ChromaUnavailable(f"chroma CLI not found next to {sys.executable}")
    port = port or free_port()
    log = data_dir / "chroma-server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
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


# -- processes


def subprocess_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``verbatim`` subprocess: offline, its data dir, no stray config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERBATIM_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
        VERBATIM_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def stop_process(process: subprocess.Popen[Any], timeout_s: float = 15.0) -> None:
    """Stop a child we started: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)


# -- PostgreSQL --------------------------------------------------------------------------------
# The Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/*/bin``), ``initdb`` into a
# temporary folder, loopback only.  ``initdb`` refuses to run as root, so when the tests run as
# root the server runs as the unprivileged ``postgres`` user the package creates (or ``nobody``).


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's binaries are not installed (``apt-get install -y postgresql``)."""


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise PostgresUnavailable("running as root and no unprivileged user to run PostgreSQL as")


@dataclass
class PostgresServer:
    """A ``postgres`` process on 127.0.0.1 with trust authentication for user ``verbatim``."""

    bin: Path
    folder: Path
    port: int
    user: tuple[int, int] | None
    process: subprocess.Popen[bytes] | None = None
    databases: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        """``postgresql://`` URL of ``database`` on this server."""
        return f"postgresql://verbatim@127.0.0.1:{self.port}/{database}"

    def _popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        if self.user is None:
            return subprocess.Popen(args, **kwargs)
        uid, gid = self.user
        return subprocess.Popen(args, user=uid, group=gid, extra_groups=[], **kwargs)

    def init(self) -> None:
        """``initdb`` the cluster (fsync off: a test server, thrown away afterwards)."""
        log = (self.folder / "initdb.log").open("wb")
        process = self._popen(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "verbatim",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if process.wait(timeout=120) != 0:
            raise RuntimeError(f"initdb failed: {(self.folder / 'initdb.log').read_text()}")

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the server (again) on the same port and wait until it accepts connections."""
        log = (self.folder / "postgres.log").open("ab")
        self.process = self._popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.folder / 'postgres.log').read_text()}")
            if self.accepts_connections():
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not start: {(self.folder / 'postgres.log').read_text()}")

    def accepts_connections(self) -> bool:
        """True when a connection and ``SELECT 1`` succeed."""
        engine = sa.create_engine(
            self.url().replace("postgresql://", "postgresql+psycopg://"),
            poolclass=sa.pool.NullPool,
            connect_args={"connect_timeout": 2},
        )
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    def stop(self) -> None:
        """Fast shutdown (clients are disconnected), waiting for the process to exit."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(2)  # SIGINT: "fast" shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(
            self.url().replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self.databases.append(name)
        return self.url(name)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh cluster on a free loopback port, removed afterwards.

    Raises:
        PostgresUnavailable: PostgreSQL is not installed.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL is not installed: apt-get install -y postgresql")
    user = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="verbatim-pg-"))
    if user is not None:
        os.chown(folder, *user)
    server = PostgresServer(bin=bin_dir, folder=folder, port=free_port(), user=user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- protocols and polling ----------------------------------------------------------------------


def read_sse(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """Parse Server-Sent Events from lines, yielding each (event, data) as it completes."""
    event, data = "message", list[str]()
    for line in itertools.chain(lines, [""]):
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Parse a whole SSE body into (event, data) pairs."""
    return list(read_sse(text.splitlines()))


def wait_for(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout_s`` passes; whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()


def assert_error(
    response: httpx.Response | Any, status: int, code: str | None = None
) -> dict[str, Any]:
    """The response is ``{"error": {"code", "message"}}`` with ``status``; returns the error."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    assert "Traceback" not in response.text
    return dict(error)


# -- the web page -------------------------------------------------------------------------------


def ask_in_page(page: Page, question: str) -> Locator:
    """Type a question in the web page, press Enter, and return the finished assistant message."""
    from playwright.sync_api import expect

    count = page.locator("li.message.assistant").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    item = page.locator("li.message.assistant").nth(count)
    expect(item).not_to_have_attribute("aria-busy", "true")
    expect(item.locator(".streaming")).to_have_count(0)
    return item
