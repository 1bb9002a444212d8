"""The extractive backend: the answer is the few evidence sentences that best answer the question.

Needs no model server.  Sentences are scored by :class:`qa.scoring.SentenceScorer` (embedding
similarity plus IDF-weighted coverage of the question's key terms); the best one is taken, and up
to two more when they score nearly as well and add key terms the first lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.backends import Hints
from qa.scoring import ScoredSentence, SentenceScorer
from qa.text import content_terms
from qa.types import Claim, Draft, Evidence

_MARKER = re.compile(r"^\s*(?:[-*+>]\s+|\d{1,3}[.)]\s+|#{1,6}\s+)")


class ExtractiveBackend:
    """Answers with verbatim evidence sentences."""

    name = "extractive"

    def __init__(
        self, scorer: SentenceScorer, *, max_sentences: int = 3, closeness: float = 0.06
    ) -> None:
        if max_sentences < 1:
            raise ValueError("max_sentences must be >= 1")
        self.scorer = scorer
        self.max_sentences = max_sentences
        self.closeness = closeness

    def answer(
        self, question: str, evidence: Sequence[Evidence], hints: Hints | None = None
    ) -> Draft:
        """Pick the best sentences and return them as claims quoting themselves."""
        scored = hints.scored if hints and hints.scored else None
        if scored is None:
            scored = self.scorer.score(question, self.scorer.sentences(evidence))
        chosen = self.select(question, scored)
        claims = []
        for s in chosen:
            quote = _strip_marker(s.sentence.text)
            claims.append(Claim(text=quote, quote=quote, evidence=s.sentence.rank + 1))
        return Draft(claims=claims, backend=self.name)

    def select(self, question: str, scored: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence plus close runners-up that add uncovered key terms."""
        usable = [s for s in scored if len(content_terms(s.sentence.text)) >= 2]
        if not usable:
            return []
        top = usable[0]
        chosen = [top]
        qterms = set(content_terms(question))
        covered = qterms & top.terms
        for cand in usable[1:8]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.score < top.score - self.closeness:
                continue
            new_terms = (qterms & cand.terms) - covered
            adjacent = any(
                cand.sentence.document == c.sentence.document
                and 0 <= cand.sentence.start - c.sentence.end <= 2
                for c in chosen
            )
            if new_terms or (adjacent and cand.score >= top.score - self.closeness / 2):
                chosen.append(cand)
                covered |= new_terms
        chosen.sort(key=lambda s: (s.sentence.rank, s.sentence.document, s.sentence.start))
        return chosen


def _strip_marker(text: str) -> str:
    match = _MARKER.match(text)
    return (text[match.end() :] if match else text).strip()
