"""LangChain's own standard test suites (the ``langchain-tests`` package), run as a LangChain
user would: ``RetrieversIntegrationTests`` against :class:`HybridRetriever` over the ingested
sample, and ``ChatModelIntegrationTests`` through ``ChatOpenAI`` pointed at Verbatim's
OpenAI-compatible endpoint on real uvicorn. Capabilities Verbatim does not offer (tool calling,
structured output, JSON mode, image/audio/PDF input, …) are declared off. The chain itself, a
``Runnable``, is checked with ``invoke``/``stream``/``batch`` and their async forms.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers import LiveServer
from langchain_core.retrievers import BaseRetriever
from langchain_openai import ChatOpenAI
from langchain_tests.integration_tests import ChatModelIntegrationTests, RetrieversIntegrationTests

from qa.components import Components
from qa.retrieval import HybridRetriever
from qa.types import Answer

pytestmark = [pytest.mark.server]

PRECEDENT = "Which earlier agreement does the article cite as a precedent?"
TRUNCATED = "What concessions were demanded of Kyiv?"


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's retriever suite: ``k`` in the constructor and per call, sync and async."""

    parts: Components

    @pytest.fixture(autouse=True)
    def _index(self, sample: Components) -> None:
        type(self).parts = sample

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {
            "embedder": self.parts.embedder,
            "store": self.parts.store,
            "lexical": self.parts.lexical,
            "sources": self.parts.sources,
        }

    @property
    def retriever_query_example(self) -> str:
        return PRECEDENT


class TestOpenAIEndpointStandard(ChatModelIntegrationTests):
    """LangChain's chat model suite through ``ChatOpenAI(base_url=…/v1, model="verbatim")``."""

    base_url: str

    @pytest.fixture(autouse=True)
    def _server(self, api_server: LiveServer) -> None:
        type(self).base_url = f"{api_server.url}/v1"

    @property
    def chat_model_class(self) -> type[ChatOpenAI]:
        return ChatOpenAI

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # stream_usage: ask for the final usage chunk (stream_options.include_usage), as a
        # LangChain user does with any OpenAI-compatible server.
        return {
            "base_url": self.base_url,
            "model": "verbatim",
            "api_key": "not-needed",
            "stream_usage": True,
        }

    # What Verbatim does not offer: it answers from documents, with quotes, nothing else.
    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_tool_choice(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return False

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def supports_image_urls(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def supports_video_inputs(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        return False

    @property
    def supports_model_override(self) -> bool:
        return False


def test_retriever_invoke_honours_k_per_call(sample: Components) -> None:
    retriever = sample.chain().retriever
    assert len(retriever.invoke(PRECEDENT, k=1)) == 1
    assert len(retriever.invoke(PRECEDENT, k=2)) == 2
    assert len(retriever.invoke(PRECEDENT)) == retriever.top_k
    with pytest.raises(ValueError):
        retriever.invoke(PRECEDENT, k=0)


def test_chain_runnable_sync_and_async_forms_agree(sample: Components) -> None:
    chain = sample.chain()
    expected = chain.ask(PRECEDENT)
    refused = chain.ask(TRUNCATED)

    def same(answer: Answer, reference: Answer) -> bool:
        return answer.model_dump(exclude={"timings_ms"}) == reference.model_dump(
            exclude={"timings_ms"}
        )

    assert same(chain.invoke(PRECEDENT), expected)
    assert same(chain.invoke({"question": PRECEDENT, "history": []}), expected)
    streamed = list(chain.stream(PRECEDENT))
    assert streamed and same(streamed[-1], expected)
    batch = chain.batch([PRECEDENT, TRUNCATED])
    assert same(batch[0], expected) and same(batch[1], refused)

    async def run_async() -> tuple[Answer, list[Answer], list[Answer]]:
        one = await chain.ainvoke(PRECEDENT)
        many = await chain.abatch([PRECEDENT, TRUNCATED])
        chunks = [chunk async for chunk in chain.astream(TRUNCATED)]
        return one, many, chunks

    one, many, chunks = asyncio.run(run_async())
    assert same(one, expected)
    assert same(many[0], expected) and same(many[1], refused)
    assert chunks and same(chunks[-1], refused)
