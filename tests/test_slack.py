"""The Slack adapter end to end: signed requests into the real app, Web API calls recorded.

The API (with the Slack routes mounted) runs under real uvicorn on loopback; the bot's WebClient
talks to :mod:`fake_slack`.  Requests carry real v0 signatures.  Answers are produced by lazy
listeners after the ack, so the tests poll the recorded calls.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import yaml
from fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    SECRET,
    TOKEN,
    FakeSlack,
    SlackSender,
    new_ts,
    running_fake_slack,
    wait_until,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient
from helpers import REPO, make_settings, serve

from qa.api import create_app
from qa.chain import VerbatimChain
from qa.components import Components
from qa.errors import ConfigError
from qa.feedback import FeedbackStore
from qa.settings import Settings
from qa.slack import (
    EVENTS_PATH,
    MAX_BLOCKS,
    SECTION_LIMIT,
    RecentKeys,
    answer_from_message,
    mount_slack,
    render_answer,
    run_socket_mode,
    thread_turns,
    unescape_mrkdwn,
)
from qa.slack.rendering import answer_metadata
from qa.types import Answer, Citation, GapInfo, Turn
from qa.wording import REFUSAL_TEXT

pytestmark = pytest.mark.server

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"
FOLLOW_UP = "And what did Ukraine give up under it?"
INVENTED = ("600,000", "Donbas", "NATO", "amnesty")
QUIET_S = 1.5  # how long to wait before concluding that nothing was posted


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    """The recording Slack Web API."""
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture(scope="module")
def slack_settings(tmp_path_factory: pytest.TempPathFactory, fake: FakeSlack) -> Settings:
    """Settings with Slack credentials, the Web API pointed at the fake."""
    slack = {"bot_token": TOKEN, "signing_secret": SECRET, "api_url": fake.url}
    return make_settings(tmp_path_factory.mktemp("slack"), slack=slack)


@pytest.fixture(scope="module")
def app(slack_settings: Settings, sample: Components) -> FastAPI:
    """The API app over the ingested sample, with the Slack routes mounted."""
    return create_app(slack_settings, components=sample)


@pytest.fixture(scope="module")
def slack(app: FastAPI) -> Iterator[SlackSender]:
    """A sender of signed Slack requests to the app under real uvicorn."""
    with serve(app) as live:
        yield SlackSender(live.url)


def quotes_in(blocks: list[dict[str, Any]]) -> dict[int, str]:
    """Citation id → the quote shown in the ``quote-*`` blocks (unescaped, prefixes removed)."""
    quotes: dict[int, str] = {}
    for block in blocks:
        match = re.fullmatch(r"quote-(\d+)-\d+", str(block.get("block_id", "")))
        if match:
            lines = block["text"]["text"].split("\n")
            piece = "\n".join(line.removeprefix("> ") for line in lines)
            quotes[int(match[1])] = quotes.get(int(match[1]), "") + unescape_mrkdwn(piece)
    return quotes


def assert_renders(message: dict[str, Any], expected: Answer, sample: Components) -> None:
    """The message shows the chain's answer and each quote exactly as stored at its offsets."""
    assert answer_from_message(message) == expected.answer
    quotes = quotes_in(message["blocks"])
    assert sorted(quotes) == [c.id for c in expected.citations]
    for citation in expected.citations:
        source = sample.sources.get_text(citation.document)
        assert source is not None
        assert quotes[citation.id] == source[citation.start : citation.end] == citation.quote
    assert_within_limits(message["blocks"])


def assert_within_limits(blocks: list[dict[str, Any]]) -> None:
    """Block Kit limits: at most 50 blocks, every section text under 3,000 characters."""
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) < 3000


def assert_nothing_posted(fake: FakeSlack, channel: str) -> None:
    """After a quiet period, no Web API call mentioned ``channel``."""
    time.sleep(QUIET_S)
    assert [c for c in fake.calls if c.args.get("channel") == channel] == []


# -- transport and security ----------------------------------------------------------------


def test_url_verification_echoes_the_challenge(slack: SlackSender) -> None:
    body = json.dumps({"token": "t", "challenge": "challenge-3f9a", "type": "url_verification"})
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert response.json()["challenge"] == "challenge-3f9a"


