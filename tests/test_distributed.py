"""Past one machine: two real ``verbatim serve`` replicas sharing PostgreSQL and a Chroma server.

Everything is started by the module on loopback with free ports and stopped afterwards: a
PostgreSQL cluster (``initdb`` into a temporary folder), ``chroma run``, and two API processes
(replica A and B), each with its own data dir.  The tests run in order over one cluster and
each states what it needs: ingest through A then ask B, a conversation continued across
replicas, a re-ingest seen without restarts, a data dir deleted while serving, an ingest killed
with SIGKILL while B answers, two concurrent ingests, and PostgreSQL stopped and restarted.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import (
    REPO,
    SAMPLE_CORPUS,
    ChromaServer,
    PostgresServer,
    free_port,
    start_chroma_server,
    stop_process,
    subprocess_env,
    wait_for,
)
from reliability_support import PRECEDENT

from vectorstore import ChromaStore, Embedder, SourceStore, make_chroma_client
from vectorstore.database import Database

pytestmark = [pytest.mark.distributed, pytest.mark.server, pytest.mark.slow]

STARTUP_S = 180.0
# The ingest CLI with small commit groups, so a kill lands between two committed groups.
SMALL_GROUPS_CLI = (
    "import ingest.pipeline as p; "
    "p.IngestPipeline.__init__.__kwdefaults__['group_chunks'] = 8; "
    "from qa.cli import app; app(prog_name='verbatim')"
)
SYLLABLES = ["dar", "vel", "mos", "kin", "tor", "lua", "pem", "ris", "gho", "sat", "bel", "nur"]


def made_up_name(i: int) -> str:
    """A word no corpus contains, different for each ``i``."""
    return (
        SYLLABLES[i % 12] + SYLLABLES[(i // 12) % 12] + SYLLABLES[(i * 7 + 3) % 12]
    ).capitalize()


def write_lighthouse_logs(folder: Path, count: int, start: int = 0) -> list[str]:
    """``count`` small documents, each naming the keeper of one made-up lighthouse."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(start, start + count):
        name = made_up_name(i)
        names.append(name)
        lines = [f"Logbook of the {name} lighthouse", ""]
        lines.append(f"The keeper of the {name} lighthouse was {made_up_name(i + 500)} Quell.")
        lines += [
            f"On day {d} the {name} lamp burned for {d + 9} hours and the sea was calm."
            for d in range(1, 12)
        ]
        (folder / f"lighthouse-{i:03d}.txt").write_text("\n".join(lines) + "\n")
    return names


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """The Answer without its timings (which differ between any two calls)."""
    # The model's score is diagnostic: two processes may differ in its last digits.
    return {k: v for k, v in answer.items() if k not in ("timings_ms", "decision_score")}


@dataclass
class Replica:
    """One ``verbatim serve`` process."""

    name: str
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def ask(self, question: str, timeout_s: float = 60) -> httpx.Response:
        """POST /v1/ask."""
        return httpx.post(f"{self.url}/v1/ask", json={"question": question}, timeout=timeout_s)

    def rescan(self, timeout_s: float = 240) -> httpx.Response:
        """POST /v1/ingest {"rescan": true}: ingest the shared corpus folder."""
        return httpx.post(f"{self.url}/v1/ingest", json={"rescan": True}, timeout=timeout_s)


@dataclass
class Cluster:
    """PostgreSQL, a Chroma server, two replicas and the corpus folder they share."""

    postgres: PostgresServer
    chroma: ChromaServer
    database_url: str
    corpus: Path
    a: Replica
    b: Replica
    root: Path

    def env(self, data_dir: Path) -> dict[str, str]:
        """The environment of a process of this deployment."""
        return deployment_env(self.database_url, self.chroma.url, self.corpus, data_dir)

    def sources(self) -> SourceStore:
        """A direct handle on the shared source store."""
        return SourceStore(Database.open(self.database_url, self.root))


def deployment_env(
    database_url: str, chroma_url: str, corpus: Path, data_dir: Path
) -> dict[str, str]:
    """The environment of a process of the deployment: shared database, Chroma and corpus."""
    return subprocess_env(
        data_dir,
        VERBATIM_DATABASE_URL=database_url,
        VERBATIM_CHROMA__URL=chroma_url,
        VERBATIM_CORPUS_DIR=str(corpus),
        VERBATIM_CHUNKING__MAX_TOKENS="64",
    )


