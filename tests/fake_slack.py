"""A small Slack Web API on loopback that records every call, for the Slack adapter's tests.

Slack itself cannot be reached from the tests, so the bot's ``WebClient`` is pointed here
(``base_url=fake.url``).  It speaks the methods the bot uses: ``auth.test``,
``chat.postMessage``, ``chat.postEphemeral``, ``reactions.add`` / ``reactions.remove``,
``conversations.replies`` and ``conversations.history`` (both answer with scripted messages),
and ``apps.connections.open``, which hands out the URL of :class:`FakeSocketMode`: a loopback
WebSocket server speaking Slack's Socket Mode protocol (``hello``, then ``events_api``,
``slash_commands`` and ``interactive`` envelopes, each of which the app must acknowledge).
"""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from qa.slack import EVENTS_PATH

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
JSON_FIELDS = ("blocks", "attachments", "metadata")


@dataclass(frozen=True)
class Call:
    """One recorded Web API call: the method, its parsed arguments and the bearer token."""

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class FakeSlack:
    """The recording server's state; start it with :func:`running_fake_slack`."""

    calls: list[Call] = field(default_factory=list)
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    url: str = ""
    socket_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, call: Call) -> dict[str, Any]:
        """Store a call and return Slack's reply to it."""
        with self._lock:
            self.calls.append(call)
            serial = next(self._ts)
        args = call.args
        if call.method == "auth.test":
            return {
                "ok": True,
                "url": "https://verbatim-test.slack.com/",
                "team": "Verbatim Test",
                "user": "verbatim",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if call.method == "chat.postMessage":
            ts = f"{int(time.time())}.{serial:06d}"
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
            fields = ("text", "blocks", "thread_ts", "metadata")
            message.update({k: args[k] for k in fields if k in args})
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{serial:06d}"}
        if call.method in ("reactions.add", "reactions.remove"):
            return {"ok": True}
        if call.method == "conversations.replies":
            key = (str(args.get("channel")), str(args.get("ts")))
            return {"ok": True, "messages": self.threads.get(key, []), "has_more": False}
        if call.method == "apps.connections.open":
            if not (call.token or "").startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if not self.socket_url:
                return {"ok": False, "error": "socket_mode_unavailable"}
            return {"ok": True, "url": self.socket_url}
        if call.method == "conversations.history":
            return {"ok": True, "messages": self.histories.get(str(args.get("channel")), [])}
        return {"ok": False, "error": "unknown_method"}

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """Recorded calls of ``method`` whose arguments include ``match``."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == method and all(c.args.get(k) == v for k, v in match.items())
        ]

    def wait_for(
        self, method: str, count: int = 1, timeout_s: float = 15.0, **match: Any
    ) -> list[Call]:
        """Poll until at least ``count`` matching calls arrived (the bot answers in a thread)."""
        return wait_until(lambda: self.calls_to(method, **match), count, timeout_s)


def wait_until(poll: Callable[[], list[Any]], count: int = 1, timeout_s: float = 15.0) -> list[Any]:
    """Call ``poll`` until it returns ``count`` items or more; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = poll()
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} item(s) within {timeout_s} s, got {found}")
        time.sleep(0.05)


def _parse(body: bytes, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query))
    if body and content_type.startswith("application/json"):
        args.update(json.loads(body))
    elif body:
        args.update(parse_qsl(body.decode("utf-8")))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            args[name] = json.loads(args[name])
    return args


