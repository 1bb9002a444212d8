"""Every surface gives the same answer.

One set of questions (answerable, refused ``not_in_documents``, refused ``source_truncated``, a
follow-up) goes through the CLI (``verbatim ask --json``), ``POST /v1/ask``, ``/v1/chat`` as SSE,
``/v1/chat/completions``, the web page in Chromium, and Slack over both transports (signed
Events API requests to uvicorn, and ``verbatim slack`` over Socket Mode). Each surface must show
the same answer text, refusal reason and citations (document, offsets, quote) as ``/v1/ask``.
No answer text is written down here: only the kind of each question's answer is asserted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_slack import (
    BOT_ID,
    BOT_USER_ID,
    SECRET,
    TOKEN,
    FakeSlack,
    SlackSender,
    SocketModeBot,
    new_ts,
    running_fake_slack,
)
from helpers import LiveServer, ask_in_page, make_settings, read_sse, serve
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from qa.api import create_app
from qa.cli import app as cli_app
from qa.components import Components
from qa.slack import answer_from_message, render_answer, unescape_mrkdwn
from qa.types import Answer

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow]

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
NOT_IN_DOCUMENTS = "What is the capital of France?"
TRUNCATED = "What concessions were demanded of Kyiv?"
FOLLOW_UP = "And what did Ukraine give up under it?"
FOOTNOTES = re.compile(r"\n\n\[1\] .*\Z", re.DOTALL)
SOURCE_LINE = re.compile(r"^\*\[(\d+)\]\* (.+?)(?: · .*)? · characters (\d+)–(\d+)$")
META_LINE = re.compile(r"^(.+?)(?: · .*)? · citation (\d+), characters (\d+)–(\d+)$")


@dataclass(frozen=True)
class Case:
    """A question, the earlier exchange it follows (if any) and the kind of answer expected."""

    name: str
    question: str
    kind: str  # "answered" or a refusal reason
    after: str | None = None  # the earlier question of the conversation


CASES = [
    Case("answerable", PRECEDENT, "answered"),
    Case("not_in_documents", NOT_IN_DOCUMENTS, "not_in_documents"),
    Case("source_truncated", TRUNCATED, "source_truncated"),
    Case("follow_up", FOLLOW_UP, "answered", after=PRECEDENT),
]

Cite = tuple[str, int, int, str]  # document, start, end, quote


@dataclass(frozen=True)
class Shown:
    """What a surface showed for one question, in comparable form."""

    text: str
    refusal_reason: str | None
    citations: tuple[Cite, ...]


def shown(answer: Answer | dict[str, Any]) -> Shown:
    """The comparable form of an Answer (or its JSON)."""
    data = answer.model_dump() if isinstance(answer, Answer) else answer
    cites = tuple((c["document"], c["start"], c["end"], c["quote"]) for c in data["citations"])
    return Shown(data["answer"], data["refusal_reason"], cites)


def kind(answer: Shown) -> str:
    """``answered`` or the refusal reason."""
    return answer.refusal_reason or "answered"


def history_for(case: Case, reference: dict[str, Shown]) -> list[dict[str, str]]:
    """The earlier turns of a follow-up: the first question and the answer it got."""
    if case.after is None:
        return []
    return [
        {"role": "user", "content": case.after},
        {"role": "assistant", "content": reference[case.after].text},
    ]


@pytest.fixture(scope="module")
def reference(api_server: LiveServer) -> dict[str, Shown]:
    """Each question's answer from ``POST /v1/ask``; every case really is of its kind."""
    answers: dict[str, Shown] = {}
    for case in CASES:
        body = {"question": case.question, "history": history_for(case, answers)}
        response = httpx.post(f"{api_server.url}/v1/ask", json=body, timeout=60)
        assert response.status_code == 200, response.text
        answers[case.question] = shown(response.json())
        assert kind(answers[case.question]) == case.kind, (case, answers[case.question])
    return answers


# -- the surfaces ---------------------------------------------------------------------------


def via_cli(case: Case, reference: dict[str, Shown], data_dir: Path, tmp: Path) -> Shown:
    """``verbatim ask --json [--history FILE]`` over the same index."""
    args = ["ask", case.question, "--json", "--data-dir", str(data_dir)]
    if case.after:
        history = tmp / f"history-{case.name}.json"
        history.write_text(json.dumps(history_for(case, reference)), encoding="utf-8")
        args += ["--history", str(history)]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    return shown(json.loads(result.stdout))


def via_chat_sse(case: Case, server: LiveServer) -> Shown:
    """``POST /v1/chat`` with ``stream: true``; a follow-up continues the conversation."""
    conversation_id = None
    done: dict[str, Any] = {}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for question in [q for q in (case.after, case.question) if q]:
            body = {"message": question, "stream": True, "conversation_id": conversation_id}
            with http.stream("POST", "/v1/chat", json=body) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                events = list(read_sse(response.iter_lines()))
            kinds = [name for name, _ in events]
            assert kinds[0] == "retrieval" and kinds[-1] == "done", kinds
            done = events[-1][1]
            conversation_id = done["conversation_id"]
    return shown(done["answer"])


def via_openai(case: Case, reference: dict[str, Shown], server: LiveServer) -> Shown:
    """``POST /v1/chat/completions``: the text before the footnotes, the ``verbatim`` field."""
    messages = [*history_for(case, reference), {"role": "user", "content": case.question}]
    body = {"model": "verbatim", "messages": messages}
    data = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=60).json()
    content = data["choices"][0]["message"]["content"]
    extra = data["verbatim"]
    text = FOOTNOTES.sub("", content)
    for c in extra["citations"]:  # the footnotes show the very quotes
        assert f'[{c["id"]}] "{c["quote"]}"' in content
    return shown({"answer": text, **extra})


