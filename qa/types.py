"""Value types of the answer chain: turns, evidence, drafts, citations and the Answer contract.

``Answer`` is the JSON every entry point returns (see DESIGN.md); the document-side types
(Document, Chunk, Gap, ...) live in :mod:`vectorstore.types` and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from vectorstore.types import Chunk, Document, Gap, Section, Span

__all__ = [
    "REFUSAL_REASONS",
    "Answer",
    "Chunk",
    "Citation",
    "Claim",
    "Document",
    "Draft",
    "Evidence",
    "Gap",
    "GapInfo",
    "RefusalReason",
    "Section",
    "Span",
    "Turn",
]

RefusalReason = Literal["not_in_documents", "source_truncated", "out_of_scope", "invalid_request"]
REFUSAL_REASONS: tuple[str, ...] = (
    "not_in_documents",
    "source_truncated",
    "out_of_scope",
    "invalid_request",
)


class Turn(BaseModel):
    """One earlier message of a conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)
    refused: bool = False  # an assistant turn that was a refusal carries nothing to follow up


@dataclass(frozen=True)
class Evidence:
    """A retrieved chunk with its fused score and its rank among the evidence.

    ``joined``: the chunk was not retrieved but joined the evidence for what the question asks
    (the opening of a section it names, the rest of a list), after the retrieved chunks.
    """

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    joined: bool = False


@dataclass(frozen=True)
class Claim:
    """One sentence of a draft answer and the verbatim quote offered to support it.

    ``evidence`` is the 1-based evidence number the backend says the quote comes from (may be
    wrong or absent; verification searches the stored text regardless).
    """

    text: str
    quote: str
    evidence: int | None = None
    # Composed by this product from the document's structure (a list's count, its first item,
    # "... and N more"): the quote is verified like any other, the wording is not a model's.
    structural: bool = False


@dataclass
class Draft:
    """What a backend returns before verification."""

    claims: list[Claim] = field(default_factory=list)
    backend: str = "extractive"
    refusal: RefusalReason | None = None
    note: str | None = None


class Citation(BaseModel):
    """A verified quote: ``quote == stored_text(document)[start:end]``."""

    id: int
    document: str
    chunk_id: str
    start: int
    end: int
    quote: str
    section: str | None = None


class GapInfo(BaseModel):
    """A recorded gap surfaced in an answer."""

    document: str
    offset: int
    announcement: str


class Answer(BaseModel):
    """The answer contract shared by the CLI, the HTTP API, the web page, Slack and eval."""

    answer: str
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    citations: list[Citation] = Field(default_factory=list)
    gaps: list[GapInfo] = Field(default_factory=list)
    backend: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    standalone_question: str | None = None
    decided_by: str | None = None  # the rule or model that decided (see qa/policy.py)
    decision_score: float | None = None  # the model's probability that the documents answer
