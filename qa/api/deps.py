"""Dependencies of the routes: the shared parts on ``app.state``, API keys and rate limits.

Routes take what they need as ``Annotated`` aliases (``ChainDep``, ``SettingsDep`` ...); the
``/v1`` router depends on :func:`authorize`, which checks the key and takes a rate-limit token.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from qa.chain import VerbatimChain
from qa.components import Components, build, open_database
from qa.conversations import ConversationStore
from qa.errors import (
    AuthError,
    ForbiddenError,
    IndexNotReadyError,
    RateLimitError,
    VerbatimError,
)
from qa.metrics import Metrics
from qa.settings import Settings

# While the store is unreachable, rebuild at most this often (a build loads the model).
REBUILD_INTERVAL_S = 5.0


class TokenBucketLimiter:
    """Per-identity token buckets: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int, *, max_identities: int = 10_000) -> None:
        if per_minute < 0:
            raise ValueError("per_minute must be >= 0 (0 disables the limit)")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_identities = max_identities
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, identity: str, now: float | None = None) -> int | None:
        """Spend one token; ``None`` when allowed, else the seconds until a token is back."""
        if self.rate == 0:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(identity, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[identity] = (tokens - 1.0, now)
                self._evict_full(now)
                return None
            self._buckets[identity] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _evict_full(self, now: float) -> None:
        if len(self._buckets) <= self.max_identities:
            return
        # A bucket that has refilled completely carries no state worth keeping.
        full_after = self.capacity / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key fingerprint (never the key) or the client address."""

    identity: str
    admin: bool


@dataclass
class ApiState:
    """Everything the routes share, kept on ``app.state.verbatim``."""

    settings: Settings
    metrics: Metrics
    limiter: TokenBucketLimiter
    conversations: ConversationStore | None = None
    components: Components | None = None
    startup_error: str | None = None
    retry_build_at: float = 0.0
    ingest_lock: threading.Lock = field(default_factory=threading.Lock)
    build_lock: threading.Lock = field(default_factory=threading.Lock)


def get_state(request: Request) -> ApiState:
    """The app's shared state."""
    state: ApiState = request.app.state.verbatim
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    """The app's settings."""
    return state.settings


def get_metrics(state: StateDep) -> Metrics:
    """The app's metrics."""
    return state.metrics


def get_components(state: StateDep) -> Components:
    """The shared components; built on demand (at most every few seconds) if startup failed."""
    if state.components is not None:
        return state.components
    with state.build_lock:
        if state.components is None and time.monotonic() >= state.retry_build_at:
            state.retry_build_at = time.monotonic() + REBUILD_INTERVAL_S
            try:
                state.components = build(state.settings)
                state.startup_error = None
            except VerbatimError as exc:
                state.startup_error = exc.message
    if state.components is None:
        raise IndexNotReadyError(state.startup_error or "The index is not loaded.")
    return state.components


ComponentsDep = Annotated[Components, Depends(get_components)]


def get_chain(parts: ComponentsDep) -> VerbatimChain:
    """The answer chain for the configured backend."""
    return parts.chain()


def get_conversations(state: StateDep) -> ConversationStore:
    """The conversation store, opened on first use (the database may come up after the app).

    Raises:
        IndexNotReadyError: the database cannot be reached.
    """
    if state.conversations is None:
        with state.build_lock:
            if state.conversations is None:
                database = (
                    state.components.sources.database
                    if state.components is not None
                    else open_database(state.settings)
                )
                state.conversations = ConversationStore(database)
    return state.conversations


SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ChainDep = Annotated[VerbatimChain, Depends(get_chain)]
ConversationsDep = Annotated[ConversationStore, Depends(get_conversations)]


def _matches(presented: str, keys: list[SecretStr]) -> bool:
    """Constant-time comparison against every configured key."""
    given = presented.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.get_secret_value().encode())
    return found


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def identify(request: Request, settings: Settings) -> Principal:
    """Check the API key (when keys are configured) and say who is calling."""
    if not settings.api_keys and not settings.admin_keys:
        host = request.client.host if request.client else "unknown"
        return Principal(identity=f"ip:{host}", admin=True)
    token = _bearer(request)
    if token is None:
        raise AuthError("Missing API key: send 'Authorization: Bearer <key>'.")
    admin = _matches(token, settings.admin_keys)
    if not admin and not _matches(token, settings.api_keys):
        raise AuthError("Invalid API key.")
    fingerprint = hashlib.sha256(token.encode()).hexdigest()[:16]
    return Principal(identity=f"key:{fingerprint}", admin=admin)


def authorize(request: Request, state: StateDep) -> Principal:
    """Router-wide guard for /v1: API key check, then one rate-limit token."""
    try:
        principal = identify(request, state.settings)
    except AuthError:
        # Failed attempts spend the client address's tokens, so keys cannot be guessed fast.
        _take_token(state, f"ip:{request.client.host if request.client else 'unknown'}")
        raise
    _take_token(state, principal.identity)
    request.state.principal = principal
    return principal


def _take_token(state: ApiState, identity: str) -> None:
    retry_after = state.limiter.take(identity)
    if retry_after is not None:
        raise RateLimitError(
            f"Rate limit of {state.settings.rate_limit_per_minute} requests per minute "
            f"exceeded; retry in {retry_after} s.",
            retry_after=retry_after,
        )


PrincipalDep = Annotated[Principal, Depends(authorize)]


def require_admin(principal: PrincipalDep) -> Principal:
    """Admin routes (ingest) need an admin key when keys are configured."""
    if not principal.admin:
        raise ForbiddenError("This route needs an admin key.")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