def start_replica(cluster_env: dict[str, str], name: str, data_dir: Path, log: Path) -> Replica:
    """Start ``verbatim serve`` and wait until it answers /healthz."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "verbatim"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=cluster_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Replica(name=name, data_dir=data_dir, port=port, process=process, log=log)


def wait_healthy(replica: Replica) -> None:
    """Wait until the replica serves /healthz (it loads the model first)."""

    def up() -> bool:
        if replica.process.poll() is not None:
            raise RuntimeError(f"replica {replica.name} exited: {replica.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{replica.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_for(up, STARTUP_S, 0.2), replica.log.read_text()[-3000:]


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer
) -> Iterator[Cluster]:
    """The whole deployment, started once for the module (on the session's PostgreSQL)."""
    root = tmp_path_factory.mktemp("distributed")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(next(SAMPLE_CORPUS.glob("*.txt")), corpus)
    database_url = postgres.create_database()
    chroma = start_chroma_server(root / "chroma")
    replicas: list[Replica] = []
    try:
        for name in ("a", "b"):
            data_dir = root / f"replica-{name}"
            env = deployment_env(database_url, chroma.url, corpus, data_dir)
            replicas.append(start_replica(env, name, data_dir, root / f"replica-{name}.log"))
        for replica in replicas:
            wait_healthy(replica)
        yield Cluster(postgres, chroma, database_url, corpus, replicas[0], replicas[1], root)
    finally:
        for replica in replicas:
            stop_process(replica.process)
        chroma.stop()


def vector_ids(cluster: Cluster, embedder: Embedder) -> set[str]:
    """Every vector id in the shared Chroma collection."""
    return ChromaStore(make_chroma_client(None, url=cluster.chroma.url), embedder).ids()


@pytest.fixture(scope="module")
def precedent(cluster: Cluster) -> dict[str, Any]:
    """The corpus ingested through replica A; replica A's answer to the precedent question."""
    response = cluster.a.rescan()
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 1
    answer = cluster.a.ask(PRECEDENT)
    assert answer.status_code == 200, answer.text
    assert not answer.json()["refused"]
    return dict(answer.json())


def test_ingest_through_a_then_ask_through_b_gives_the_same_answer(
    cluster: Cluster, precedent: dict[str, Any]
) -> None:
    response = cluster.b.ask(PRECEDENT)
    assert response.status_code == 200, response.text
    assert comparable(response.json()) == comparable(precedent)
    text = cluster.sources().get_text(precedent["citations"][0]["document"]) or ""
    for citation in response.json()["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["quote"]
    ready = httpx.get(f"{cluster.b.url}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["chunks"] > 0


def test_a_conversation_started_on_a_continues_on_b(
    cluster: Cluster, precedent: dict[str, Any]
) -> None:
    first = httpx.post(f"{cluster.a.url}/v1/chat", json={"message": PRECEDENT}, timeout=60)
    assert first.status_code == 200, first.text
    conversation_id = first.json()["conversation_id"]
    second = httpx.post(
        f"{cluster.b.url}/v1/chat",
        json={"conversation_id": conversation_id, "message": "When was it signed?"},
        timeout=60,
    )
    assert second.status_code == 200, second.text
    assert second.json()["conversation_id"] == conversation_id
    stored = httpx.get(f"{cluster.a.url}/v1/conversations/{conversation_id}", timeout=10)
    assert stored.status_code == 200
    turns = stored.json()["turns"]
    assert [t["content"] for t in turns[::2]] == [PRECEDENT, "When was it signed?"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]


def test_a_reingest_on_a_is_seen_by_b_without_a_restart(
    cluster: Cluster, precedent: dict[str, Any]
) -> None:
    [name] = write_lighthouse_logs(cluster.corpus, 1, start=900)
    question = f"Who was the keeper of the {name} lighthouse?"
    before = cluster.b.ask(question)
    assert before.status_code == 200 and before.json()["refused"], before.text
    report = cluster.a.rescan()
    assert report.status_code == 200, report.text
    assert report.json()["new"] == 1
    after = cluster.b.ask(question)
    assert after.status_code == 200, after.text
    assert not after.json()["refused"], after.json()
    assert {c["document"] for c in after.json()["citations"]} == {"lighthouse-900.txt"}
    assert cluster.b.process.poll() is None


def test_deleting_a_replica_data_dir_changes_nothing_it_answers(
    cluster: Cluster, precedent: dict[str, Any]
) -> None:
    before = cluster.b.ask(PRECEDENT).json()
    shutil.rmtree(cluster.b.data_dir, ignore_errors=True)
    assert not cluster.b.data_dir.exists()
    after = cluster.b.ask(PRECEDENT)
    assert after.status_code == 200, after.text
    assert comparable(after.json()) == comparable(before) == comparable(precedent)


def test_an_ingest_killed_on_a_leaves_b_answering_and_the_next_run_completes(
    cluster: Cluster, precedent: dict[str, Any], embedder: Embedder
) -> None:
    generated = cluster.root / "killed-batch"
    names = write_lighthouse_logs(generated, 30, start=100)
    sources = cluster.sources()
    docs_before = len(sources.list_documents())
    answers: list[tuple[int, dict[str, Any]]] = []
    stop = threading.Event()

    def ask_b() -> None:
        while not stop.is_set():
            response = cluster.b.ask(PRECEDENT)
            answers.append((response.status_code, response.json()))

    log = cluster.root / "killed-ingest.log"
    asker = threading.Thread(target=ask_b)
    asker.start()
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", SMALL_GROUPS_CLI, "ingest", str(generated)],
                env=cluster.env(cluster.a.data_dir),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            committed = wait_for(
                lambda: process.poll() is None and len(sources.list_documents()) >= docs_before + 3,
                180,
                0.05,
            )
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            stop_process(process)
        assert committed, log.read_text()[-3000:]
        time.sleep(0.5)
    finally:
        stop.set()
        asker.join(timeout=60)
    added = len(sources.list_documents()) - docs_before
    assert 0 < added < len(names), "the kill must land halfway"
    assert answers, "replica B answered nothing during the ingest"
    assert all(status == 200 for status, _ in answers), answers[:3]
    assert all(comparable(a) == comparable(precedent) for _, a in answers)

    # The advisory lock died with the process: the next run starts at once and completes.
    rerun = subprocess.run(
        [str(Path(sys.executable).parent / "verbatim"), "ingest", str(generated), "--json"],
        env=cluster.env(cluster.a.data_dir),
        capture_output=True,
        timeout=240,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()[-3000:]
    assert len(sources.list_documents()) == docs_before + len(names)
    assert vector_ids(cluster, embedder) == sources.chunk_ids()
    answer = cluster.b.ask(f"Who was the keeper of the {names[-1]} lighthouse?")
    assert answer.status_code == 200 and not answer.json()["refused"], answer.text


def test_two_concurrent_ingests_are_serialised_and_duplicate_nothing(
    cluster: Cluster, precedent: dict[str, Any], embedder: Embedder
) -> None:
    write_lighthouse_logs(cluster.corpus, 12, start=300)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda replica: replica.rescan(), [cluster.a, cluster.b]))
    assert [r.status_code for r in reports] == [200, 200], [r.text for r in reports]
    first, second = sorted((r.json() for r in reports), key=lambda r: -r["new"])
    # One run ingested the new files; the other waited for it and found nothing left to do.
    assert first["new"] == 12 and first["unchanged"] == first["documents"] - 12
    assert second["new"] == second["changed"] == 0
    assert second["unchanged"] == second["documents"] == first["documents"]
    sources = cluster.sources()
    chunk_ids = sources.chunk_ids()
    assert len(chunk_ids) == sources.count_chunks()
    assert vector_ids(cluster, embedder) == chunk_ids


def test_postgres_stopped_is_a_clear_503_on_both_and_recovers_without_restarts(
    cluster: Cluster, precedent: dict[str, Any]
) -> None:
    cluster.postgres.stop()
    try:
        for replica in (cluster.a, cluster.b):
            response = replica.ask(PRECEDENT, timeout_s=30)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "database_unavailable"
            assert "database is unavailable" in error["message"]
            ready = httpx.get(f"{replica.url}/readyz", timeout=30)
            assert ready.status_code == 503, ready.text
            assert ready.json()["error"]["code"] == "database_unavailable"
    finally:
        cluster.postgres.start()
    for replica in (cluster.a, cluster.b):
        assert wait_for(lambda r=replica: r.ask(PRECEDENT).status_code == 200, 60, 0.5)  # type: ignore[misc]
        response = replica.ask(PRECEDENT)
        assert comparable(response.json()) == comparable(precedent)
        assert replica.process.poll() is None


def test_the_compose_recipe_runs_the_tested_topology() -> None:
    import yaml

    from qa.settings import Settings

    recipe = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())
    services = recipe["services"]
    assert {"postgres", "chroma", "api-a", "api-b", "slack"} <= set(services)
    for name in ("api-a", "api-b", "slack"):
        env = services[name]["environment"]
        assert env["VERBATIM_DATABASE_URL"].startswith("postgresql://")
        assert env["VERBATIM_CHROMA__URL"] == "http://chroma:8000"
        # Every variable the recipe sets is one the settings read.
        settings = Settings(
            _env_file=None,
            database_url=env["VERBATIM_DATABASE_URL"],
            chroma={"url": env["VERBATIM_CHROMA__URL"]},
        )
        assert settings.chroma.mode == "http"
        fields = {f"VERBATIM_{k.upper()}" for k in Settings.model_fields}
        assert all(key.split("__")[0] in fields for key in env), env
    assert "chroma" in " ".join(services["chroma"]["command"])
    assert services["slack"]["command"] == ["verbatim", "slack"]
