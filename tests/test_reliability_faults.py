"""Faults injected into a running service: Chroma dies and comes back, an ingest is SIGKILLed,
the LLM endpoint hangs or answers garbage, and documents are re-ingested while questions flow.

Every fault must end in a clear error JSON within the configured timeout (never a hang or a
500), and the service must recover without a restart, answering with the same citations.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_llm import FakeChatServer
from helpers import (
    SAMPLE_CORPUS,
    VENV_BIN,
    ChromaServer,
    assert_error,
    components_for,
    make_settings,
    serve,
    start_chroma_server,
    stop_process,
    subprocess_env,
    wait_for,
    with_settings,
)
from reliability_support import (
    PRECEDENT,
    TRUNCATED,
    citation_key,
    freeze_process,
    report_figure,
)

from qa.api import create_app
from qa.components import Components
from qa.settings import Settings
from vectorstore import SourceStore

pytestmark = [pytest.mark.reliability, pytest.mark.server]

CHROMA_TIMEOUT_S = 2.0
LLM_TIMEOUT_S = 2.0
# A fault must surface well within this bound (the configured timeout plus slack for 2 cores).
FAULT_BOUND_S = 10.0


# -- Chroma server dies and comes back ----------------------------------------------------


def restart_chroma(server: ChromaServer) -> ChromaServer:
    """Start ``chroma run`` again on the same port and path as ``server``."""
    path = server.log.parent
    log = path / "chroma-server-restarted.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "chroma"),
                "run",
                "--host",
                server.host,
                "--port",
                str(server.port),
                "--path",
                str(path),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    restarted = ChromaServer(process=process, host=server.host, port=server.port, log=log)

    def up() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"{restarted.url}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert wait_for(up, 60), log.read_text()
    return restarted


def timed(call: Any) -> tuple[httpx.Response, float]:
    """The response of ``call()`` and how long it took."""
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def chroma_settings(tmp_path: Path, chroma: ChromaServer, exact_max_chunks: int = 0) -> Settings:
    """Settings for the sample over a Chroma server, with short timeouts; dense search through
    Chroma's HNSW search unless ``exact_max_chunks`` lets the in-memory exact index answer."""
    return make_settings(
        tmp_path / "data",
        SAMPLE_CORPUS,
        retrieval={"exact_max_chunks": exact_max_chunks},
        chroma={
            "url": chroma.url,
            "timeout_s": CHROMA_TIMEOUT_S,
            "read_timeout_s": CHROMA_TIMEOUT_S,
        },
    )


def test_chroma_server_killed_then_restarted_recovers_without_an_api_restart(
    sample: Components, tmp_path: Path, record_property: Any
) -> None:
    chroma = start_chroma_server(tmp_path / "chroma")
    restarted: ChromaServer | None = None
    try:
        settings = chroma_settings(tmp_path, chroma)
        parts = components_for(settings, sample)
        assert parts.pipeline().run([SAMPLE_CORPUS]).ok
        with serve(create_app(settings, components=parts)) as live:
            http = httpx.Client(base_url=live.url, timeout=60)
            assert http.get("/readyz").status_code == 200
            before = http.post("/v1/ask", json={"question": PRECEDENT}).json()
            assert not before["refused"], before

            chroma.process.kill()
            chroma.process.wait(timeout=10)
            ready, ready_s = timed(lambda: http.get("/readyz"))
            assert_error(ready, 503, "index_not_ready")
            ask, ask_s = timed(lambda: http.post("/v1/ask", json={"question": PRECEDENT}))
            message = assert_error(ask, 503, "index_not_ready")["message"]
            assert "unavailable" in message or "unreachable" in message, message
            assert ready_s < FAULT_BOUND_S and ask_s < FAULT_BOUND_S, (ready_s, ask_s)
            assert http.get("/healthz").status_code == 200

            restarted = restart_chroma(chroma)
            assert wait_for(lambda: http.get("/readyz").status_code == 200, 30)
            after = http.post("/v1/ask", json={"question": PRECEDENT})
            assert after.status_code == 200, after.text
            assert citation_key(after.json()) == citation_key(before)
            assert after.json()["answer"] == before["answer"]
        report_figure(
            record_property,
            faults_injected=1,
            readyz_while_down_s=round(ready_s, 2),
            ask_while_down_s=round(ask_s, 2),
            errors_5xx_other_than_503=0,
        )
    finally:
        chroma.stop()
        if restarted is not None:
            restarted.stop()


