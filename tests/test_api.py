"""The HTTP API through FastAPI's TestClient (lifespan runs): every route and every error path.

Every error must come back as ``{"error": {"code", "message"}}`` with the right status, never a
500 or a traceback.  The sample corpus is ingested once per session; tests that change the index
get their own data dir (sharing the loaded model).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from helpers import SAMPLE_CORPUS, assert_error, components_for, make_settings, sse_events

from qa.api import create_app
from qa.components import Components

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
USER_KEY = "user-key-0123456789"
ADMIN_KEY = "admin-key-0123456789"


@pytest.fixture(scope="module")
def client(sample: Components) -> Iterator[TestClient]:
    """A client of the app over the session's ingested sample corpus."""
    with TestClient(create_app(sample.settings, components=sample)) as client:
        yield client


@pytest.fixture
def fresh(tmp_path: Path, sample: Components) -> Components:
    """Components over an empty data dir of this test."""
    return components_for(make_settings(tmp_path / "data"), sample)


def assert_quotes_exact(client: TestClient, answer: dict[str, Any]) -> None:
    """Every citation's quote is the served document text at its offsets."""
    for c in answer["citations"]:
        doc = client.get(f"/v1/documents/{c['document']}").json()
        assert doc["text"][c["start"] : c["end"]] == c["quote"]


# -- probes, metrics, page -----------------------------------------------------------------


def test_healthz_and_readyz_report_a_loaded_index(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] and ready.json()["chunks"] > 0


def test_readyz_is_503_before_anything_is_ingested(fresh: Components) -> None:
    with TestClient(create_app(fresh.settings, components=fresh)) as empty:
        assert_error(empty.get("/readyz"), 503, "index_not_ready")
        assert_error(empty.post("/v1/ask", json={"question": PRECEDENT}), 503, "index_not_ready")
        assert empty.get("/healthz").status_code == 200


