"""The chat_model backend against a real OpenAI-protocol server on loopback.

The server replays scripted model outputs, adversarial ones included; verification must keep
every invented quote, altered quote and unsupported claim out of the answer.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator

import pytest
from fake_llm import FakeChatServer
from helpers import assert_exact
from langchain_openai import ChatOpenAI

from qa.backends.llm import ChatModelBackend
from qa.components import Components
from qa.errors import BackendError
from qa.settings import LLMSettings

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUE_QUOTE = (
    "The most salient historical precedent cited as a cautionary tale was the 1994 Budapest "
    "Memorandum."
)


def reply(claims: list[dict[str, object]], refusal: str | None = None) -> str:
    """A model reply in the JSON shape the prompt asks for."""
    return json.dumps({"claims": claims, "refusal": refusal})


@pytest.fixture()
def fake() -> Iterator[FakeChatServer]:
    server = FakeChatServer().start()
    yield server
    server.stop()


def llm_parts(sample: Components, fake: FakeChatServer, **llm: object) -> Components:
    """The sample components answering with the chat_model backend at ``fake``."""
    settings = sample.settings.model_copy(
        update={
            "backend": "chat_model",
            "llm": LLMSettings(
                base_url=fake.base_url, model="fake", timeout_s=2.0, max_retries=0, **llm
            ),
        }
    )
    return dataclasses.replace(sample, settings=settings, _backends={})


def test_true_claim_with_exact_quote_is_answered(sample: Components, fake: FakeChatServer) -> None:
    fake.script = lambda m: reply(
        [
            {
                "text": "The article cites the 1994 Budapest Memorandum.",
                "quote": TRUE_QUOTE,
                "evidence": 1,
            }
        ]
    )
    answer = llm_parts(sample, fake).chain().ask(PRECEDENT)
    assert not answer.refused
    assert answer.backend == "chat_model"
    assert answer.citations[0].quote == TRUE_QUOTE
    assert_exact(answer, sample.sources)
    assert fake.requests, "the model server was called"
    prompt = json.dumps(fake.requests[0]["messages"])
    assert "Budapest" in prompt, "the evidence is in the prompt"


def test_fabricated_quote_is_dropped(sample: Components, fake: FakeChatServer) -> None:
    fake.script = lambda m: reply(
        [
            {
                "text": "The article cites the Minsk II agreement.",
                "quote": "The Minsk II agreement of 2015 was cited as the key precedent.",
                "evidence": 1,
            }
        ]
    )
    answer = llm_parts(sample, fake).chain().ask(PRECEDENT)
    assert answer.refused and answer.refusal_reason == "not_in_documents"
    assert "Minsk" not in answer.answer


def test_altered_wording_is_dropped(sample: Components, fake: FakeChatServer) -> None:
    altered = TRUE_QUOTE.replace("cautionary tale", "warning example")
    fake.script = lambda m: reply([{"text": "It cites the Budapest Memorandum.", "quote": altered}])
    answer = llm_parts(sample, fake).chain().ask(PRECEDENT)
    assert answer.refused
    assert answer.citations == []


def test_whitespace_and_quote_marks_are_mapped_back_to_the_exact_source(
    sample: Components, fake: FakeChatServer
) -> None:
    text = sample.sources.get_text("shadow-negotiation-28-point-plan.txt") or ""
    found = re.search(r"[A-Z][^.\n]*’[^.\n]*\.", text)  # a sentence with a curly quote
    assert found is not None
    original = found.group(0)
    mangled = "  " + original.replace("’", "'").replace(" ", "  ") + " "
    fake.script = lambda m: reply([{"text": original, "quote": mangled, "evidence": 1}])
    answer = (
        llm_parts(sample, fake)
        .chain()
        .ask("What served as a visceral counterpoint to the diplomatic maneuvering?")
    )
    assert not answer.refused, answer.answer
    citation = answer.citations[0]
    assert citation.quote == text[citation.start : citation.end]
    assert "’" in citation.quote


def test_true_quote_attached_to_invented_claim_is_dropped(
    sample: Components, fake: FakeChatServer
) -> None:
    fake.script = lambda m: reply(
        [
            {"text": "The plan caps Ukraine's army at 600,000 troops.", "quote": TRUE_QUOTE},
            {"text": "Poland vetoed the Budapest Memorandum.", "quote": TRUE_QUOTE},
        ]
    )
    answer = llm_parts(sample, fake).chain().ask(PRECEDENT)
    assert answer.refused
    assert "600,000" not in answer.answer and "Poland" not in answer.answer


def test_invented_list_items_never_reach_the_user(sample: Components, fake: FakeChatServer) -> None:
    fake.script = lambda m: reply(
        [
            {"text": "Ukraine must cede Donbas.", "quote": "Ukraine must cede the Donbas region."},
            {"text": "Ukraine must cap its army at 600,000.", "quote": "cap its army at 600,000"},
        ]
    )
    parts = llm_parts(sample, fake)
    for question in (
        "What concessions were demanded of Kyiv?",
        "What are the four categories of the framework?",
    ):
        answer = parts.chain().ask(question)
        text = answer.answer + " ".join(c.quote for c in answer.citations)
        assert "Donbas" not in text and "600,000" not in text
        assert answer.refused


def test_model_refusal_is_passed_through(sample: Components, fake: FakeChatServer) -> None:
    fake.script = lambda m: reply([], refusal="not_in_documents")
    answer = llm_parts(sample, fake).chain().ask(PRECEDENT)
    assert answer.refused and answer.refusal_reason == "not_in_documents"


def test_hanging_model_fails_within_the_timeout(sample: Components, fake: FakeChatServer) -> None:
    fake.mode = "hang"
    fake.hang_seconds = 10
    chain = llm_parts(sample, fake).chain()
    started = time.monotonic()
    with pytest.raises(BackendError):
        chain.ask(PRECEDENT)
    assert time.monotonic() - started < 8


@pytest.mark.parametrize("mode", ["not_json", "http500"])
def test_garbage_falls_back_to_extractive_when_configured(
    sample: Components, fake: FakeChatServer, mode: str
) -> None:
    fake.mode = mode
    with pytest.raises(BackendError):
        llm_parts(sample, fake).chain().ask(PRECEDENT)
    answer = llm_parts(sample, fake, fallback_to_extractive=True).chain().ask(PRECEDENT)
    assert not answer.refused
    assert answer.backend.endswith("+fallback")
    assert any("Budapest Memorandum" in c.quote for c in answer.citations)


def test_unparseable_prose_is_a_backend_error(sample: Components, fake: FakeChatServer) -> None:
    fake.script = lambda m: "Sure! The concessions were: 1. Donbas 2. NATO."
    with pytest.raises(BackendError):
        llm_parts(sample, fake).chain().ask(PRECEDENT)


def test_streaming_protocol_is_parsed(fake: FakeChatServer) -> None:
    fake.script = lambda m: reply([{"text": "x", "quote": TRUE_QUOTE}])
    model = ChatOpenAI(base_url=fake.base_url, api_key="k", model="fake", streaming=True, timeout=2)
    draft = ChatModelBackend(model).answer(PRECEDENT, [])
    assert draft.claims[0].quote == TRUE_QUOTE
    assert fake.requests[-1]["stream"] is True


def test_follow_up_is_condensed_by_the_model(sample: Components, fake: FakeChatServer) -> None:
    from qa.types import Turn

    def script(messages: list[dict[str, object]]) -> str:
        if "Rewrite the last question" in str(messages[0]["content"]):
            return "What did Ukraine give up under the 1994 Budapest Memorandum?"
        quote = (
            "Under that agreement, Ukraine surrendered its vast nuclear arsenal in exchange for "
            "explicit security assurances from the U.S., the U.K., and Russia"
        )
        return reply([{"text": "Ukraine surrendered its vast nuclear arsenal.", "quote": quote}])

    fake.script = script
    history = [Turn(role="user", content=PRECEDENT), Turn(role="assistant", content=TRUE_QUOTE)]
    answer = llm_parts(sample, fake).chain().ask("And what did they give up under it?", history)
    assert not answer.refused, answer
    assert "nuclear arsenal" in answer.citations[0].quote
    assert answer.standalone_question and "Budapest" in answer.standalone_question
