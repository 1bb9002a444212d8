"""Auth on every route, Slack signatures, and secrets kept out of logs and error messages.

Every ``/v1`` route of the app (found by walking ``app.routes``, so a new route is covered the
day it is added) answers 401 without a valid key, whatever the body; admin routes answer 403 to
a user key.  Slack requests with a bad, stale or missing signature answer 401 and post nothing.
While all of that happens under real uvicorn with access logs on, every log record is captured:
no API key, presented key, Slack secret, bot token or LLM key may appear in a log line, a
response body or a response header.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fake_slack import FakeSlack, running_fake_slack
from fastapi import FastAPI
from fastapi.routing import APIRoute
from helpers import (
    SAMPLE_CORPUS,
    LiveServer,
    assert_error,
    components_for,
    free_port,
    make_settings,
)
from reliability_support import (
    ADMIN_KEY,
    BOT_TOKEN,
    LLM_KEY,
    PRECEDENT,
    SLACK_SECRET,
    USER_KEY,
    WRONG_KEY,
    assert_no_secret,
    report_figure,
)
from slack_sdk.signature import SignatureVerifier
from starlette.routing import BaseRoute

from qa.api import create_app
from qa.api.deps import require_admin
from qa.components import Components

pytestmark = [pytest.mark.reliability, pytest.mark.server]

BAD_CREDENTIALS = {
    "missing": {},
    "wrong key": {"Authorization": f"Bearer {WRONG_KEY}"},
    "empty bearer": {"Authorization": "Bearer"},
    "bearer of spaces": {"Authorization": "Bearer  \t x"},
    "basic scheme": {"Authorization": f"Basic {USER_KEY}"},
    "key without scheme": {"Authorization": USER_KEY},
    "key prefix": {"Authorization": f"Bearer {USER_KEY[:-1]}"},
    "key with suffix": {"Authorization": f"Bearer {USER_KEY}x"},
    "x-api-key header": {"X-API-Key": USER_KEY},
}
CLIENT_LOGGERS = ("httpx ", "httpcore")
BODIES = {"empty object": b"{}", "malformed JSON": b'{"question": ', "not UTF-8": b"\xff\xfe"}


class Captured(logging.Handler):
    """Keeps every formatted log record of the process, whatever the logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Format and keep the record (arguments included)."""
        self.lines.append(self.format(record))


@contextmanager
def serve_with_access_log(app: FastAPI) -> Iterator[LiveServer]:
    """Uvicorn on loopback with DEBUG and access logs propagated to the root logger."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="debug", access_log=True, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield LiveServer("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    """The recording Slack Web API."""
    with running_fake_slack() as server:
        yield server