def test_web_page_and_static_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/app.js" in page.text and "http" not in page.text.split("<body>")[0].lower()
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_metrics_count_requests_refusals_and_feedback(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": TRUNCATED})
    assert client.post("/v1/feedback", json={"rating": "down"}).status_code == 202
    text = client.get("/metrics").text
    assert 'verbatim_http_requests_total{method="POST",route="/v1/ask",status="200"}' in text
    assert 'verbatim_refusals_total{reason="source_truncated"}' in text
    assert 'verbatim_feedback_total{rating="down",source="api"}' in text
    assert "verbatim_http_request_duration_seconds_bucket" in text


def test_openapi_documents_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/v1/ask"]["post"]["responses"]
    for status in ("401", "413", "422", "429", "500", "503"):
        ref = ask[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    assert "403" in spec["paths"]["/v1/ingest"]["post"]["responses"]


# -- answers -------------------------------------------------------------------------------


def test_ask_cites_the_precedent_exactly(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": PRECEDENT})
    assert response.status_code == 200
    answer = response.json()
    assert not answer["refused"], answer
    assert any("Budapest Memorandum" in c["quote"] for c in answer["citations"])
    assert_quotes_exact(client, answer)


def test_ask_refuses_the_truncated_list(client: TestClient) -> None:
    answer = client.post("/v1/ask", json={"question": TRUNCATED}).json()
    assert answer["refused"] and answer["refusal_reason"] == "source_truncated"
    assert answer["gaps"] and answer["gaps"][0]["announcement"].endswith(":")
    assert_quotes_exact(client, answer)


def test_chat_keeps_history_and_serves_the_conversation(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": PRECEDENT})
    assert first.status_code == 200
    conversation_id = first.json()["conversation_id"]
    second = client.post(
        "/v1/chat", json={"conversation_id": conversation_id, "message": "When was it signed?"}
    )
    assert second.status_code == 200
    assert second.json()["conversation_id"] == conversation_id
    stored = client.get(f"/v1/conversations/{conversation_id}").json()
    assert [t["role"] for t in stored["turns"]] == ["user", "assistant"] * 2
    assert stored["turns"][0]["content"] == PRECEDENT
    first_answer = first.json()["answer"]
    assert stored["turns"][1]["citations"] == first_answer["citations"]
    assert stored["turns"][1]["answer"]["answer"] == first_answer["answer"]


def test_chat_with_unknown_conversation_is_404(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"conversation_id": "nope", "message": PRECEDENT})
    assert_error(response, 404, "not_found")
    assert_error(client.get("/v1/conversations/nope"), 404, "not_found")
    assert_error(
        client.post("/v1/chat/stream", json={"conversation_id": "x", "message": "hi"}), 404
    )


def test_chat_stream_sends_retrieval_deltas_citations_done(client: TestClient) -> None:
    response = client.post("/v1/chat/stream", json={"message": PRECEDENT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done"
    assert kinds == sorted(kinds, key=["retrieval", "delta", "citation", "done"].index)
    evidence = events[0][1]["evidence"]
    assert evidence and {"document", "chunk_id", "start", "end", "section", "text"} <= set(
        evidence[0]
    )
    done = events[-1][1]
    text = "".join(data["text"] for kind, data in events if kind == "delta")
    assert text == done["answer"]["answer"]
    cited = [data for kind, data in events if kind == "citation"]
    assert cited == done["answer"]["citations"]
    assert done["conversation_id"] == response.headers["x-conversation-id"]


def test_chat_with_stream_true_is_sse(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": TRUNCATED, "stream": True})
    events = sse_events(response.text)
    assert events[-1][0] == "done"
    assert events[-1][1]["answer"]["refusal_reason"] == "source_truncated"


def test_openai_completion_has_footnotes_and_verbatim_field(client: TestClient) -> None:
    body = {"model": "verbatim", "messages": [{"role": "user", "content": PRECEDENT}]}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    content = data["choices"][0]["message"]["content"]
    for c in data["verbatim"]["citations"]:
        assert f'[{c["id"]}] "{c["quote"]}" ({c["document"]}' in content
    assert data["verbatim"]["refused"] is False


def test_openai_stream_ends_with_a_usage_chunk_when_asked(client: TestClient) -> None:
    messages = [{"role": "user", "content": PRECEDENT}]
    plain = client.post("/v1/chat/completions", json={"messages": messages}).json()
    usage = plain["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

    def chunks(**extra: object) -> list[dict[str, Any]]:
        body = {"messages": messages, "stream": True, **extra}
        text = client.post("/v1/chat/completions", json=body).text
        lines = [line.removeprefix("data: ") for line in text.split("\n\n") if line]
        assert lines[-1] == "[DONE]"
        return [json.loads(line) for line in lines[:-1]]

    with_usage = chunks(stream_options={"include_usage": True})
    *content, last = with_usage
    assert last["choices"] == [] and last["usage"] == usage
    assert all(c["usage"] is None and c["choices"] for c in content)
    without = chunks()
    assert all("usage" not in c and c["choices"] for c in without)
    assert len(without) == len(content)


def test_openai_rejects_unknown_model_and_non_user_last_message(client: TestClient) -> None:
    bad_model = {"model": "gpt-4", "messages": [{"role": "user", "content": PRECEDENT}]}
    assert_error(client.post("/v1/chat/completions", json=bad_model), 404, "not_found")
    last_assistant = {"messages": [{"role": "assistant", "content": "hello"}]}
    assert_error(client.post("/v1/chat/completions", json=last_assistant), 422, "invalid_request")
    assert_error(client.post("/v1/chat/completions", json={"messages": []}), 422)
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["verbatim"]


# -- documents -----------------------------------------------------------------------------


def test_documents_list_and_detail_come_from_the_store(client: TestClient) -> None:
    docs = client.get("/v1/documents").json()["documents"]
    assert [d["id"] for d in docs] == ["shadow-negotiation-28-point-plan.txt"]
    assert "path" not in docs[0]
    doc = client.get(f"/v1/documents/{docs[0]['id']}").json()
    assert doc["text"] and doc["gaps"] and "sections" in doc and "path" not in doc
    assert_error(client.get("/v1/documents/missing.txt"), 404, "not_found")


@pytest.mark.parametrize(
    "doc_id",
    [
        "%2e%2e%2fpyproject.toml",
        "..%2f..%2f..%2fetc%2fpasswd",
        "%2Fetc%2Fpasswd",
        "corpus%2F..%2F..%2Fpyproject.toml",
        "C:%5Cwindows%5Cwin.ini",
        "a%00b",
    ],
)
def test_document_ids_never_reach_the_filesystem(client: TestClient, doc_id: str) -> None:
    response = client.get(f"/v1/documents/{doc_id}")
    assert_error(response, 404, "not_found")
    assert "root:" not in response.text and "[project]" not in response.text


# -- request validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n"}, "question"),
        ({"question": "x" * 100_000}, "question"),
        ({"question": 5}, "question"),
        ({"question": ["a"]}, "question"),
        ({}, "question"),
        ({"question": "hi", "extra": True}, "extra"),
        ({"question": "hi", "history": [{"role": "system", "content": "x"}]}, "history"),
        ({"question": "hi", "history": "nope"}, "history"),
    ],
)
def test_bad_ask_bodies_are_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    error = assert_error(client.post("/v1/ask", json=body), 422, "invalid_request")
    assert field in error["message"]
    assert "x" * 100 not in json.dumps(error)


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"question"', b"\xff\xfe"])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_request")


def test_bad_chat_bodies_are_422(client: TestClient) -> None:
    assert_error(client.post("/v1/chat", json={"message": ""}), 422)
    assert_error(client.post("/v1/chat", json={"message": "hi", "stream": "maybe"}), 422)
    assert_error(client.post("/v1/chat/stream", json={"message": "y" * 5000}), 422)
    assert_error(client.post("/v1/chat", json={"question": "hi"}), 422)
    assert_error(client.post("/v1/feedback", json={"rating": "meh"}), 422)


def test_unknown_route_and_wrong_method_use_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.get("/v1/ask"), 405, "method_not_allowed")


def test_unexpected_exceptions_are_500_without_details(sample: Components) -> None:
    app = create_app(sample.settings, components=sample)

    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/explode", explode)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode")
    error = assert_error(response, 500, "internal_error")
    assert "secret internal detail" not in error["message"]


# -- limits and keys -----------------------------------------------------------------------


def test_oversize_bodies_are_413(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_body_bytes=2048)
    with TestClient(create_app(settings, components=sample)) as client:
        big = {"question": "q" * 4000}
        assert_error(client.post("/v1/ask", json=big), 413, "payload_too_large")

        def chunks() -> Iterator[bytes]:
            yield b'{"question": "'
            yield b"q" * 4000
            yield b'"}'

        # No Content-Length: the limit holds on the bytes actually received.
        assert_error(client.post("/v1/ask", content=chunks()), 413, "payload_too_large")
        assert client.post("/v1/ask", json={"question": PRECEDENT}).status_code == 200


def test_api_keys_are_required_on_v1(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, api_keys=[USER_KEY], admin_keys=[ADMIN_KEY])
    with TestClient(create_app(settings, components=sample)) as client:
        body = {"question": PRECEDENT}
        assert_error(client.post("/v1/ask", json=body), 401, "unauthorized")
        wrong = client.post("/v1/ask", json=body, headers={"Authorization": "Bearer wrong-key"})
        assert_error(wrong, 401, "unauthorized")
        assert "wrong-key" not in wrong.text
        basic = client.post("/v1/ask", json=body, headers={"Authorization": f"Basic {USER_KEY}"})
        assert_error(basic, 401)
        assert_error(client.get("/v1/models"), 401)
        user = {"Authorization": f"Bearer {USER_KEY}"}
        assert client.post("/v1/ask", json=body, headers=user).status_code == 200
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        assert client.get("/v1/documents", headers=admin).status_code == 200
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200


def test_user_key_on_ingest_is_403(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, api_keys=[USER_KEY], admin_keys=[ADMIN_KEY])
    with TestClient(create_app(settings, components=sample)) as client:
        user = {"Authorization": f"Bearer {USER_KEY}"}
        response = client.post("/v1/ingest", json={"rescan": True}, headers=user)
        assert_error(response, 403, "forbidden")
        assert_error(client.post("/v1/ingest", json={"rescan": True}), 401)


def test_rate_limit_answers_429_with_retry_after(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_per_minute=3)
    with TestClient(create_app(settings, components=sample)) as client:
        statuses = [client.get("/v1/models").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = client.get("/v1/models")
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1
        assert client.get("/healthz").status_code == 200


def test_rate_limit_is_per_key(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, api_keys=[USER_KEY, "other-key-0123"], rate_limit_per_minute=2
    )
    with TestClient(create_app(settings, components=sample)) as client:
        first = {"Authorization": f"Bearer {USER_KEY}"}
        other = {"Authorization": "Bearer other-key-0123"}
        for _ in range(2):
            assert client.get("/v1/models", headers=first).status_code == 200
        assert client.get("/v1/models", headers=first).status_code == 429
        assert client.get("/v1/models", headers=other).status_code == 200


def test_cors_allows_configured_origins(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, cors_origins=["http://app.example"])
    with TestClient(create_app(settings, components=sample)) as client:
        preflight = client.options(
            "/v1/ask",
            headers={
                "Origin": "http://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "http://app.example"
        other = client.get("/healthz", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# -- ingest ----------------------------------------------------------------------------------

NEW_DOC = (
    "Lighthouse Maintenance Log\n\n"
    "The Kestrel Point lighthouse lens was replaced in March 2019 after a storm cracked it. "
    "The keeper, Mara Lindqvist, recorded that the new lens came from a foundry in Leith.\n"
)


def test_upload_ingests_a_new_document(fresh: Components) -> None:
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        files = [("files", ("../../evil name.txt", NEW_DOC.encode(), "text/plain"))]
        response = client.post("/v1/ingest", files=files)
        assert response.status_code == 200, response.text
        assert response.json()["new"] == 1
        assert (Path(fresh.settings.data_dir) / "uploads" / "evil_name.txt").exists()
        assert not (Path(fresh.settings.data_dir).parent / "evil name.txt").exists()
        ids = [d["id"] for d in client.get("/v1/documents").json()["documents"]]
        assert ids == ["evil_name.txt"]
        answer = client.post("/v1/ask", json={"question": "Where did the new lens come from?"})
        quotes = " ".join(c["quote"] for c in answer.json()["citations"])
        assert "Leith" in quotes, answer.json()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("binary.txt", bytes(range(256)) * 20),
        ("empty.txt", b""),
        ("image.pdf", b"%PDF-1.4 not really a pdf \x00\x01\x02"),
    ],
)
def test_bad_uploads_are_422_and_leave_the_index_alone(
    fresh: Components, name: str, content: bytes
) -> None:
    fresh.pipeline().run([SAMPLE_CORPUS])
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        before = client.get("/v1/documents").json()
        response = client.post("/v1/ingest", files=[("files", (name, content, "text/plain"))])
        error = assert_error(response, 422, "ingest_failed")
        assert error["details"][0]["path"] == name
        assert client.get("/v1/documents").json() == before
        assert not (Path(fresh.settings.data_dir) / "uploads" / name).exists()
        assert client.post("/v1/ask", json={"question": PRECEDENT}).status_code == 200


def test_unsupported_and_missing_uploads_are_422(fresh: Components) -> None:
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        exe = client.post("/v1/ingest", files=[("files", ("tool.exe", b"MZ", "application/x"))])
        assert "unsupported" in assert_error(exe, 422)["message"]
        nothing = client.post("/v1/ingest", data={"note": "x"}, files=[])
        assert_error(nothing, 422)
        assert_error(
            client.post("/v1/ingest", content=b"x", headers={"content-type": "text/plain"}), 422
        )
        assert_error(client.post("/v1/ingest", json={"rescan": False}), 422)
        assert_error(client.post("/v1/ingest", json={"rescan": True, "x": 1}), 422)


def test_oversize_upload_is_413(sample: Components, tmp_path: Path) -> None:
    fresh = components_for(make_settings(tmp_path / "d", max_upload_bytes=2048), sample)
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        big = [("files", ("big.txt", b"word " * 1000, "text/plain"))]
        assert_error(client.post("/v1/ingest", files=big), 413, "payload_too_large")
        huge = [("files", ("huge.txt", b"word " * 30_000, "text/plain"))]
        assert_error(client.post("/v1/ingest", files=huge), 413, "payload_too_large")
        assert client.get("/v1/documents").json()["documents"] == []


def test_rescan_ingests_the_corpus_folder(fresh: Components) -> None:
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        first = client.post("/v1/ingest", json={"rescan": True})
        assert first.status_code == 200, first.text
        assert first.json()["new"] == 1
        again = client.post("/v1/ingest", json={"rescan": True}).json()
        assert again["unchanged"] == 1 and again["embedded"] == 0
        assert client.get("/readyz").status_code == 200
        assert "verbatim_ingest_files_total" in client.get("/metrics").text


def test_concurrent_ingests_wait_for_each_other(fresh: Components) -> None:
    with TestClient(create_app(fresh.settings, components=fresh)) as client:
        results: list[dict[str, Any]] = []

        def rescan() -> None:
            results.append(client.post("/v1/ingest", json={"rescan": True}).json())

        threads = [threading.Thread(target=rescan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r["new"] for r in results) == [0, 1]
        assert sorted(r["unchanged"] for r in results) == [0, 1]
        docs = client.get("/v1/documents").json()["documents"]
        assert [d["chunks"] for d in docs] == [fresh.sources.count_chunks()]


def test_malformed_multipart_is_a_json_error(client: TestClient) -> None:
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    response = client.post("/v1/ingest", content=b"--xyz\r\nbroken", headers=headers)
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


def test_unreachable_chroma_is_503_not_500(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, chroma={"url": "http://127.0.0.1:9", "timeout_s": 1})
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert (
            "unreachable" in assert_error(client.get("/readyz"), 503, "index_not_ready")["message"]
        )
        assert_error(client.post("/v1/ask", json={"question": PRECEDENT}), 503, "index_not_ready")
        assert_error(client.get("/v1/documents"), 503, "index_not_ready")


def test_failed_key_guesses_are_rate_limited(sample: Components, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, api_keys=[USER_KEY], rate_limit_per_minute=2)
    with TestClient(create_app(settings, components=sample)) as client:
        guesses = [
            client.get("/v1/models", headers={"Authorization": f"Bearer guess-{i}"})
            for i in range(3)
        ]
        assert [r.status_code for r in guesses] == [401, 401, 429]
        assert "Retry-After" in guesses[-1].headers