def via_web(case: Case, page: Page, server: LiveServer) -> Shown:
    """The web page: the rendered answer, its refusal reason, and each citation opened."""
    page.goto(server.url)
    if case.after:
        ask_in_page(page, case.after)
    item = ask_in_page(page, case.question)
    reason = item.get_attribute("data-refusal-reason") or None
    text = item.locator(".answer-text").text_content() or ""
    cites: list[Cite] = []
    for button in item.locator("ol.citations button.cite").all():
        button.click()
        mark = page.locator("mark#cited-passage")
        expect(mark).to_have_attribute("data-citation", button.inner_text())
        meta = META_LINE.match(page.locator("#source-meta").inner_text())
        assert meta is not None, page.locator("#source-meta").inner_text()
        quote = mark.text_content() or ""
        cites.append((meta[1], int(meta[3]), int(meta[4]), quote))
    return Shown(text, reason, tuple(cites))


def web_text(text: str) -> str:
    """The answer text as the page shows it: citation markers ``[1]`` become buttons ``1``."""
    return re.sub(r"\[(\d+)\]", r"\1", text)


def from_slack(message: dict[str, Any]) -> Shown:
    """What a Slack message shows: answer blocks, quote blocks, source lines, metadata."""
    quotes: dict[int, str] = {}
    sources: dict[int, tuple[str, int, int]] = {}
    for block in message["blocks"]:
        block_id = str(block.get("block_id", ""))
        if match := re.fullmatch(r"quote-(\d+)-\d+", block_id):
            lines = block["text"]["text"].split("\n")
            piece = unescape_mrkdwn("\n".join(line.removeprefix("> ") for line in lines))
            quotes[int(match[1])] = quotes.get(int(match[1]), "") + piece
        elif block_id.startswith("source-"):
            line = SOURCE_LINE.match(block["elements"][0]["text"])
            assert line is not None, block
            sources[int(line[1])] = (unescape_mrkdwn(line[2]), int(line[3]), int(line[4]))
    assert sorted(quotes) == sorted(sources)
    cites = tuple((*sources[i], quotes[i]) for i in sorted(quotes))
    reason = message["metadata"]["event_payload"]["refusal_reason"] or None
    return Shown(answer_from_message(message), reason, cites)


def thread_before(case: Case, reference: dict[str, Shown], parent: str) -> list[dict[str, Any]]:
    """The Slack thread of a follow-up: the first mention and the bot's answer to it."""
    assert case.after is not None
    first = Answer.model_validate(
        {
            "answer": reference[case.after].text,
            "refused": False,
            "citations": [
                {"id": i, "document": d, "chunk_id": "", "start": s, "end": e, "quote": q}
                for i, (d, s, e, q) in enumerate(reference[case.after].citations, start=1)
            ],
        }
    )
    return [
        {"type": "message", "user": "U1", "text": f"<@{BOT_USER_ID}> {case.after}", "ts": parent},
        {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": f"{parent[:-1]}9",
            "text": "fallback",
            "blocks": render_answer(first).blocks,
        },
    ]


def slack_mention(
    case: Case, reference: dict[str, Shown], fake: FakeSlack, mention: Any, channel: str
) -> Shown:
    """Mention the bot with the case's question (in a thread for a follow-up)."""
    fields: dict[str, Any] = {}
    if case.after:
        parent, now = "1700000000.000100", new_ts()
        fake.threads[(channel, parent)] = thread_before(case, reference, parent)
        fields = {"ts": now, "thread_ts": parent}
    mention(channel, case.question, **fields)
    (call,) = fake.wait_for("chat.postMessage", timeout_s=60, channel=channel)
    return from_slack(call.args)


@pytest.fixture(scope="module")
def slack_http(sample: Components, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The API with the Slack Events route on uvicorn, its Web API pointed at a stand-in."""
    with running_fake_slack() as fake:
        slack = {"bot_token": TOKEN, "signing_secret": SECRET, "api_url": fake.url}
        settings = make_settings(tmp_path_factory.mktemp("same-slack"), slack=slack)
        with serve(create_app(settings, components=sample)) as live:
            yield fake, SlackSender(live.url)


# -- the test ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_surface_gives_the_same_answer(
    case: Case,
    reference: dict[str, Shown],
    api_server: LiveServer,
    sample: Components,
    page: Page,
    slack_http: Any,
    socket_mode_bot: SocketModeBot,
    tmp_path: Path,
) -> None:
    expected = reference[case.question]
    surfaces: dict[str, Shown] = {}
    surfaces["cli --json"] = via_cli(case, reference, Path(sample.settings.data_dir), tmp_path)
    surfaces["/v1/chat SSE"] = via_chat_sse(case, api_server)
    surfaces["/v1/chat/completions"] = via_openai(case, reference, api_server)
    fake, sender = slack_http
    surfaces["slack events api"] = slack_mention(
        case, reference, fake, lambda ch, q, **kw: sender.mention(ch, q, **kw), f"CHTTP{case.name}"
    )
    surfaces["slack socket mode"] = slack_mention(
        case, reference, socket_mode_bot.web, socket_mode_bot.mention, f"CSOCK{case.name}"
    )
    for name, got in surfaces.items():
        assert got == expected, name
    web = via_web(case, page, api_server)
    assert web == Shown(web_text(expected.text), expected.refusal_reason, expected.citations)
