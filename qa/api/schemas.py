"""Request and response models of the HTTP API.

Request models forbid unknown fields (a typo answers 422 instead of being ignored), except the
OpenAI-compatible request, which ignores the sampling options OpenAI clients always send.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.types import Answer, Citation, GapInfo, RefusalReason, Turn


class ErrorBody(BaseModel):
    """What went wrong: a stable code and a message for people."""

    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorBody


class AskRequest(BaseModel):
    """One question, optionally with earlier turns."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question; at most max_question_chars characters.")
    history: list[Turn] = Field(default_factory=list, max_length=50)


class ChatRequest(BaseModel):
    """One message of a stored conversation."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(None, max_length=64)
    message: str
    stream: bool = False


class ChatResponse(BaseModel):
    """The answer and the conversation it belongs to."""

    conversation_id: str
    answer: Answer


class ConversationTurn(BaseModel):
    """One stored turn; assistant turns carry their Answer and citations."""

    role: Literal["user", "assistant"]
    content: str
    created_at: float
    answer: Answer | None = None
    citations: list[Citation] = Field(default_factory=list)


class ConversationResponse(BaseModel):
    """A stored conversation."""

    conversation_id: str
    created_at: float
    updated_at: float
    turns: list[ConversationTurn]


class FeedbackRequest(BaseModel):
    """A thumbs up or down on an answer."""

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    conversation_id: str | None = Field(None, max_length=64)
    turn: int | None = Field(None, ge=0)
    comment: str | None = Field(None, max_length=2000)
    source: Literal["api", "web"] = "api"


class IngestRequest(BaseModel):
    """Re-ingest the configured corpus folder."""

    model_config = ConfigDict(extra="forbid")

    rescan: Literal[True]
    prune: bool = False


class IngestResponse(BaseModel):
    """What one ingest run did (``verbatim ingest --json``)."""

    documents: int
    new: int
    changed: int
    unchanged: int
    removed: int
    chunks: int
    embedded: int
    chunks_total: int
    skipped: list[str]
    failed: list[dict[str, str]]
    gaps: list[dict[str, Any]]
    seconds: float


class DocumentSummary(BaseModel):
    """One stored document, without its text."""

    id: str
    title: str | None = None
    media_type: str
    chars: int
    chunks: int
    gaps: int
    content_hash: str
    updated_at: float | None = None


class DocumentList(BaseModel):
    """Every stored document."""

    documents: list[DocumentSummary]


class DocumentDetail(BaseModel):
    """A stored document: the text citations point into, its structure and gaps."""

    id: str
    title: str | None = None
    media_type: str
    content_hash: str
    text: str
    sections: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    caption: dict[str, Any] | None = None
    gaps: list[dict[str, Any]]


class ReadyResponse(BaseModel):
    """Readiness facts."""

    ready: bool
    chroma: bool
    chunks: int


class ChatMessage(BaseModel):
    """An OpenAI chat message; content may be a string or a list of text parts."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text, with list-form content parts joined."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class StreamOptions(BaseModel):
    """OpenAI's ``stream_options``: ``include_usage`` adds a final chunk with the usage."""

    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat completion request Verbatim honours."""

    model_config = ConfigDict(extra="ignore")

    model: str = "verbatim"
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    stream_options: StreamOptions | None = None


class VerbatimExtra(BaseModel):
    """The grounding facts added to OpenAI-shaped responses."""

    citations: list[Citation]
    refused: bool
    refusal_reason: RefusalReason | None = None
    gaps: list[GapInfo]


class ModelCard(BaseModel):
    """One entry of ``GET /v1/models``."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """OpenAI's model list."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong API key"},
    413: {"model": ErrorResponse, "description": "Request body too large"},
    422: {"model": ErrorResponse, "description": "Invalid request"},
    429: {"model": ErrorResponse, "description": "Rate limited (see Retry-After)"},
    500: {"model": ErrorResponse, "description": "Unexpected server error"},
    503: {"model": ErrorResponse, "description": "Index not ready"},
}


def error_responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of a /v1 route, plus route-specific ones."""
    more = {
        400: "Bad request",
        403: "Admin key required",
        404: "Not found",
        409: "Conflict",
        502: "Answer backend failed",
    }
    responses = dict(ERROR_RESPONSES)
    for status in extra:
        responses[status] = {"model": ErrorResponse, "description": more.get(status, "Error")}
    return responses
