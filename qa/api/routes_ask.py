"""Questions and conversations: ``/v1/ask``, ``/v1/chat`` (JSON or SSE), conversations, feedback.

Handlers are plain ``def``: FastAPI runs them in its thread pool, since the chain is CPU-bound.
Streams are sync generators that Starlette also iterates in the thread pool.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from qa.api.deps import (
    ChainDep,
    ConversationsDep,
    MetricsDep,
    SettingsDep,
    authorize,
)
from qa.api.schemas import (
    AskRequest,
    ChatRequest,
    ChatResponse,
    ConversationResponse,
    FeedbackRequest,
    error_responses,
)
from qa.chain import VerbatimChain
from qa.conversations import ConversationStore
from qa.errors import InvalidRequestError, VerbatimError
from qa.metrics import Metrics
from qa.settings import Settings
from qa.types import Answer, Citation, Evidence, Turn

log = logging.getLogger("verbatim.api")

router = APIRouter(prefix="/v1", tags=["questions"], dependencies=[Depends(authorize)])

PREVIEW_CHARS = 280
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with stream=true an SSE stream of retrieval, delta, citation, "
        "done (or error) events",
        "content": {"application/json": {}, "text/event-stream": {}},
    }
}

Event = tuple[str, Any]


def validate_question(text: str, settings: Settings, field: str = "question") -> str:
    """Reject an empty or over-long question with a 422 before the chain runs."""
    if not text.strip():
        raise InvalidRequestError(f"{field}: the question is empty.")
    if len(text) > settings.max_question_chars:
        raise InvalidRequestError(
            f"{field}: the question is too long ({len(text)} characters; "
            f"the limit is {settings.max_question_chars})."
        )
    return text


def open_events(chain: VerbatimChain, question: str, history: Sequence[Turn]) -> Iterator[Event]:
    """Start the chain's events; the first (retrieval) runs now so errors get a real status."""
    events = chain.events(question, history)
    first = next(events, None)
    return _prepend(first, events)


def _prepend(first: Event | None, rest: Iterator[Event]) -> Iterator[Event]:
    if first is not None:
        yield first
        yield from rest


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def evidence_json(evidence: Sequence[Evidence]) -> list[dict[str, Any]]:
    """The retrieved passages as the ``retrieval`` event shows them."""
    return [
        {
            "rank": rank,
            "document": ev.chunk.document,
            "chunk_id": ev.chunk.id,
            "start": ev.chunk.start,
            "end": ev.chunk.end,
            "section": ev.chunk.section,
            "score": round(ev.score, 6),
            "text": ev.chunk.text[:PREVIEW_CHARS],
        }
        for rank, ev in enumerate(evidence, start=1)
    ]


def guarded(events: Iterator[str], error_event: Callable[[dict[str, Any]], str]) -> Iterator[str]:
    """Pass a stream through; a failure mid-stream becomes a final ``error`` event."""
    try:
        yield from events
    except VerbatimError as exc:
        yield error_event({"error": {"code": exc.code, "message": exc.message}})
    except Exception:
        log.exception("stream failed")
        message = "An unexpected error occurred."
        yield error_event({"error": {"code": "internal_error", "message": message}})


def chat_sse(events: Iterator[Event], finish: Callable[[Answer], dict[str, Any]]) -> Iterator[str]:
    """Render chain events as the /v1/chat SSE stream; ``finish`` stores the answer."""
    for kind, payload in events:
        if kind == "retrieval":
            yield sse("retrieval", {"evidence": evidence_json(payload)})
        elif kind == "delta":
            yield sse("delta", {"text": payload})
        elif kind == "citation":
            assert isinstance(payload, Citation)
            yield sse("citation", payload.model_dump())
        elif kind == "done":
            yield sse("done", finish(payload))


@router.post(
    "/ask",
    response_model=Answer,
    responses=error_responses(502),
    summary="Answer one question (optionally with earlier turns)",
)
def ask(body: AskRequest, chain: ChainDep, settings: SettingsDep, metrics: MetricsDep) -> Answer:
    """Answer one question, quoting the documents exactly, or refuse with a reason."""
    validate_question(body.question, settings)
    answer = chain.ask(body.question, body.history)
    metrics.observe_answer(answer, "ask")
    return answer


def _start_chat(
    body: ChatRequest, store: ConversationStore, settings: Settings
) -> tuple[str, list[Turn]]:
    validate_question(body.message, settings, field="message")
    if body.conversation_id is None:
        return store.new_id(), []
    store.require(body.conversation_id)
    return body.conversation_id, store.history(body.conversation_id)


def _finisher(
    store: ConversationStore, metrics: Metrics, conversation_id: str, message: str
) -> Callable[[Answer], dict[str, Any]]:
    def finish(answer: Answer) -> dict[str, Any]:
        store.add_exchange(conversation_id, message, answer)
        metrics.observe_answer(answer, "chat")
        return {"conversation_id": conversation_id, "answer": answer.model_dump()}

    return finish


def _stream_chat(
    body: ChatRequest,
    chain: VerbatimChain,
    store: ConversationStore,
    settings: Settings,
    metrics: Metrics,
) -> StreamingResponse:
    conversation_id, history = _start_chat(body, store, settings)
    events = open_events(chain, body.message, history)
    finish = _finisher(store, metrics, conversation_id, body.message)
    return StreamingResponse(
        guarded(chat_sse(events, finish), lambda err: sse("error", err)),
        media_type="text/event-stream",
        headers={**SSE_HEADERS, "X-Conversation-Id": conversation_id},
    )


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={**error_responses(404, 502), **STREAM_RESPONSES},
    summary="Send a message in a conversation (history is kept server-side)",
)
def chat(
    body: ChatRequest,
    chain: ChainDep,
    store: ConversationsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> ChatResponse | StreamingResponse:
    """Answer a message using the conversation's stored history; ``stream`` switches to SSE."""
    if body.stream:
        return _stream_chat(body, chain, store, settings, metrics)
    conversation_id, history = _start_chat(body, store, settings)
    answer = chain.ask(body.message, history)
    _finisher(store, metrics, conversation_id, body.message)(answer)
    return ChatResponse(conversation_id=conversation_id, answer=answer)


@router.post(
    "/chat/stream",
    responses={**error_responses(404, 502), **STREAM_RESPONSES},
    response_class=StreamingResponse,
    summary="Send a message and stream the answer as Server-Sent Events",
)
def chat_stream(
    body: ChatRequest,
    chain: ChainDep,
    store: ConversationsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> StreamingResponse:
    """SSE: ``retrieval``, ``delta``…, ``citation``…, then ``done`` (or ``error``)."""
    return _stream_chat(body, chain, store, settings, metrics)


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationResponse,
    responses=error_responses(404),
    summary="A stored conversation with every turn and its citations",
)
def get_conversation(conversation_id: str, store: ConversationsDep) -> dict[str, Any]:
    """Every turn of a conversation, assistant turns with their Answer."""
    return store.get(conversation_id)


@router.post(
    "/feedback",
    status_code=202,
    responses=error_responses(404),
    summary="Rate an answer (thumbs up or down)",
)
def feedback(body: FeedbackRequest, store: ConversationsDep, metrics: MetricsDep) -> dict[str, str]:
    """Record a rating of an answer and count it in the metrics."""
    if body.conversation_id is not None:
        store.require(body.conversation_id)
    store.add_feedback(
        body.rating,
        source=body.source,
        conversation_id=body.conversation_id,
        turn=body.turn,
        comment=body.comment,
    )
    metrics.observe_feedback(body.rating, body.source)
    return {"status": "recorded"}