def test_bad_signature_is_rejected_and_nothing_is_posted(
    slack: SlackSender, fake: FakeSlack
) -> None:
    event = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {PRECEDENT}"}
    event |= {"ts": new_ts(), "channel": "CBADSIG"}
    assert slack.event(event, secret="not-the-secret").status_code == 401
    unsigned = json.dumps({"type": "event_callback", "event": event, "event_id": "EvUnsigned"})
    response = httpx.post(
        slack.url + EVENTS_PATH,
        content=unsigned,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 401
    assert_nothing_posted(fake, "CBADSIG")


def test_stale_timestamp_is_rejected(slack: SlackSender, fake: FakeSlack) -> None:
    event = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {PRECEDENT}"}
    event |= {"ts": new_ts(), "channel": "CSTALE"}
    response = slack.event(event, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert_nothing_posted(fake, "CSTALE")


def test_mount_slack_needs_a_token_and_a_signing_secret(tmp_path: Path) -> None:
    app = FastAPI()
    only_token = make_settings(tmp_path, slack={"bot_token": TOKEN})
    never = cast(Callable[[], VerbatimChain], lambda: None)  # not called: nothing is mounted
    store = FeedbackStore.in_data_dir(tmp_path)
    assert mount_slack(app, make_settings(tmp_path), never, store=lambda: store) is False
    assert mount_slack(app, only_token, never, store=lambda: store) is False
    assert EVENTS_PATH not in [getattr(route, "path", None) for route in app.routes]


def test_socket_mode_names_the_missing_tokens(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        run_socket_mode(make_settings(tmp_path, slack={"bot_token": TOKEN}))
    assert "VERBATIM_SLACK__APP_TOKEN" in error.value.message
    assert TOKEN not in error.value.message
    with pytest.raises(ConfigError) as error:
        run_socket_mode(make_settings(tmp_path))
    assert "VERBATIM_SLACK__BOT_TOKEN" in error.value.message


# -- answering -----------------------------------------------------------------------------


def test_mention_is_answered_in_its_thread_with_the_chain_answer(
    slack: SlackSender, fake: FakeSlack, sample: Components, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    ts, response = slack.mention("CMENTION", PRECEDENT)
    assert response.status_code == 200
    assert time.monotonic() - started < 3.0  # acknowledged before the answer is computed

    (post,) = fake.wait_for("chat.postMessage", channel="CMENTION")
    assert post.token == TOKEN
    assert post.args["thread_ts"] == ts
    expected = sample.chain().ask(PRECEDENT, [])
    assert "Budapest Memorandum" in expected.answer
    assert_renders(post.args, expected, sample)
    assert post.args["text"]  # the plain-text fallback

    added = fake.calls_to("reactions.add", channel="CMENTION", timestamp=ts)
    assert [c.args["name"] for c in added] == ["hourglass_flowing_sand"]
    fake.wait_for("reactions.remove", channel="CMENTION", timestamp=ts)
    assert caplog.records and TOKEN not in caplog.text and SECRET not in caplog.text


def test_thread_follow_up_uses_the_earlier_turns(
    slack: SlackSender, fake: FakeSlack, sample: Components
) -> None:
    first = sample.chain().ask(PRECEDENT, [])
    parent, reply, now = "1700000000.000100", "1700000000.000200", new_ts()
    fake.threads[("CTHREAD", parent)] = [
        {"type": "message", "user": "U1", "text": f"<@{BOT_USER_ID}> {PRECEDENT}", "ts": parent},
        {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": reply,
            "text": "fallback text, not the answer",
            "blocks": render_answer(first, feedback_id="abc").blocks,
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "BOTHER",
            "text": "noise",
            "ts": "1700000000.000300",
        },
        {"type": "message", "user": "U1", "text": f"<@{BOT_USER_ID}> {FOLLOW_UP}", "ts": now},
    ]
    _, response = slack.mention("CTHREAD", FOLLOW_UP, ts=now, thread_ts=parent)
    assert response.status_code == 200

    (post,) = fake.wait_for("chat.postMessage", channel="CTHREAD")
    assert post.args["thread_ts"] == parent
    assert fake.calls_to("conversations.replies", channel="CTHREAD", ts=parent)
    history = [Turn(role="user", content=PRECEDENT), Turn(role="assistant", content=first.answer)]
    expected = sample.chain().ask(FOLLOW_UP, history)
    assert any("nuclear" in c.quote for c in expected.citations), expected.answer
    assert_renders(post.args, expected, sample)


def test_direct_message_is_answered(
    slack: SlackSender, fake: FakeSlack, sample: Components
) -> None:
    _, response = slack.direct_message("DDIRECT", PRECEDENT)
    assert response.status_code == 200
    (post,) = fake.wait_for("chat.postMessage", channel="DDIRECT")
    assert post.args.get("thread_ts") is None  # a DM is answered in the conversation itself
    assert fake.calls_to("conversations.history", channel="DDIRECT")
    assert_renders(post.args, sample.chain().ask(PRECEDENT, []), sample)


def test_slash_command_replies_ephemerally(
    slack: SlackSender, fake: FakeSlack, sample: Components
) -> None:
    response = slack.command(PRECEDENT, channel="CSLASH", user="U7")
    assert response.status_code == 200
    assert "Looking that up" in response.text

    (post,) = fake.wait_for("chat.postEphemeral", channel="CSLASH", user="U7")
    assert_renders(post.args, sample.chain().ask(PRECEDENT, []), sample)
    question = [b for b in post.args["blocks"] if b["block_id"] == "question"]
    assert PRECEDENT in question[0]["elements"][0]["text"]
    assert fake.calls_to("chat.postMessage", channel="CSLASH") == []


def test_truncated_list_is_refused_without_invented_items(
    slack: SlackSender, fake: FakeSlack, sample: Components
) -> None:
    slack.mention("CREFUSE", TRUNCATED)
    (post,) = fake.wait_for("chat.postMessage", channel="CREFUSE")
    expected = sample.chain().ask(TRUNCATED, [])
    assert expected.refused and expected.refusal_reason == "source_truncated"
    assert answer_from_message(post.args).startswith("The source text is cut off here")
    assert_renders(post.args, expected, sample)
    shown = json.dumps(post.args, ensure_ascii=False)
    for invented in INVENTED:
        assert invented not in shown


def test_feedback_button_is_recorded(
    slack: SlackSender, fake: FakeSlack, app: FastAPI, slack_settings: Settings
) -> None:
    slack.direct_message("DFEEDBACK", PRECEDENT)
    (post,) = fake.wait_for("chat.postMessage", channel="DFEEDBACK")
    (actions,) = [b for b in post.args["blocks"] if b["type"] == "actions"]
    action_ids = [e["action_id"] for e in actions["elements"]]
    assert action_ids == ["verbatim_feedback_up", "verbatim_feedback_down"]
    answer_id = actions["elements"][0]["value"]

    # The API's own feedback store (the one POST /v1/feedback writes to) holds the vote.
    store = app.state.verbatim.conversations.feedback
    before = store.count()
    response = slack.click("verbatim_feedback_up", answer_id, user="U9", channel="DFEEDBACK")
    assert response.status_code == 200

    def votes() -> list[dict[str, Any]]:
        return [v for v in store.votes() if v["answer_id"] == answer_id]

    (vote,) = wait_until(votes)
    assert vote["vote"] == "up" and vote["user"] == "U9"
    assert vote["question"] == PRECEDENT
    assert vote["answer"] == answer_from_message(post.args)
    assert store.count() == before + 1
    slack.click("verbatim_feedback_down", answer_id, user="U9", channel="DFEEDBACK")
    wait_until(lambda: [v for v in votes() if v["vote"] == "down"])
    assert store.count() == before + 1  # a second click replaces the vote
    registry = app.state.verbatim.metrics.registry
    labels = {"rating": "up", "source": "slack"}
    assert registry.get_sample_value("verbatim_feedback_total", labels) == 1.0
    fake.wait_for("chat.postEphemeral", channel="DFEEDBACK", user="U9")


def test_retried_event_is_answered_once(slack: SlackSender, fake: FakeSlack) -> None:
    ts = new_ts()
    event = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER_ID}> {PRECEDENT}"}
    event |= {"ts": ts, "channel": "CRETRY", "client_msg_id": "retry-msg"}
    assert slack.event(event, event_id="EvRetry1").status_code == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event(event, event_id="EvRetry1", headers=retry).status_code == 200
    assert slack.event(event, event_id="EvRetry1").status_code == 200  # redelivered, no header
    # The same message delivered as another event (e.g. message.channels) is not answered again.
    assert slack.event({**event, "type": "message"}, event_id="EvRetry2").status_code == 200
    fake.wait_for("chat.postMessage", channel="CRETRY")
    time.sleep(QUIET_S)
    assert len(fake.calls_to("chat.postMessage", channel="CRETRY")) == 1
    assert len(fake.calls_to("reactions.add", channel="CRETRY")) == 1


def test_own_and_other_bot_messages_are_ignored(slack: SlackSender, fake: FakeSlack) -> None:
    own = {"user": BOT_USER_ID, "bot_id": BOT_ID}
    slack.direct_message("DBOTS", "The 1994 Budapest Memorandum.", **own)
    slack.direct_message("DBOTS", PRECEDENT, subtype="bot_message", bot_id="BOTHER")
    slack.direct_message("DBOTS", PRECEDENT, bot_id="BOTHER")
    # A channel message that mentions the bot is answered through app_mention, not here.
    mention = {"type": "message", "channel_type": "channel", "user": "U1", "ts": new_ts()}
    mention |= {"channel": "CMESSAGE", "text": f"<@{BOT_USER_ID}> {PRECEDENT}"}
    slack.event(mention)
    assert_nothing_posted(fake, "DBOTS")
    assert_nothing_posted(fake, "CMESSAGE")


def test_listen_channels_are_answered_without_a_mention(
    fake: FakeSlack, slack_settings: Settings, sample: Components, tmp_path: Path
) -> None:
    slack = slack_settings.slack.model_copy(update={"listen_channels": ["CLISTEN"]})
    settings = make_settings(tmp_path, slack=slack.model_dump())
    app = FastAPI()
    store = FeedbackStore.in_data_dir(tmp_path)
    assert mount_slack(app, settings, sample.chain, store=lambda: store)
    with TestClient(app) as client:
        sender = SlackSender("", client=client)
        ts = new_ts()
        message = {"type": "message", "channel_type": "channel", "user": "U1", "ts": ts}
        sender.event({**message, "channel": "CLISTEN", "text": PRECEDENT})
        sender.event({**message, "channel": "COTHER", "text": PRECEDENT})
        (post,) = fake.wait_for("chat.postMessage", channel="CLISTEN")
        assert post.args["thread_ts"] == ts
        assert_renders(post.args, sample.chain().ask(PRECEDENT, []), sample)
    assert_nothing_posted(fake, "COTHER")


# -- rendering and helpers (no server) ------------------------------------------------------


def long_answer() -> Answer:
    """An answer far over Slack's limits: long text with mrkdwn characters, many long quotes."""
    text = " ".join(f"Claim {i} & <detail> [{i % 9 + 1}]." for i in range(900))
    quote = "\n".join(
        f"Line {i}: a & b < c > d, and more text to fill the line." for i in range(70)
    )
    citations = [
        Citation(id=i, document="long.txt", chunk_id=f"c{i}", start=0, end=len(quote), quote=quote)
        for i in range(1, 30)
    ]
    return Answer(answer=text, citations=citations)


def test_renderer_splits_a_long_answer_within_block_kit_limits() -> None:
    answer = long_answer()
    assert len(answer.answer) > 3 * 3000
    rendered = render_answer(answer, question="What?", feedback_id="f00d")
    blocks = rendered.blocks
    assert_within_limits(blocks)
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if b["type"] == "section")
    assert answer_from_message({"blocks": blocks}) == answer.answer  # split, never cut
    quotes = quotes_in(blocks)
    assert quotes and all(quotes[i] == answer.citations[i - 1].quote for i in quotes)
    assert len(quotes) < len(answer.citations)
    assert any(b["block_id"] == "more" for b in blocks)
    assert blocks[-1]["type"] == "actions"
    assert len(rendered.text) <= 4000


def test_renderer_escapes_mrkdwn_and_keeps_citation_markers() -> None:
    citation = Citation(id=1, document="a&b.txt", chunk_id="c", start=0, end=5, quote="<b>&</b>")
    rendered = render_answer(Answer(answer="A & B <tag> [1]", citations=[citation]))
    assert rendered.blocks[0]["text"]["text"] == "A &amp; B &lt;tag&gt; [1]"
    assert quotes_in(rendered.blocks) == {1: "<b>&</b>"}
    assert "<" not in rendered.text and "[1]" in rendered.text


def test_refusal_is_rendered_plainly() -> None:
    refusal = Answer(answer="", refused=True, refusal_reason="not_in_documents")
    assert (
        answer_from_message({"blocks": render_answer(refusal).blocks})
        == (REFUSAL_TEXT["not_in_documents"])
    )
    gap = GapInfo(document="doc.txt", offset=10, announcement="These included:")
    truncated = Answer(
        answer="The source text is cut off here.",
        refused=True,
        refusal_reason="source_truncated",
        gaps=[gap],
    )
    blocks = render_answer(truncated).blocks
    assert any("These included:" in json.dumps(b) for b in blocks if b["block_id"] == "gap-0")


def test_thread_turns_map_the_bot_to_the_assistant() -> None:
    messages = [
        {"user": "U1", "text": "<@UBOT> first &amp; question", "ts": "1.1"},
        {"user": "UBOT", "bot_id": "BBOT", "text": "the answer", "ts": "1.2"},
        {"bot_id": "BOTHER", "subtype": "bot_message", "text": "other bot", "ts": "1.3"},
        {"user": "U1", "text": "<@UBOT> the current one", "ts": "1.4"},
    ]
    turns = thread_turns(messages, before_ts="1.4", bot_user_id="UBOT", bot_id="BBOT")
    assert [(t.role, t.content) for t in turns] == [
        ("user", "first & question"),
        ("assistant", "the answer"),
    ]


def test_thread_turns_mark_the_bots_refusals_from_its_message_metadata() -> None:
    refusal = Answer(
        answer="The documents do not say.", refused=True, refusal_reason="not_in_documents"
    )
    answered = Answer(answer="It opened in 1990.", refused=False)
    messages: list[dict[str, Any]] = [
        {"user": "U1", "text": "<@UBOT> who built it?", "ts": "1.1"},
        {
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "The documents do not say.",
            "metadata": answer_metadata(refusal),
            "ts": "1.2",
        },
        {"user": "U1", "text": "<@UBOT> when did it open?", "ts": "1.3"},
        {
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "It opened in 1990.",
            "metadata": answer_metadata(answered),
            "ts": "1.4",
        },
        {"user": "U1", "text": "<@UBOT> and who ran it?", "ts": "1.5"},
    ]
    turns = thread_turns(messages, before_ts="1.5", bot_user_id="UBOT", bot_id="BBOT")
    assert [(t.role, t.refused) for t in turns] == [
        ("user", False),
        ("assistant", True),
        ("user", False),
        ("assistant", False),
    ]


def test_recent_keys_forget_after_their_ttl() -> None:
    keys = RecentKeys(ttl_s=10, max_size=2)
    assert keys.add("a", now=0) and not keys.add("a", now=5)
    assert keys.add("a", now=11)
    assert keys.add("b", now=12) and keys.add("c", now=12)
    assert keys.add("a", now=12)  # evicted: the set holds at most two keys


def test_manifest_declares_the_events_scopes_and_command() -> None:
    manifest = yaml.safe_load((REPO / "docs" / "slack-app-manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "chat:write", "im:history", "reactions:write", "commands"}
    assert needed | {"channels:history", "groups:history", "im:read", "im:write"} <= scopes
    settings = manifest["settings"]
    assert {"app_mention", "message.im"} <= set(settings["event_subscriptions"]["bot_events"])
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/ask"]
