"""A real PostgreSQL server for the tests: ``initdb`` into a temporary folder, loopback only.

Uses the Debian ``postgresql`` package's binaries (``/usr/lib/postgresql/*/bin``).  ``initdb``
refuses to run as root, so when the tests run as root the server runs as the unprivileged
``postgres`` user the package creates (or ``nobody``).  Without the binaries the tests that need
the server are skipped, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest_vectorstore import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def require_postgres() -> Path:
    """The binaries' folder; skip the test when PostgreSQL is missing (fail in CI)."""
    folder = postgres_bin()
    if folder is None:
        message = "PostgreSQL is not installed: apt-get install -y postgresql"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


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
    pytest.skip("running as root and no unprivileged user to run PostgreSQL as")
    raise AssertionError("unreachable")


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
    """A fresh cluster on a free loopback port, removed afterwards."""
    bin_dir = require_postgres()
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the test session (each test creates its own database)."""
    with running_postgres() as server:
        yield server
