"""Socket Mode end to end: ``verbatim slack`` as a process, the real ``slack_bolt`` Socket Mode
handler, and a loopback stand-in speaking Slack's Socket Mode protocol.

The bot's ``apps.connections.open`` call (on the loopback Web API stand-in) returns the
``ws://127.0.0.1:…`` URL of :class:`FakeSocketMode`, which sends ``hello``, then ``events_api``
and ``slash_commands`` envelopes and checks that each is acknowledged. Answers arrive as Web API
calls on the stand-in and are compared with the chain's own answer for the same question.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    FakeSlack,
    FakeSocketMode,
    running_fake_slack,
    running_fake_socket_mode,
)
from helpers import VENV_BIN, stop_process, subprocess_env

from qa.components import Components
from qa.slack import answer_from_message, render_answer
from qa.types import Answer, Turn

pytestmark = [pytest.mark.server, pytest.mark.slow]

BOT_TOKEN = "xoxb-socket-mode-test"
APP_TOKEN = "xapp-1-socket-mode-test"
PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
FOLLOW_UP = "And what did Ukraine give up under it?"
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


def assert_shows(message: dict[str, Any], expected: Answer) -> None:
    """The Slack message carries the chain's answer text and its citations' sources."""
    assert answer_from_message(message) == expected.answer
    shown = render_answer(expected).blocks
    quotes = [b for b in shown if str(b.get("block_id", "")).startswith(("quote-", "source-"))]
    got = [b for b in message["blocks"] if b.get("block_id") in {q["block_id"] for q in quotes}]
    assert got == quotes


@pytest.fixture(scope="module")
def bot(sample: Components, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SocketModeBot]:
    """``verbatim slack`` over a copy of the ingested sample, connected to the stand-ins."""
    data_dir = tmp_path_factory.mktemp("socket-mode") / "data"
    shutil.copytree(sample.settings.data_dir, data_dir)
    log = data_dir.parent / "verbatim-slack.log"
    with running_fake_slack() as web, running_fake_socket_mode(web) as socket:
        env = subprocess_env(
            data_dir,
            VERBATIM_SLACK__BOT_TOKEN=BOT_TOKEN,
            VERBATIM_SLACK__APP_TOKEN=APP_TOKEN,
            VERBATIM_SLACK__API_URL=web.url,
            VERBATIM_SLACK__PING_INTERVAL_S="1",
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(VENV_BIN / "verbatim"), "slack"], stdout=out, stderr=subprocess.STDOUT, env=env
            )
        try:
            try:
                socket.wait_for_connections(1, timeout_s=180)
            except AssertionError:
                raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
            yield SocketModeBot(process, web, socket, log)
        finally:
            stop_process(process)


def test_connects_with_the_app_token_and_gets_hello(bot: SocketModeBot) -> None:
    (opened, *_) = bot.web.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN
    assert bot.web.calls_to("auth.test")[0].token == BOT_TOKEN
    assert bot.process.poll() is None


def test_mention_is_answered_in_its_thread(bot: SocketModeBot, sample: Components) -> None:
    ts = bot.mention("CSOCKET", PRECEDENT)
    post = bot.posted("chat.postMessage", channel="CSOCKET")
    assert post["thread_ts"] == ts
    assert_shows(post, sample.chain().ask(PRECEDENT))
    bot.web.wait_for("reactions.remove", channel="CSOCKET", timestamp=ts)


def test_direct_message_is_answered(bot: SocketModeBot, sample: Components) -> None:
    ts = new_ts()
    message = {"type": "message", "channel_type": "im", "user": "U2", "text": TRUNCATED}
    bot.event({**message, "ts": ts, "channel": "DSOCKET"})
    post = bot.posted("chat.postMessage", channel="DSOCKET")
    expected = sample.chain().ask(TRUNCATED)
    assert expected.refusal_reason == "source_truncated"
    assert_shows(post, expected)


def test_slash_command_is_acknowledged_then_answered(
    bot: SocketModeBot, sample: Components
) -> None:
    ack = bot.command(PRECEDENT, channel="CSLASH", user="U3")
    assert ack["payload"]["text"] == f"Looking that up: {PRECEDENT}"
    post = bot.posted("chat.postEphemeral", channel="CSLASH", user="U3")
    assert_shows(post, sample.chain().ask(PRECEDENT))


def test_thread_follow_up_uses_the_earlier_turns(bot: SocketModeBot, sample: Components) -> None:
    first = sample.chain().ask(PRECEDENT)
    parent, reply, now = "1700000000.000100", "1700000000.000200", new_ts()
    bot.web.threads[("CFOLLOW", parent)] = [
        {"type": "message", "user": "U1", "text": f"<@{BOT_USER_ID}> {PRECEDENT}", "ts": parent},
        {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": reply,
            "text": "fallback",
            "blocks": render_answer(first, feedback_id="f").blocks,
        },
        {"type": "message", "user": "U1", "text": f"<@{BOT_USER_ID}> {FOLLOW_UP}", "ts": now},
    ]
    bot.mention("CFOLLOW", FOLLOW_UP, ts=now, thread_ts=parent)
    post = bot.posted("chat.postMessage", channel="CFOLLOW")
    assert post["thread_ts"] == parent
    assert bot.web.calls_to("conversations.replies", channel="CFOLLOW", ts=parent)
    history = [Turn(role="user", content=PRECEDENT), Turn(role="assistant", content=first.answer)]
    assert_shows(post, sample.chain().ask(FOLLOW_UP, history))


def test_reconnects_after_the_socket_drops(bot: SocketModeBot, sample: Components) -> None:
    opened = len(bot.web.calls_to("apps.connections.open"))
    connections = len(bot.socket.connections)
    bot.socket.drop()
    bot.socket.wait_for_connections(connections + 1, timeout_s=30)
    assert len(bot.web.calls_to("apps.connections.open")) > opened  # a fresh URL was asked for
    ts = bot.mention("CAGAIN", PRECEDENT)
    post = bot.posted("chat.postMessage", channel="CAGAIN")
    assert post["thread_ts"] == ts
    assert_shows(post, sample.chain().ask(PRECEDENT))
    assert bot.process.poll() is None
