"""The FastAPI app: the HTTP API under ``/v1``, probes, metrics and the web chat page at ``/``.

``create_app`` builds nothing at import time; the lifespan loads the model once, opens the
conversation store and warms the embedder so the first request is fast.  Every error leaves as
``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.api.deps import (
    REBUILD_INTERVAL_S,
    ApiState,
    TokenBucketLimiter,
    authorize,
    get_components,
    get_conversations,
)
from qa.api.routes_ask import router as ask_router
from qa.api.routes_documents import router as documents_router
from qa.api.routes_openai import router as openai_router
from qa.api.routes_ops import router as ops_router
from qa.components import Components, build
from qa.errors import DatabaseUnavailableError, RateLimitError, VerbatimError
from qa.metrics import Metrics
from qa.settings import Settings, get_settings
from qa.slack import mount_slack
from vectorstore import StorageUnavailableError

log = logging.getLogger("verbatim.api")

STATIC_DIR = Path(__file__).parent / "static"
# Multipart framing around an upload of exactly max_upload_bytes.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def create_app(
    settings: Settings | None = None, *, components: Components | None = None
) -> FastAPI:
    """Build the app; ``components`` lets tests and embedders share one loaded model."""
    settings = settings or get_settings()
    state = ApiState(
        settings=settings,
        metrics=Metrics(),
        limiter=TokenBucketLimiter(settings.rate_limit_per_minute),
        components=components,
    )
    app = FastAPI(
        title="Verbatim",
        summary="Answers quoted exactly from your documents, or a typed refusal.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    app.state.verbatim = state
    _add_exception_handlers(app)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After", "X-Conversation-Id"],
        )
    for router in (ask_router, openai_router, documents_router, ops_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    mount_slack(
        app,
        settings,
        lambda: get_components(state).chain(),
        store=lambda: get_conversations(state).feedback,
        metrics=state.metrics,
    )
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ApiState = app.state.verbatim
    await run_in_threadpool(_start, state)
    try:
        yield
    finally:
        if state.conversations is not None:
            state.conversations.close()


def _start(state: ApiState) -> None:
    """Open the conversation store, build the components and warm the model up."""
    try:
        get_conversations(state)
    except VerbatimError as exc:
        log.warning("starting without the conversation store: %s", exc.message)
    if state.components is None:
        try:
            state.components = build(state.settings)
        except VerbatimError as exc:
            # Keep serving: /readyz reports it and later requests retry the build.
            state.startup_error = exc.message
            state.retry_build_at = time.monotonic() + REBUILD_INTERVAL_S
            log.warning("starting without an index: %s", exc.message)
            return
    state.components.embedder.embed_query("warm up")
    chain = state.components.chain()
    if state.components.sources.count_chunks():
        # One real pass loads the lexical index and corpus statistics before traffic arrives.
        try:
            chain.ask("What do the documents say?")
        except VerbatimError as exc:
            log.warning("warm-up question failed: %s", exc.message)


# -- errors -------------------------------------------------------------------------------


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The API's one error shape."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def error_payload(exc: VerbatimError) -> dict[str, Any]:
    """The error JSON of a Verbatim error (also sent as an SSE ``error`` event)."""
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    details = getattr(exc, "details", None)
    if details:
        body["details"] = details
    return {"error": body}


def _add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VerbatimError, _verbatim_error)
    app.add_exception_handler(StorageUnavailableError, _storage_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _verbatim_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VerbatimError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitError) else None
    if exc.status_code >= 500:
        log.warning("%s %s: %s", request.method, request.url.path, exc.message)
    return JSONResponse(error_payload(exc), status_code=exc.status_code, headers=headers)


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorageUnavailableError)
    return await _verbatim_error(request, DatabaseUnavailableError.wrap(exc))


async def _unauthorized(request: Request) -> JSONResponse | None:
    """The key check for a /v1 request whose body failed to parse before the check ran.

    FastAPI parses a JSON body before running dependencies; without this, a caller with no key
    would learn whether its body parses (422) instead of being told to authenticate (401).
    """
    if not request.url.path.startswith("/v1/") or hasattr(request.state, "principal"):
        return None
    try:
        authorize(request, request.app.state.verbatim)
    except VerbatimError as exc:
        return await _verbatim_error(request, exc)
    return None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    refused = await _unauthorized(request)
    if refused is not None:
        return refused
    details = [_field_error(e) for e in exc.errors()]
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return error_response(422, "invalid_request", message, details=details)


def _field_error(error: Any) -> dict[str, Any]:
    loc = [str(part) for part in error.get("loc", ()) if part != "body"]
    kind = str(error.get("type", ""))
    message = str(error.get("msg", "invalid value"))
    if kind == "json_invalid":
        message = f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'parse error')})"
        loc = []
    # Never echo the input back: it may be huge or hold a secret.
    return {"field": ".".join(loc) or "body", "message": message, "type": kind}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        refused = await _unauthorized(request)
        if refused is not None:
            return refused
        # FastAPI and Starlette answer 400 when a body cannot be parsed at all (JSON that is not
        # UTF-8, broken multipart framing): the same invalid request as malformed JSON, so 422.
        if isinstance(exc.__cause__, UnicodeDecodeError):
            message = "the body is not valid JSON (it is not UTF-8 text)"
        else:
            message = f"the body could not be parsed ({exc.detail})"
        details = [{"field": "body", "message": message, "type": "body_invalid"}]
        return error_response(422, "invalid_request", f"body: {message}", details=details)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "An unexpected error occurred.")


# -- middleware ---------------------------------------------------------------------------


class BodyLimitMiddleware:
    """Answers 413 when a body is over the limit, by Content-Length or by bytes received.

    The body is read (up to the limit) before the app runs and then replayed, so an oversize
    body never reaches JSON or multipart parsing.  Uploads to /v1/ingest get the upload limit.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.max_upload = settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, buffer and replay the request body."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if scope["path"].rstrip("/") == "/v1/ingest" else self.max_body
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > limit:
                await _too_large(scope, receive, send, limit)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = error_response(
        413, "payload_too_large", f"The request body is over the limit of {limit} bytes."
    )
    await response(scope, receive, send)


class MetricsMiddleware:
    """Counts requests by route template and status, and times them."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Observe one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or _unmatched(scope)
            self.metrics.observe_request(
                template, scope["method"], status, time.perf_counter() - started
            )


def _unmatched(scope: Scope) -> str:
    # Never label by raw path: unknown URLs would make unbounded label sets.
    return "/static" if scope["path"].startswith("/static/") else "unmatched"
