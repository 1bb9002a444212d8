"""The extractive backend: the answer is the few evidence sentences that best answer the question.

Needs no model server.  Sentences are scored by :class:`qa.scoring.SentenceScorer` (embedding
similarity plus IDF-weighted coverage of the question's key terms); the best one is taken, and up
to two more when they score nearly as well and add key terms the first lacks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.backends import Hints
from qa.scoring import ScoredSentence, Sentence, SentenceScorer
from qa.text import content_terms
from qa.types import Claim, Draft, Evidence

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)")
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
        every = list(scored)
        if hints is not None and hints.typed:
            scored = scored[: hints.typed]
        chosen = self.select(question, scored)
        claims: list[Claim] = []
        taken: set[int] = set()
        for s in chosen:
            sentence = s.sentence
            if sentence.refers_back and sentence.context and sentence.context_start not in taken:
                # "It is commonly used after ..." needs the sentence that says what "it" is.
                before = _strip_marker(sentence.context)
                if before and not before.endswith(":"):
                    claims.append(Claim(text=before, quote=before, evidence=sentence.rank + 1))
                    taken.add(sentence.context_start)
            if sentence.start in taken:
                continue
            taken.add(sentence.start)
            quote = _strip_marker(sentence.text)
            claims.append(Claim(text=quote, quote=quote, evidence=sentence.rank + 1))
            if _introduces(s):
                # "... in this order of precedence:" is answered by the list that follows.
                for item in _list_after(sentence, every):
                    if item.start not in taken:
                        taken.add(item.start)
                        text = _strip_marker(item.text)
                        claims.append(Claim(text=text, quote=text, evidence=item.rank + 1))
        return Draft(claims=claims, backend=self.name)

    def select(self, question: str, scored: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence plus close runners-up that add uncovered key terms."""
        usable = [s for s in scored if len(content_terms(s.sentence.text)) >= 2]
        if not usable:
            return []
        # A sentence that only introduces what follows ("... like this:") answers less than
        # one that states something; let it win only when clearly better.
        definition = _definition_subject(question)
        usable.sort(key=lambda s: -_adjusted(s, definition))
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


INTRO_PENALTY = 0.08
POINTER_PENALTY = 0.1
DEFINITION_BONUS = 0.1

# Sentences that point elsewhere ("read more in ...", "we'll see later") rather than inform.
_POINTER = re.compile(
    r"\b(read more|learn more|see (?:the|also|more|below|above)|check (?:the|out)|you can read|"
    r"(?:in|on) the next (?:section|chapter|page)|(?:we|you)(?:'ll| will) (?:see|learn|cover)|"
    r"later in|more (?:info|information|details) (?:about|on|in)|new docs at|"
    r"in this (?:section|chapter|page|tutorial)|as (?:we|you) saw)\b",
    re.IGNORECASE,
)
_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)|https?://\S+")
_DEFINE = re.compile(r"^\s*what\s+(?:is|are)\s+(?:a|an|the)?\s*([\w\s-]{2,40}?)\s*\??\s*$", re.I)


MAX_LIST_ITEMS = 5


def _list_after(intro: Sentence, scored: Sequence[ScoredSentence]) -> list[Sentence]:
    """The list items that directly follow an introducing sentence in the same chunk."""
    following = sorted(
        (
            s.sentence
            for s in scored
            if s.sentence.chunk_id == intro.chunk_id and s.sentence.start >= intro.end
        ),
        key=lambda s: s.start,
    )
    items: list[Sentence] = []
    for sentence in following:
        if not _LIST_ITEM.match(sentence.text) or len(items) >= MAX_LIST_ITEMS:
            break
        items.append(sentence)
    return items


def _introduces(s: ScoredSentence) -> bool:
    return s.sentence.text.rstrip().endswith(":")


def _points_elsewhere(s: ScoredSentence) -> bool:
    text = s.sentence.text
    links = sum(len(m) for m in _LINK.findall(text))
    return bool(_POINTER.search(text)) or links > 0.4 * len(text)


def _definition_subject(question: str) -> set[str] | None:
    """For "What is X?", the terms of X."""
    match = _DEFINE.match(question)
    return set(content_terms(match.group(1))) if match else None


def _defines(s: ScoredSentence, subject: set[str]) -> bool:
    """The sentence reads "X is/are/means ..." for the asked X."""
    head = re.split(
        r"\b(?:is|are|means|refers to|stands for)\b", s.sentence.text, maxsplit=1, flags=re.I
    )
    return len(head) == 2 and len(head[0]) < 80 and subject <= set(content_terms(head[0]))


def _adjusted(s: ScoredSentence, definition: set[str] | None) -> float:
    value = s.score
    if _introduces(s):
        value -= INTRO_PENALTY
    if _points_elsewhere(s):
        value -= POINTER_PENALTY
    if definition and _defines(s, definition):
        value += DEFINITION_BONUS
    return value


def _strip_marker(text: str) -> str:
    match = _MARKER.match(text)
    return (text[match.end() :] if match else text).strip()
