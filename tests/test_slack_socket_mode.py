"""Socket Mode end to end: ``verbatim slack`` as a process, the real ``slack_bolt`` Socket Mode
handler, and a loopback stand-in speaking Slack's Socket Mode protocol.

The bot's ``apps.connections.open`` call (on the loopback Web API stand-in) returns the
``ws://127.0.0.1:…`` URL of :class:`FakeSocketMode`, which sends ``hello``, then ``events_api``
and ``slash_commands`` envelopes and checks that each is acknowledged. Answers arrive as Web API
calls on the stand-in and are compared with the chain's own answer for the same question.
"""

from __future__ import annotations

from typing import Any

import pytest
from fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    SOCKET_APP_TOKEN,
    SOCKET_BOT_TOKEN,
    SocketModeBot,
    new_ts,
)

from qa.components import Components
from qa.slack import answer_from_message, render_answer
from qa.types import Answer, Turn

pytestmark = [pytest.mark.server, pytest.mark.slow]

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
FOLLOW_UP = "And what did Ukraine give up under it?"


def assert_shows(message: dict[str, Any], expected: Answer) -> None:
    """The Slack message carries the chain's answer text and its citations' sources."""
    assert answer_from_message(message) == expected.answer
    shown = render_answer(expected).blocks
    quotes = [b for b in shown if str(b.get("block_id", "")).startswith(("quote-", "source-"))]
    got = [b for b in message["blocks"] if b.get("block_id") in {q["block_id"] for q in quotes}]
    assert got == quotes


def test_connects_with_the_app_token_and_gets_hello(socket_mode_bot: SocketModeBot) -> None:
    (opened, *_) = socket_mode_bot.web.calls_to("apps.connections.open")
    assert opened.token == SOCKET_APP_TOKEN
    assert socket_mode_bot.web.calls_to("auth.test")[0].token == SOCKET_BOT_TOKEN
    assert socket_mode_bot.process.poll() is None


def test_mention_is_answered_in_its_thread(
    socket_mode_bot: SocketModeBot, sample: Components
) -> None:
    ts = socket_mode_bot.mention("CSOCKET", PRECEDENT)
    post = socket_mode_bot.posted("chat.postMessage", channel="CSOCKET")
    assert post["thread_ts"] == ts
    assert_shows(post, sample.chain().ask(PRECEDENT))
    socket_mode_bot.web.wait_for("reactions.remove", channel="CSOCKET", timestamp=ts)


def test_direct_message_is_answered(socket_mode_bot: SocketModeBot, sample: Components) -> None:
    ts = new_ts()
    message = {"type": "message", "channel_type": "im", "user": "U2", "text": TRUNCATED}
    socket_mode_bot.event({**message, "ts": ts, "channel": "DSOCKET"})
    post = socket_mode_bot.posted("chat.postMessage", channel="DSOCKET")
    expected = sample.chain().ask(TRUNCATED)
    assert expected.refusal_reason == "source_truncated"
    assert_shows(post, expected)


def test_slash_command_is_acknowledged_then_answered(
    socket_mode_bot: SocketModeBot, sample: Components
) -> None:
    ack = socket_mode_bot.command(PRECEDENT, channel="CSLASH", user="U3")
    assert ack["payload"]["text"] == f"Looking that up: {PRECEDENT}"
    post = socket_mode_bot.posted("chat.postEphemeral", channel="CSLASH", user="U3")
    assert_shows(post, sample.chain().ask(PRECEDENT))


def test_thread_follow_up_uses_the_earlier_turns(
    socket_mode_bot: SocketModeBot, sample: Components
) -> None:
    first = sample.chain().ask(PRECEDENT)
    parent, reply, now = "1700000000.000100", "1700000000.000200", new_ts()
    socket_mode_bot.web.threads[("CFOLLOW", parent)] = [
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
    socket_mode_bot.mention("CFOLLOW", FOLLOW_UP, ts=now, thread_ts=parent)
    post = socket_mode_bot.posted("chat.postMessage", channel="CFOLLOW")
    assert post["thread_ts"] == parent
    assert socket_mode_bot.web.calls_to("conversations.replies", channel="CFOLLOW", ts=parent)
    history = [Turn(role="user", content=PRECEDENT), Turn(role="assistant", content=first.answer)]
    assert_shows(post, sample.chain().ask(FOLLOW_UP, history))


def test_reconnects_after_the_socket_drops(
    socket_mode_bot: SocketModeBot, sample: Components
) -> None:
    opened = len(socket_mode_bot.web.calls_to("apps.connections.open"))
    connections = len(socket_mode_bot.socket.connections)
    socket_mode_bot.socket.drop()
    socket_mode_bot.socket.wait_for_connections(connections + 1, timeout_s=30)
    assert (
        len(socket_mode_bot.web.calls_to("apps.connections.open")) > opened
    )  # a fresh URL was asked for
    ts = socket_mode_bot.mention("CAGAIN", PRECEDENT)
    post = socket_mode_bot.posted("chat.postMessage", channel="CAGAIN")
    assert post["thread_ts"] == ts
    assert_shows(post, sample.chain().ask(PRECEDENT))
    assert socket_mode_bot.process.poll() is None
