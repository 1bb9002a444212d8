"""Bounded HTTP load test of ``POST /v1/ask`` against a real server on loopback.

Starts ``verbatim serve`` on a free 127.0.0.1 port over a data dir (ingesting the sample corpus
first when the data dir is empty), then sends a fixed number of requests at each concurrency
level and reports requests per second, p50/p95 latency and errors.  Nothing leaves the machine,
and each level stops at its request count or its time limit, whichever comes first.

    python -m benchmarks.load --requests 200 --json

Past one machine: ``--replicas 2 --database-url postgresql://... --chroma-url http://...``
ingests once, starts two servers sharing that PostgreSQL and Chroma server (each with its own
empty data dir), and splits the clients of each level evenly across them.

    python -m benchmarks.load --requests 2000 --concurrency 32 --replicas 2 \
        --database-url postgresql://verbatim@127.0.0.1:5432/verbatim \
        --chroma-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "Which earlier agreement does the article cite as a precedent?",
    "What concessions were demanded of Kyiv?",
    "What did Ukraine give up under the Budapest Memorandum?",
    "Which news outlets reported the 28-point plan?",
    "What were the four general categories of the framework?",
    "What is the capital of Australia?",
    "Who guaranteed Ukraine's security in 1994?",
    "What was the main weakness of the proposed security guarantees?",
)


@dataclass
class LevelResult:
    """Figures for one concurrency level."""

    concurrency: int
    requests: int
    ok: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    max_ms: float


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from qa.cli import main; main()", *args]


def shared_env(database_url: str | None = None, chroma_url: str | None = None) -> dict[str, str]:
    """The environment of the processes: PostgreSQL and a Chroma server when given."""
    env = dict(os.environ)
    if database_url:
        env["VERBATIM_DATABASE_URL"] = database_url
    if chroma_url:
        env["VERBATIM_CHROMA__URL"] = chroma_url
    return env


def ensure_ingested(data_dir: Path, corpus: Path, env: dict[str, str] | None = None) -> None:
    """Ingest ``corpus`` into ``data_dir`` (incremental: unchanged files are skipped)."""
    subprocess.run(
        _cli("ingest", str(corpus), "--data-dir", str(data_dir), "--json"),
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def server(
    data_dir: Path, startup_timeout_s: float = 120.0, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``verbatim serve`` on a free loopback port, without a rate limit; yields its URL."""
    port = free_port()
    env = {
        **(env or os.environ),
        "VERBATIM_RATE_LIMIT_PER_MINUTE": "0",
        "VERBATIM_API_KEYS": "[]",
        "VERBATIM_ADMIN_KEYS": "[]",
    }
    args = _cli("serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir))
    process = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, startup_timeout_s)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready within {timeout_s:.0f} s")


async def run_level(
    url: str | list[str], concurrency: int, requests: int, time_limit_s: float
) -> LevelResult:
    """Send ``requests`` asks with ``concurrency`` workers (stopping at the time limit).

    With several URLs (replicas), worker ``i`` sends to ``urls[i % len(urls)]``.
    """
    urls = [url] if isinstance(url, str) else url
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.monotonic() + time_limit_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal issued, errors
        while issued < requests and time.monotonic() < deadline:
            question = QUESTIONS[issued % len(QUESTIONS)]
            issued += 1
            started = time.perf_counter()
            try:
                response = await client.post("/v1/ask", json={"question": question})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1

    clients = [httpx.AsyncClient(base_url=u, timeout=60, limits=limits) for u in urls]
    try:
        began = time.perf_counter()
        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(concurrency)))
        seconds = time.perf_counter() - began
    finally:
        for client in clients:
            await client.aclose()
    done = len(latencies) + errors
    return LevelResult(
        concurrency=concurrency,
        requests=done,
        ok=len(latencies),
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(done / seconds, 2) if seconds else 0.0,
        p50_ms=round(statistics.median(latencies), 2) if latencies else 0.0,
        p95_ms=round(percentile(latencies, 95), 2),
        max_ms=round(max(latencies), 2) if latencies else 0.0,
    )


async def run_all(
    url: str | list[str], levels: list[int], requests: int, time_limit_s: float
) -> list[LevelResult]:
    """Warm the server(s) up, then run each level in turn."""
    for each in [url] if isinstance(url, str) else url:
        async with httpx.AsyncClient(base_url=each, timeout=60) as client:
            for question in QUESTIONS:
                await client.post("/v1/ask", json={"question": question})
    return [await run_level(url, c, requests, time_limit_s) for c in levels]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=200, help="requests per level")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated levels")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per level, at most")
    parser.add_argument("--data-dir", type=Path, help="index to serve (default: a temp dir)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--replicas", type=int, default=1, help="API servers to split clients over")
    parser.add_argument("--database-url", help="PostgreSQL shared by the replicas")
    parser.add_argument("--chroma-url", help="Chroma server shared by the replicas")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.requests > 100_000:
        parser.error("--requests must be between 1 and 100000")
    if not 1 <= args.replicas <= 8:
        parser.error("--replicas must be between 1 and 8")
    if args.replicas > 1 and not (args.database_url and args.chroma_url):
        parser.error("--replicas > 1 needs --database-url and --chroma-url (shared state)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    args = parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    env = shared_env(args.database_url, args.chroma_url)
    with tempfile.TemporaryDirectory(prefix="verbatim-load-") as tmp, ExitStack() as stack:
        data_dir = args.data_dir or Path(tmp) / "data"
        ensure_ingested(data_dir, args.corpus, env)
        urls = [
            stack.enter_context(server(data_dir if i == 0 else Path(tmp) / f"data-{i}", env=env))
            for i in range(args.replicas)
        ]
        results = asyncio.run(run_all(urls, levels, args.requests, args.time_limit))
    report = {
        "endpoint": "POST /v1/ask",
        "cpus": os.cpu_count(),
        "replicas": args.replicas,
        "database": "postgresql" if args.database_url else "sqlite",
        "chroma": "server" if args.chroma_url else "embedded",
        "levels": [asdict(r) for r in results],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in results:
            print(
                f"c={r.concurrency:>3}  {r.requests} req  {r.rps:8.1f} req/s  "
                f"p50 {r.p50_ms:7.1f} ms  p95 {r.p95_ms:7.1f} ms  errors {r.errors}"
            )
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