def test_chroma_server_that_hangs_is_a_bounded_503_and_recovers(
    sample: Components, tmp_path: Path, record_property: Any
) -> None:
    chroma = start_chroma_server(tmp_path / "chroma")
    try:
        settings = chroma_settings(tmp_path, chroma)
        parts = components_for(settings, sample)
        assert parts.pipeline().run([SAMPLE_CORPUS]).ok
        with serve(create_app(settings, components=parts)) as live:
            http = httpx.Client(base_url=live.url, timeout=120)
            before = http.post("/v1/ask", json={"question": PRECEDENT}).json()
            freeze_process(chroma.process.pid)
            try:
                ready, ready_s = timed(lambda: http.get("/readyz"))
                ask, ask_s = timed(
                    lambda: http.post("/v1/ask", json={"question": "Who leaked the plan?"})
                )
            finally:
                chroma.process.send_signal(signal.SIGCONT)
            assert_error(ready, 503, "index_not_ready")
            assert_error(ask, 503, "index_not_ready")
            assert ready_s < FAULT_BOUND_S and ask_s < FAULT_BOUND_S, (ready_s, ask_s)
            assert wait_for(lambda: http.get("/readyz").status_code == 200, 30)
            after = http.post("/v1/ask", json={"question": PRECEDENT})
            assert citation_key(after.json()) == citation_key(before)
        report_figure(
            record_property,
            faults_injected=1,
            readyz_while_hung_s=round(ready_s, 2),
            ask_while_hung_s=round(ask_s, 2),
        )
    finally:
        chroma.stop()


def test_with_exact_dense_search_answers_go_on_while_chroma_is_down(
    sample: Components, tmp_path: Path
) -> None:
    """The exact index holds the committed vectors in memory, so questions are answered from
    it while the Chroma server is down (readiness still reports the outage, for ingest and for
    a load balancer)."""
    chroma = start_chroma_server(tmp_path / "chroma")
    restarted: ChromaServer | None = None
    try:
        settings = chroma_settings(tmp_path, chroma, exact_max_chunks=100_000)
        parts = components_for(settings, sample)
        assert parts.pipeline().run([SAMPLE_CORPUS]).ok
        with serve(create_app(settings, components=parts)) as live:
            http = httpx.Client(base_url=live.url, timeout=60)
            before = http.post("/v1/ask", json={"question": PRECEDENT}).json()
            assert not before["refused"], before
            chroma.process.kill()
            chroma.process.wait(timeout=10)
            assert_error(http.get("/readyz"), 503, "index_not_ready")
            during = http.post("/v1/ask", json={"question": PRECEDENT})
            assert during.status_code == 200, during.text
            assert citation_key(during.json()) == citation_key(before)
            restarted = restart_chroma(chroma)
            assert wait_for(lambda: http.get("/readyz").status_code == 200, 30)
            after = http.post("/v1/ask", json={"question": PRECEDENT})
            assert citation_key(after.json()) == citation_key(before)
    finally:
        chroma.stop()
        if restarted is not None:
            restarted.stop()


# -- an ingest killed with SIGKILL halfway through ----------------------------------------

# `verbatim ingest` committing every few chunks, so that a kill lands between two commits
# whatever the pipeline's default group size is (a single group would commit all at the end).
GROUP_CHUNKS = 24
SMALL_GROUPS_CLI = (
    "import ingest.pipeline as p; "
    f"p.IngestPipeline.__init__.__kwdefaults__['group_chunks'] = {GROUP_CHUNKS}; "
    "from qa.cli import app; app(prog_name='verbatim')"
)
SYLLABLES = ["var", "nol", "kes", "tra", "mon", "del", "bri", "oss", "hal", "quen", "dor", "fel"]
SMALL_CHUNKS = 32


