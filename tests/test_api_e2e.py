"""End to end against a real uvicorn server on loopback: SSE event by event, the official
``openai`` client (plain and streaming), and the model list."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from helpers import LiveServer, read_sse

pytestmark = pytest.mark.server

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
ORDER = ["retrieval", "delta", "citation", "done"]


def stream_chat(server: LiveServer, message: str) -> list[tuple[str, Any]]:
    """POST /v1/chat/stream and collect the events in arrival order."""
    with (
        httpx.Client(base_url=server.url, timeout=30) as http,
        http.stream("POST", "/v1/chat/stream", json={"message": message}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(read_sse(response.iter_lines()))


@pytest.fixture(scope="module")
def client(api_server: LiveServer) -> openai.OpenAI:
    """The official OpenAI client pointed at the server."""
    return openai.OpenAI(base_url=f"{api_server.url}/v1", api_key="not-needed", max_retries=0)


def test_sse_events_arrive_in_order_and_match_ask(api_server: LiveServer) -> None:
    events = stream_chat(api_server, PRECEDENT)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "retrieval" and kinds[-1] == "done" and kinds.count("done") == 1
    assert [ORDER.index(k) for k in kinds] == sorted(ORDER.index(k) for k in kinds)
    assert "delta" in kinds and "citation" in kinds
    done = events[-1][1]
    assert done["conversation_id"]
    asked = httpx.post(f"{api_server.url}/v1/ask", json={"question": PRECEDENT}, timeout=30)
    expected = asked.json()
    streamed = done["answer"]
    for answer in (expected, streamed):
        answer.pop("timings_ms")
    assert streamed == expected
    assert "".join(d["text"] for k, d in events if k == "delta") == streamed["answer"]
    assert [d for k, d in events if k == "citation"] == streamed["citations"]


def test_sse_refusal_stream_ends_with_typed_refusal(api_server: LiveServer) -> None:
    events = stream_chat(api_server, TRUNCATED)
    answer = events[-1][1]["answer"]
    assert answer["refused"] and answer["refusal_reason"] == "source_truncated"


def test_openai_client_non_streaming(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="verbatim",
        messages=[
            {"role": "system", "content": "Answer like a pirate."},
            {"role": "user", "content": PRECEDENT},
        ],
    )
    content = completion.choices[0].message.content or ""
    extra: dict[str, Any] = completion.model_extra["verbatim"]  # type: ignore[index]
    assert not extra["refused"]
    assert any("Budapest Memorandum" in c["quote"] for c in extra["citations"])
    for c in extra["citations"]:
        assert f'[{c["id"]}] "{c["quote"]}"' in content
    assert completion.choices[0].finish_reason == "stop"


def test_openai_client_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="verbatim", messages=[{"role": "user", "content": TRUNCATED}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert content.startswith("The source text is cut off here")
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    extra: dict[str, Any] = last.model_extra["verbatim"]  # type: ignore[index]
    assert extra["refusal_reason"] == "source_truncated"
    assert extra["citations"][-1]["quote"] in content


def test_openai_client_follow_up_uses_history(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="verbatim", messages=[{"role": "user", "content": PRECEDENT}]
    )
    follow = client.chat.completions.create(
        model="verbatim",
        messages=[
            {"role": "user", "content": PRECEDENT},
            {"role": "assistant", "content": first.choices[0].message.content or ""},
            {"role": "user", "content": "What did it promise?"},
        ],
    )
    assert follow.choices[0].message.content


def test_openai_client_lists_the_model_and_raises_on_errors(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["verbatim"]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PRECEDENT}]
        )
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="verbatim", messages=[{"role": "user", "content": ""}])
