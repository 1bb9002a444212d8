"""Answer backends: anything with ``answer(question, evidence, hints=...) -> Draft``.

A name → factory registry keeps heavy imports (langchain-openai, langchain-ollama) inside the
factories, so the default extractive path stays light.  Unknown names raise ``ConfigError``
listing the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from qa.errors import ConfigError
from qa.signals import ScoredSentence, SentenceScorer
from qa.types import Document, Draft, Evidence, Turn

if TYPE_CHECKING:
    from qa.settings import Settings


@dataclass
class Hints:
    """What the chain already knows when it calls a backend (saves recomputation)."""

    scored: list[ScoredSentence] = field(default_factory=list)  # best first
    history: list[Turn] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)  # the evidence's documents
    passage: bool = False  # ``scored`` opens with a passage in text order: quote it as it runs


@runtime_checkable
class AnswerBackend(Protocol):
    """Turns a question and evidence into a draft of claims with verbatim quotes."""

    name: str

    def answer(
        self, question: str, evidence: Sequence[Evidence], hints: Hints | None = None
    ) -> Draft:
        """Draft an answer; every claim carries a quote meant to be verbatim evidence text."""
        ...


BackendFactory = Callable[["Settings", SentenceScorer], AnswerBackend]


def _extractive(settings: Settings, scorer: SentenceScorer) -> AnswerBackend:
    from qa.backends.extractive import ExtractiveBackend

    return ExtractiveBackend()


def _chat_model(settings: Settings, scorer: SentenceScorer) -> AnswerBackend:
    from qa.backends.extractive import ExtractiveBackend
    from qa.backends.llm import ChatModelBackend, FallbackBackend, build_chat_model

    primary = ChatModelBackend(build_chat_model(settings.llm))
    if settings.llm.fallback_to_extractive:
        return FallbackBackend(primary, ExtractiveBackend())
    return primary


BACKENDS: dict[str, BackendFactory] = {
    "extractive": _extractive,
    "chat_model": _chat_model,
}


def create_backend(name: str, settings: Settings, scorer: SentenceScorer) -> AnswerBackend:
    """Build the backend registered under ``name``."""
    try:
        factory = BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ConfigError(f"Unknown backend {name!r}; known backends: {known}.") from None
    return factory(settings, scorer)


__all__ = ["BACKENDS", "AnswerBackend", "Hints", "create_backend"]