@pytest.fixture(scope="module")
def locked(
    sample: Components, fake: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, LiveServer, Captured]]:
    """The app with user and admin keys, Slack and an LLM key set, served with logs captured."""
    settings = make_settings(
        tmp_path_factory.mktemp("auth") / "data",
        SAMPLE_CORPUS,
        api_keys=[USER_KEY],
        admin_keys=[ADMIN_KEY],
        rate_limit_per_minute=0,
        slack={"bot_token": BOT_TOKEN, "signing_secret": SLACK_SECRET, "api_url": fake.url},
        llm={"api_key": LLM_KEY},
    )
    parts = components_for(settings, sample)
    assert parts.pipeline().run([SAMPLE_CORPUS]).ok
    captured = Captured()
    # Uvicorn's own logging config (applied by other suites' servers) stops its loggers from
    # propagating, so the handler goes on them as well as on the root logger.
    loggers = [logging.getLogger(name) for name in ("", "uvicorn.access", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(captured)
        logger.setLevel(logging.DEBUG)
    try:
        app = create_app(settings, components=parts)
        with serve_with_access_log(app) as live:
            yield app, live, captured
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(captured)
            logger.setLevel(level)


def api_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every APIRoute, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from api_routes(inner.routes, prefix + str(getattr(context, "prefix", "")))


def v1_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, concrete path, route) for every /v1 route of the app."""
    found: list[tuple[str, str, APIRoute]] = []
    for full_path, route in api_routes(app.routes):
        if full_path.startswith("/v1"):
            path = re.sub(r"\{[^}]+\}", "probe", full_path)
            found.extend((method, path, route) for method in sorted(route.methods or ()))
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "probe", path))
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in item
    }
    assert documented <= {(m, p) for m, p, _ in found}, "a documented route was not found"
    return found


def needs_admin(route: APIRoute) -> bool:
    """True when ``require_admin`` is among the route's dependencies."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is require_admin:
            return True
        stack.extend(dependant.dependencies)
    return False


def call(http: httpx.Client, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    """One request; POST bodies are sent as JSON whatever they hold."""
    if method == "GET":
        return http.get(path, headers=headers)
    return http.request(
        method, path, content=body, headers={**headers, "Content-Type": "application/json"}
    )


def test_every_v1_route_refuses_missing_or_wrong_keys(
    locked: tuple[FastAPI, LiveServer, Captured], record_property: Any
) -> None:
    app, live, _ = locked
    routes = v1_routes(app)
    assert len(routes) >= 9, routes
    refused = 0
    with httpx.Client(base_url=live.url, timeout=30) as http:
        for method, path, _ in routes:
            for name, headers in BAD_CREDENTIALS.items():
                for body in BODIES.values() if method == "POST" else [b""]:
                    response = call(http, method, path, headers, body)
                    assert response.status_code == 401, (method, path, name, response.text)
                    assert_error(response, 401, "unauthorized")
                    assert_no_secret(response.text + str(response.headers), f"{path} response")
                    refused += 1
    report_figure(record_property, routes=len(routes), unauthorized_requests_refused=refused)


def test_admin_routes_refuse_user_keys_and_admit_admin_keys(
    locked: tuple[FastAPI, LiveServer, Captured],
) -> None:
    app, live, _ = locked
    routes = v1_routes(app)
    admin_only = {(m, p) for m, p, r in routes if needs_admin(r)}
    assert admin_only == {("POST", "/v1/ingest")}
    user = {"Authorization": f"Bearer {USER_KEY}"}
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with httpx.Client(base_url=live.url, timeout=60) as http:
        for method, path, _ in routes:
            as_user = call(http, method, path, user, b"{}")
            as_admin = call(http, method, path, admin, b"{}")
            if (method, path) in admin_only:
                assert_error(as_user, 403, "forbidden")
                assert as_admin.status_code not in (401, 403), as_admin.text
            else:
                assert as_user.status_code not in (401, 403), (path, as_user.text)
                assert as_admin.status_code not in (401, 403), (path, as_admin.text)
        answer = http.post("/v1/ask", json={"question": PRECEDENT}, headers=user)
        assert answer.status_code == 200 and not answer.json()["refused"]


def slack_headers(body: str, secret: str, timestamp: str) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature or ""}


def test_slack_requests_with_bad_or_stale_signatures_are_401_and_post_nothing(
    locked: tuple[FastAPI, LiveServer, Captured], fake: FakeSlack, record_property: Any
) -> None:
    _, live, _ = locked
    event = {
        "type": "event_callback",
        "event_id": "EvRel1",
        "team_id": "T1",
        "event": {
            "type": "app_mention",
            "user": "U1",
            "text": f"<@UBOT> {PRECEDENT}",
            "ts": f"{int(time.time())}.000100",
            "channel": "CREL",
        },
    }
    body = json.dumps(event)
    command = "command=%2Fask&text=What+was+cited%3F&user_id=U1&channel_id=CREL&team_id=T1"
    now = int(time.time())
    attempts: dict[str, tuple[str, str, dict[str, str]]] = {
        "wrong secret": (body, "application/json", slack_headers(body, "nope", str(now))),
        "stale timestamp": (
            body,
            "application/json",
            slack_headers(body, SLACK_SECRET, str(now - 6 * 60)),
        ),
        "future timestamp": (
            body,
            "application/json",
            slack_headers(body, SLACK_SECRET, str(now + 10 * 60)),
        ),
        "signature of another body": (
            body.replace("CREL", "COTHER"),
            "application/json",
            slack_headers(body, SLACK_SECRET, str(now)),
        ),
        "no signature headers": (body, "application/json", {}),
        "slash command, wrong secret": (
            command,
            "application/x-www-form-urlencoded",
            slack_headers(command, "nope", str(now)),
        ),
    }
    with httpx.Client(base_url=live.url, timeout=30) as http:
        for name, (content, content_type, headers) in attempts.items():
            response = http.post(
                "/slack/events", content=content, headers={"Content-Type": content_type, **headers}
            )
            assert response.status_code == 401, (name, response.status_code, response.text)
            assert_no_secret(response.text + str(response.headers), f"slack {name}")
    time.sleep(1.5)  # the bot answers asynchronously: give a wrongly accepted event time to post
    assert fake.calls == [], fake.calls
    report_figure(record_property, forged_slack_requests=len(attempts), web_api_calls=0)


def test_secrets_never_appear_in_logs(
    locked: tuple[FastAPI, LiveServer, Captured], record_property: Any
) -> None:
    app, live, captured = locked
    with httpx.Client(base_url=live.url, timeout=30) as http:
        # Secrets in every place a careless log line might pick them up.
        http.post("/v1/ask", json={"question": PRECEDENT}, headers={"Authorization": WRONG_KEY})
        http.post("/v1/ask", json={"question": WRONG_KEY})
        http.post(
            "/v1/ask",
            json={"question": f"Is {LLM_KEY} the key?"},
            headers={"Authorization": f"Bearer {USER_KEY}"},
        )
        http.post(
            "/v1/ingest",
            json={"rescan": True, "token": SLACK_SECRET},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        echoed = http.post(
            "/v1/ask",
            json={"question": PRECEDENT, "api_key": ADMIN_KEY},
            headers={"Authorization": f"Bearer {USER_KEY}"},
        )
        assert_error(echoed, 422)
        assert_no_secret(echoed.text, "a validation error")
    # httpx/httpcore records come from this test's own client, not from the server.
    server_lines = [line for line in captured.lines if not line.startswith(CLIENT_LOGGERS)]
    logged = "\n".join(server_lines)
    assert "uvicorn.access" in logged, "access logs were not captured"
    assert_no_secret(logged, "the logs")
    assert BOT_TOKEN not in repr(app.state.verbatim.settings)
    report_figure(record_property, log_lines_checked=len(server_lines), secrets_found=0)


def test_secret_settings_are_masked_in_reprs(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        api_keys=[USER_KEY],
        admin_keys=[ADMIN_KEY],
        slack={"bot_token": BOT_TOKEN, "signing_secret": SLACK_SECRET},
        llm={"api_key": LLM_KEY},
    )
    assert_no_secret(repr(settings) + str(settings) + settings.model_dump_json(), "settings")


@pytest.mark.parametrize("forgery", ["timestamp not a number", "body not UTF-8"])
def test_slack_requests_with_malformed_headers_or_body_are_401(
    locked: tuple[FastAPI, LiveServer, Captured], fake: FakeSlack, forgery: str
) -> None:
    _, live, _ = locked
    now = str(int(time.time()))
    if forgery == "timestamp not a number":
        content = b'{"type": "event_callback", "event": {}}'
        headers = {**slack_headers(content.decode(), SLACK_SECRET, now)}
        headers["X-Slack-Request-Timestamp"] = "soon"
    else:
        content = b'{"type": "event_callback", "text": "\xff\xfe"}'
        headers = {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=00"}
    response = httpx.post(
        f"{live.url}/slack/events",
        content=content,
        headers={"Content-Type": "application/json", **headers},
        timeout=30,
    )
    assert response.status_code == 401, (response.status_code, response.text)