def _handler_for(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            method = parts.path.rsplit("/", 1)[-1]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            args = _parse(body, self.headers.get("Content-Type", ""), parts.query)
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
            reply = json.dumps(fake.record(Call(method, args, token))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: pytest shows the recorded calls when an assertion fails."""

    return Handler


@contextmanager
def running_fake_slack() -> Iterator[FakeSlack]:
    """Serve a :class:`FakeSlack` on a free loopback port until the block ends."""
    fake = FakeSlack()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class FakeSocketMode:
    """Slack's Socket Mode endpoint on loopback, one app connection at a time.

    On connect it sends ``hello``; :meth:`send` delivers an envelope to the connected app and
    :meth:`wait_for_ack` returns the app's acknowledgement (``{"envelope_id", "payload"?}``).
    :meth:`drop` cuts the TCP connection without a close frame, as a network failure would.
    """

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections: list[ServerConnection] = []
        self.received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> FakeSocketMode:
        """Listen on a free loopback port."""
        self._server = serve(self._session, "127.0.0.1", 0, ping_interval=None)
        port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/link/?ticket={uuid.uuid4().hex}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections.append(connection)
            self._changed.notify_all()
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "A1"},
        }
        connection.send(json.dumps(hello))
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    self.received.append(message)
                    if "envelope_id" in message:
                        self.acks[str(message["envelope_id"])] = message
                    self._changed.notify_all()
        except (ConnectionClosed, OSError):
            pass

    def wait_for_connections(self, count: int, timeout_s: float = 120.0) -> ServerConnection:
        """Wait until ``count`` connections were opened in all; the latest one."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.connections) >= count, timeout_s):
                raise AssertionError(f"{len(self.connections)} connection(s), wanted {count}")
            return self.connections[-1]

    def send(
        self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False
    ) -> str:
        """Deliver an envelope of ``kind`` to the latest connection; its envelope id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self.wait_for_connections(1).send(json.dumps(envelope))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """The app's acknowledgement of one envelope."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self.acks, timeout_s):
                raise AssertionError(
                    f"envelope {envelope_id} was not acknowledged in {timeout_s} s"
                )
            return self.acks[envelope_id]

    def drop(self) -> None:
        """Cut the latest connection: no close frame, the socket just goes away."""
        connection = self.wait_for_connections(1)
        connection.socket.shutdown(socket.SHUT_RDWR)
        connection.socket.close()


@contextmanager
def running_fake_socket_mode(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    """A :class:`FakeSocketMode` whose URL ``fake``'s ``apps.connections.open`` hands out."""
    server = FakeSocketMode().start()
    fake.socket_url = server.url
    try:
        yield server
    finally:
        fake.socket_url = ""
        server.stop()


# -- the bot as a process, driven over Socket Mode ---------------------------------------------

SECRET = "test-signing-secret-0123456789"
TOKEN = "xoxb-test-token"
SOCKET_BOT_TOKEN = "xoxb-socket-mode-test"
SOCKET_APP_TOKEN = "xapp-1-socket-mode-test"
ACK_S = 5.0  # an envelope must be acknowledged quickly, before the answer is worked out
_serial = itertools.count(1)


def new_ts() -> str:
    """A fresh, increasing Slack message timestamp."""
    return f"{int(time.time())}.{next(_serial):06d}"


@dataclass
class SocketModeBot:
    """``verbatim slack`` running against the stand-ins."""

    process: subprocess.Popen[bytes]
    web: FakeSlack
    socket: FakeSocketMode
    log: Path

    def event(self, event: dict[str, Any]) -> str:
        """Deliver an ``events_api`` envelope; check its acknowledgement; the envelope id."""
        payload = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A1",
            "event": {"team": TEAM_ID, "event_ts": event.get("ts"), **event},
            "type": "event_callback",
            "event_id": f"Ev{next(_serial):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        envelope_id = self.socket.send("events_api", payload)
        assert self.socket.wait_for_ack(envelope_id, ACK_S) == {"envelope_id": envelope_id}
        return envelope_id

    def mention(self, channel: str, text: str, **fields: Any) -> str:
        """An ``app_mention`` of the bot; the message ts."""
        ts = fields.pop("ts", None) or new_ts()
        self.event(
            {
                "type": "app_mention",
                "user": "U1",
                "text": f"<@{BOT_USER_ID}> {text}",
                "ts": ts,
                "channel": channel,
                **fields,
            }
        )
        return ts

    def command(self, text: str, channel: str, user: str) -> dict[str, Any]:
        """A ``/ask`` ``slash_commands`` envelope; the acknowledgement."""
        payload = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "command": "/ask",
            "text": text,
            "response_url": "http://127.0.0.1:9/never-called",
            "trigger_id": "trigger-1",
            "api_app_id": "A1",
        }
        envelope_id = self.socket.send("slash_commands", payload, accepts_response_payload=True)
        return self.socket.wait_for_ack(envelope_id, ACK_S)

    def posted(self, method: str, timeout_s: float = 60.0, **match: Any) -> dict[str, Any]:
        """The one Web API call of ``method`` matching ``match`` (waits for it)."""
        try:
            (call,) = self.web.wait_for(method, timeout_s=timeout_s, **match)
        except AssertionError:
            calls = [(c.method, c.args.get("channel")) for c in self.web.calls]
            log = self.log.read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{method} {match} not called; calls: {calls}; log: {log}"
            ) from None
        return call.args


# -- signed requests to the Events API route ----------------------------------------------------


@dataclass
class SlackSender:
    """Sends requests to the bot the way Slack does: signed, with a current timestamp."""

    url: str
    secret: str = SECRET
    client: TestClient | None = None

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST ``body`` to /slack/events with Slack's v0 signature headers."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(secret or self.secret)
        signature = verifier.generate_signature(timestamp=ts, body=body)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or "",
            **(headers or {}),
        }
        if self.client is not None:
            return cast(httpx.Response, self.client.post(EVENTS_PATH, content=body, headers=sent))
        return httpx.post(self.url + EVENTS_PATH, content=body, headers=sent, timeout=30)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, **kw: Any
    ) -> httpx.Response:
        """Deliver an Events API ``event_callback``."""
        envelope = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A1",
            "event": {"team": TEAM_ID, "event_ts": event.get("ts"), **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_serial):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return self.post(json.dumps(envelope), "application/json", **kw)

    def mention(self, channel: str, text: str, **fields: Any) -> tuple[str, httpx.Response]:
        """An ``app_mention`` of the bot in ``channel``; returns the message ts and the response."""
        ts = fields.pop("ts", None) or new_ts()
        event = {
            "type": "app_mention",
            "user": "U1",
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": channel,
            "client_msg_id": f"msg-{ts}",
            **fields,
        }
        return ts, self.event(event)

    def direct_message(self, channel: str, text: str, **fields: Any) -> tuple[str, httpx.Response]:
        """A ``message`` in a DM with the bot."""
        ts = new_ts()
        event = {
            "type": "message",
            "channel_type": "im",
            "user": "U2",
            "text": text,
            "ts": ts,
            "channel": channel,
            **fields,
        }
        return ts, self.event(event)

    def command(self, text: str, channel: str, user: str) -> httpx.Response:
        """A ``/ask`` slash command."""
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "channel_id": channel,
            "user_id": user,
            "command": "/ask",
            "text": text,
            "response_url": "http://127.0.0.1:9/never-called",
            "trigger_id": "trigger-1",
            "api_app_id": "A1",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, user: str, channel: str) -> httpx.Response:
        """A ``block_actions`` payload: ``user`` clicked a button of a message in ``channel``."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": "1.000001", "channel_id": channel},
            "channel": {"id": channel},
            "trigger_id": "trigger-2",
            "response_url": "http://127.0.0.1:9/never-called",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "feedback",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
