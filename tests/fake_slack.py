"""A small Slack Web API on loopback that records every call, for the Slack adapter's tests.

Slack itself cannot be reached from the tests, so the bot's ``WebClient`` is pointed here
(``base_url=fake.url``).  It speaks the methods the bot uses: ``auth.test``,
``chat.postMessage``, ``chat.postEphemeral``, ``reactions.add`` / ``reactions.remove``,
``conversations.replies`` and ``conversations.history`` (both answer with scripted messages).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
JSON_FIELDS = ("blocks", "attachments")


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
            message.update({k: args[k] for k in ("text", "blocks", "thread_ts") if k in args})
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{serial:06d}"}
        if call.method in ("reactions.add", "reactions.remove"):
            return {"ok": True}
        if call.method == "conversations.replies":
            key = (str(args.get("channel")), str(args.get("ts")))
            return {"ok": True, "messages": self.threads.get(key, []), "has_more": False}
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
