"""The OpenAI-compatible surface: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Any OpenAI client can talk to Verbatim.  The reply's content is the answer followed by numbered
footnotes holding the exact quotes; the grounding facts also ride along in an extra ``verbatim``
field (citations, refused, refusal_reason, gaps).  System messages are ignored: documents, not
instructions, decide the answer.

``usage`` counts words and punctuation marks (no language model runs, so there are no model
tokens): the question and history as ``prompt_tokens``, the reply as ``completion_tokens``.  A
stream asked for with ``stream_options: {"include_usage": true}`` ends, as OpenAI's does, with
a chunk whose ``choices`` is empty and whose ``usage`` holds the counts.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from qa.api.deps import ChainDep, MetricsDep, SettingsDep, authorize
from qa.api.routes_ask import SSE_HEADERS, guarded, open_events, validate_question
from qa.api.schemas import ChatCompletionRequest, ModelList, error_responses
from qa.errors import InvalidRequestError, NotFoundError
from qa.metrics import Metrics
from qa.settings import Settings
from qa.types import Answer, Turn

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Depends(authorize)])

MODEL_ID = "verbatim"
MODEL_CREATED = 1_735_689_600  # 2025-01-01, a fixed date so the listing is stable
MAX_TURN_CHARS = 20_000
FOOTNOTES = re.compile(r"\n\n\[1\] .*\Z", re.DOTALL)


def footnotes(answer: Answer) -> str:
    """The numbered quotes with their documents, as appended to the reply."""
    lines = []
    for c in answer.citations:
        where = f"{c.document}, {c.section}" if c.section else c.document
        lines.append(f'[{c.id}] "{c.quote}" ({where})')
    return "\n\n" + "\n".join(lines) if lines else ""


def verbatim_extra(answer: Answer) -> dict[str, Any]:
    """The grounding facts added to every OpenAI-shaped response."""
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "gaps": [g.model_dump() for g in answer.gaps],
    }


def split_messages(body: ChatCompletionRequest, settings: Settings) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user/assistant messages are history."""
    turns: list[Turn] = []
    for i, message in enumerate(body.messages):
        if message.role not in ("user", "assistant"):
            continue
        text = message.text()
        if message.role == "assistant":
            text = FOOTNOTES.sub("", text)
        if len(text) > MAX_TURN_CHARS:
            raise InvalidRequestError(f"messages.{i}.content is over {MAX_TURN_CHARS} characters.")
        turns.append(Turn(role=message.role, content=text))
    if not turns or turns[-1].role != "user":
        raise InvalidRequestError("messages: the last message must come from the user.")
    question = validate_question(turns[-1].content, settings, field="messages")
    return question, turns[:-1]


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise NotFoundError(f"Unknown model {model[:100]!r}: the only model is {MODEL_ID!r}.")


def _error_line(error: dict[str, Any]) -> str:
    return f"data: {json.dumps(error)}\n\n"


TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Words and punctuation marks in ``text`` (what ``usage`` counts)."""
    return len(TOKEN.findall(text))


def usage(question: str, history: list[Turn], reply: str) -> dict[str, int]:
    """OpenAI's ``usage`` object for one exchange."""
    prompt = count_tokens(question) + sum(count_tokens(t.content) for t in history)
    completion = count_tokens(reply)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def completion(
    answer: Answer, completion_id: str, created: int, counts: dict[str, int]
) -> dict[str, Any]:
    """A ``chat.completion`` object for an Answer."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer + footnotes(answer)},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": counts,
        "verbatim": verbatim_extra(answer),
    }


def _chunk(completion_id: str, created: int, delta: dict[str, Any], **extra: Any) -> str:
    data = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {
                "index": 0,
                "delta": delta,
                "finish_reason": extra.pop("finish_reason", None),
                "logprobs": None,
            }
        ],
        **extra,
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def completion_chunks(
    events: Iterator[tuple[str, Any]],
    completion_id: str,
    created: int,
    metrics: Metrics,
    *,
    prompt: tuple[str, list[Turn]] | None = None,
) -> Iterator[str]:
    """Chain events as OpenAI ``chat.completion.chunk`` lines, ending with ``[DONE]``.

    With ``prompt`` (the question and history; ``include_usage`` was asked for), every chunk
    carries ``"usage": null`` and a last chunk with no choices carries the usage.
    """
    extra: dict[str, Any] = {"usage": None} if prompt is not None else {}
    yield _chunk(completion_id, created, {"role": "assistant", "content": ""}, **extra)
    for kind, payload in events:
        if kind == "delta":
            yield _chunk(completion_id, created, {"content": payload}, **extra)
        elif kind == "done":
            metrics.observe_answer(payload, "openai")
            notes = footnotes(payload)
            if notes:
                yield _chunk(completion_id, created, {"content": notes}, **extra)
            yield _chunk(
                completion_id,
                created,
                {},
                finish_reason="stop",
                verbatim=verbatim_extra(payload),
                **extra,
            )
            if prompt is not None:
                counts = usage(*prompt, payload.answer + notes)
                yield _usage_chunk(completion_id, created, counts)
    yield "data: [DONE]\n\n"


def _usage_chunk(completion_id: str, created: int, counts: dict[str, int]) -> str:
    data = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [],
        "usage": counts,
    }
    return f"data: {json.dumps(data)}\n\n"


@router.post(
    "/chat/completions",
    responses={
        **error_responses(404, 502),
        200: {
            "description": "A chat.completion, or with stream=true chat.completion.chunk SSE",
            "content": {"application/json": {}, "text/event-stream": {}},
        },
    },
    summary="OpenAI-compatible chat completion (model 'verbatim')",
)
def chat_completions(
    body: ChatCompletionRequest, chain: ChainDep, settings: SettingsDep, metrics: MetricsDep
) -> Any:
    """Answer the last user message; the reply carries footnoted quotes and a ``verbatim`` field."""
    _check_model(body.model)
    question, history = split_messages(body, settings)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        events = open_events(chain, question, history)
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        chunks = completion_chunks(
            events,
            completion_id,
            created,
            metrics,
            prompt=(question, history) if include_usage else None,
        )
        return StreamingResponse(
            guarded(chunks, _error_line),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )
    answer = chain.ask(question, history)
    metrics.observe_answer(answer, "openai")
    counts = usage(question, history, answer.answer + footnotes(answer))
    return completion(answer, completion_id, created, counts)


@router.get("/models", response_model=ModelList, responses=error_responses())
def list_models() -> dict[str, Any]:
    """The one model Verbatim serves, in OpenAI's list format."""
    return {
        "object": "list",
        "data": [
            {"id": MODEL_ID, "object": "model", "created": MODEL_CREATED, "owned_by": "verbatim"}
        ],
    }