def station_name(i: int) -> str:
    """A made-up, unique place name per generated document."""
    a, b, c = SYLLABLES[i % 12], SYLLABLES[(i // 12) % 12], SYLLABLES[(i * 7 + 3) % 12]
    return f"{a}{b}{c}".capitalize() + f"{i:02d}"


def write_generated_corpus(folder: Path, count: int) -> list[str]:
    """``count`` lighthouse logs, each with its own keeper; returns the station names."""
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        name = station_name(i)
        names.append(name)
        lines = [f"{name} Lighthouse Log", ""]
        lines.append(f"The keeper of the {name} lighthouse was Ilse Marrow{i}.")
        for j in range(10):
            lines.append(
                f"In season {j} the {name} lamp burned {100 + i * 31 + j} litres of oil "
                f"and the crew logged {j + i % 9} storms from the north-west."
            )
        (folder / f"station-{i:03d}.txt").write_text("\n".join(lines) + "\n")
    return names


def test_ingest_killed_halfway_keeps_serving_and_the_next_run_completes(
    sample: Components, tmp_path: Path, record_property: Any
) -> None:
    generated = tmp_path / "generated"
    names = write_generated_corpus(generated, 24)
    data = tmp_path / "data"
    chunking = {"max_tokens": SMALL_CHUNKS}
    reference = components_for(
        make_settings(tmp_path / "reference", SAMPLE_CORPUS, chunking=chunking), sample
    )
    assert reference.pipeline().run([SAMPLE_CORPUS]).ok
    expected = citation_key(reference.chain().ask(PRECEDENT).model_dump())

    env = subprocess_env(data, VERBATIM_CHUNKING__MAX_TOKENS=str(SMALL_CHUNKS))
    log = tmp_path / "ingest.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SMALL_GROUPS_CLI, "ingest", str(SAMPLE_CORPUS), str(generated)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    sources = SourceStore(data)
    try:
        # Kill once the sample article and a few generated logs are committed.
        committed = wait_for(
            lambda: process.poll() is None and len(sources.list_documents()) >= 3, 120, 0.02
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        stop_process(process)
    assert committed, log.read_text()[-2000:]
    assert process.returncode == -signal.SIGKILL
    chunks_at_kill = sources.count_chunks()
    docs_at_kill = [d["id"] for d in sources.list_documents()]
    assert 1 < len(docs_at_kill) < len(names) + 1, "the kill must land halfway"

    settings = make_settings(data, SAMPLE_CORPUS, chunking=chunking)
    parts = components_for(settings, sample)
    # Vectors upserted for the group being embedded when the kill landed: no document lists them.
    orphans = len(parts.store.ids() - parts.sources.chunk_ids())
    answer = parts.chain().ask(PRECEDENT)
    assert citation_key(answer.model_dump()) == expected
    committed_station = next(d for d in docs_at_kill if d.startswith("station-"))
    name = names[int(committed_station[8:11])]
    kept = parts.chain().ask(f"Who was the keeper of the {name} lighthouse?")
    assert not kept.refused, kept
    assert any(c.document == committed_station for c in kept.citations), kept
    assert all(
        (parts.sources.get_text(c.document) or "")[c.start : c.end] == c.quote
        for c in kept.citations
    )

    report = parts.pipeline().run([SAMPLE_CORPUS, generated])
    assert report.ok, report.failed
    assert report.documents == len(names) + 1
    assert report.unchanged == len(docs_at_kill)
    assert report.new == len(names) + 1 - len(docs_at_kill)
    ids = parts.store.ids()
    assert parts.store.count() == len(ids) == parts.sources.count_chunks()
    assert ids == parts.sources.chunk_ids()
    assert citation_key(parts.chain().ask(PRECEDENT).model_dump()) == expected
    again = parts.chain().ask(f"Who was the keeper of the {name} lighthouse?")
    assert citation_key(again.model_dump()) == citation_key(kept.model_dump())
    report_figure(
        record_property,
        faults_injected=1,
        chunks_committed_at_kill=chunks_at_kill,
        documents_committed_at_kill=len(docs_at_kill),
        orphan_vectors_at_kill=orphans,
        chunks_after_resume=len(ids),
        duplicate_chunks=0,
    )


# -- the LLM endpoint hangs or answers garbage --------------------------------------------

LLM_FAULTS = ["hang", "http500", "not_json", "prose"]


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeChatServer]:
    """One OpenAI-protocol server on loopback whose behaviour each test sets."""
    server = FakeChatServer().start()
    server.hang_seconds = 3 * LLM_TIMEOUT_S
    yield server
    server.stop()


def chat_model_components(sample: Components, fake: FakeChatServer, fallback: bool) -> Components:
    """The sample index answering through the chat_model backend at ``fake``."""
    llm = sample.settings.llm.model_copy(
        update={
            "base_url": fake.base_url,
            "model": "fake",
            "timeout_s": LLM_TIMEOUT_S,
            "max_retries": 0,
            "fallback_to_extractive": fallback,
        }
    )
    return with_settings(sample, backend="chat_model", rate_limit_per_minute=0, llm=llm)


def set_fault(fake: FakeChatServer, fault: str) -> None:
    """Make the fake model misbehave in one of the ways of LLM_FAULTS."""
    fake.mode = "ok" if fault == "prose" else fault
    fake.script = lambda messages: "Sure! The answer is probably the Budapest Memorandum."


@pytest.mark.parametrize("fault", LLM_FAULTS)
def test_llm_fault_is_a_502_within_the_timeout(
    sample: Components, fake_llm: FakeChatServer, fault: str, record_property: Any
) -> None:
    set_fault(fake_llm, fault)
    parts = chat_model_components(sample, fake_llm, fallback=False)
    with serve(create_app(parts.settings, components=parts)) as live:
        http = httpx.Client(base_url=live.url, timeout=60)
        ask, ask_s = timed(lambda: http.post("/v1/ask", json={"question": PRECEDENT}))
        message = assert_error(ask, 502, "backend_error")["message"]
        assert "chat model" in message
        stream, stream_s = timed(lambda: http.post("/v1/chat/stream", json={"message": PRECEDENT}))
        assert stream.status_code == 200
        assert "event: error" in stream.text and "backend_error" in stream.text
        assert "event: done" not in stream.text
        openai, openai_s = timed(
            lambda: http.post(
                "/v1/chat/completions",
                json={"model": "verbatim", "messages": [{"role": "user", "content": PRECEDENT}]},
            )
        )
        assert_error(openai, 502, "backend_error")
        # A refusal needs no model call, so it still works while the model is down.
        refusal = http.post("/v1/ask", json={"question": TRUNCATED})
        assert refusal.status_code == 200 and refusal.json()["refused"]
    slowest = max(ask_s, stream_s, openai_s)
    assert slowest < FAULT_BOUND_S, (ask_s, stream_s, openai_s)
    report_figure(record_property, fault=fault, requests=4, slowest_s=round(slowest, 2))


@pytest.mark.parametrize("fault", ["hang", "not_json"])
def test_llm_fault_falls_back_to_extractive_when_configured(
    sample: Components, fake_llm: FakeChatServer, fault: str
) -> None:
    set_fault(fake_llm, fault)
    parts = chat_model_components(sample, fake_llm, fallback=True)
    expected = citation_key(sample.chain().ask(PRECEDENT).model_dump())
    with serve(create_app(parts.settings, components=parts)) as live:
        response, seconds = timed(
            lambda: httpx.post(f"{live.url}/v1/ask", json={"question": PRECEDENT}, timeout=60)
        )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["backend"].endswith("+fallback"), answer
    assert citation_key(answer) == expected
    assert seconds < FAULT_BOUND_S


# -- documents re-ingested while questions are answered -----------------------------------


def test_answers_stay_correct_while_a_document_is_reingested(
    sample: Components, tmp_path: Path, record_property: Any
) -> None:
    settings = make_settings(tmp_path / "data", SAMPLE_CORPUS, rate_limit_per_minute=0)
    parts = components_for(settings, sample)
    assert parts.pipeline().run([SAMPLE_CORPUS]).ok
    versions = [
        f"Beacon Report {k}\n\nThe Harrowgate beacon was relit {k + 2} times in the winter of "
        f"19{k + 40}. Its keeper, Odile Varga, logged version {k} of this report.\n"
        for k in range(12)
    ]
    expected: dict[str, Any] = {}
    stop = threading.Event()
    problems: list[str] = []
    served = {"ask": 0, "ingest": 0}
    lock = threading.Lock()

    with serve(create_app(settings, components=parts)) as live:
        base = httpx.Client(base_url=live.url, timeout=60)
        first = base.post("/v1/ask", json={"question": PRECEDENT}).json()
        expected["precedent"] = citation_key(first)
        source = base.get(f"/v1/documents/{first['citations'][0]['document']}").json()["text"]

        def ingest_loop() -> None:
            with httpx.Client(base_url=live.url, timeout=60) as http:
                for text in versions:
                    files = [("files", ("beacon.txt", text.encode(), "text/plain"))]
                    response = http.post("/v1/ingest", files=files)
                    with lock:
                        served["ingest"] += 1
                    if response.status_code != 200:
                        problems.append(f"ingest {response.status_code}: {response.text[:200]}")
            stop.set()

        def ask_loop(question: str) -> None:
            with httpx.Client(base_url=live.url, timeout=60) as http:
                while not stop.is_set():
                    response = http.post("/v1/ask", json={"question": question})
                    with lock:
                        served["ask"] += 1
                    if response.status_code != 200:
                        problems.append(f"ask {response.status_code}: {response.text[:200]}")
                        continue
                    answer = response.json()
                    if question == PRECEDENT:
                        if citation_key(answer) != expected["precedent"]:
                            problems.append(f"precedent citations changed: {answer}")
                        for c in answer["citations"]:
                            if source[c["start"] : c["end"]] != c["quote"]:
                                problems.append(f"inexact quote {c}")
                    for c in answer["citations"]:
                        if c["document"] == "beacon.txt" and not any(
                            v[c["start"] : c["end"]] == c["quote"] for v in versions
                        ):
                            problems.append(f"beacon quote matches no version: {c}")

        askers = [
            threading.Thread(target=ask_loop, args=(q,))
            for q in (PRECEDENT, PRECEDENT, "How many times was the Harrowgate beacon relit?")
        ]
        writer = threading.Thread(target=ingest_loop)
        for thread in [*askers, writer]:
            thread.start()
        writer.join(timeout=180)
        stop.set()
        for thread in askers:
            thread.join(timeout=60)
        assert not writer.is_alive()

        final = base.post(
            "/v1/ask", json={"question": "How many times was the Harrowgate beacon relit?"}
        ).json()
        assert not final["refused"], final
        last = base.get("/v1/documents/beacon.txt").json()["text"]
        assert last == versions[-1]
        assert any("13 times" in c["quote"] for c in final["citations"]), final
        for c in final["citations"]:
            assert last[c["start"] : c["end"]] == c["quote"]
        after = base.post("/v1/ask", json={"question": PRECEDENT}).json()
        assert citation_key(after) == expected["precedent"]
    assert not problems, problems[:5]
    ids = parts.store.ids()
    assert len(ids) == parts.sources.count_chunks()
    report_figure(
        record_property,
        reingests=served["ingest"],
        questions_answered=served["ask"],
        errors=len(problems),
    )
