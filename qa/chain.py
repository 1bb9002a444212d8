"""The answer chain: one ``Runnable`` behind every entry point.

    question (+ history) → strip steering instructions → condense follow-ups → hybrid retrieval
    → refusal policy → answer backend → locate & check every quote → Answer (or typed refusal)

Verification is part of the chain: before an Answer leaves, every citation's quote is checked to
equal the stored source text at its offsets.
"""

from __future__ import annotations

import re
import textwrap
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel, Field

from ingest.blocks import RST_CODE_DIRECTIVES
from qa.backends import AnswerBackend, Hints
from qa.citations import (
    locate_quote,
    quotes_planted_instruction,
    sentence_bounds,
    verify_citations,
)
from qa.errors import BackendError, DatabaseUnavailableError, IndexNotReadyError
from qa.lists import led_by
from qa.policy import AnswerDecider, Asked, Decision, strip_instructions
from qa.retrieval import HybridRetriever
from qa.signals import SentenceScorer
from qa.text import (
    contains_phrase,
    content_terms,
    defines_term,
    dotted_numbers,
    entities,
    in_title_case,
    is_follow_up,
    numbers,
    quotes_apart,
    stem,
    words,
)
from qa.types import (
    Answer,
    Chunk,
    Citation,
    Claim,
    Document,
    Draft,
    Evidence,
    Gap,
    GapInfo,
    Section,
    Turn,
)
from qa.wording import REFUSAL_TEXT, TRUNCATED_TEXT
from vectorstore import SourceStore, StorageUnavailableError
from vectorstore.types import CODE_KINDS

# Documents read while one answer is computed (see VerbatimChain._answer).
_SNAPSHOT: ContextVar[dict[str, Document | None] | None] = ContextVar("snapshot", default=None)


class ChainInput(BaseModel):
    """Input of :class:`VerbatimChain` (a plain string is accepted too)."""

    question: str
    history: list[Turn] = Field(default_factory=list)


class DocumentCache:
    """Documents and titles from the source store, cached until the store's generation changes."""

    def __init__(self, sources: SourceStore) -> None:
        self.sources = sources
        self._generation = -1
        self._docs: dict[str, Document | None] = {}
        self._titles: dict[str, str] | None = None
        self._lock = threading.Lock()

    def get(self, doc_id: str) -> Document | None:
        """The document, or None when unknown."""
        with self._current():
            if doc_id not in self._docs:
                self._docs[doc_id] = self.sources.get_document(doc_id)
            return self._docs[doc_id]

    def titles(self) -> dict[str, str]:
        """Each titled document's title, by id (read once per generation: every section or
        "What is X?" question reads them all)."""
        with self._current():
            if self._titles is None:
                self._titles = self.sources.titles()
            return self._titles

    @contextmanager
    def _current(self) -> Iterator[None]:
        """Hold the lock, with what was cached for an earlier generation dropped."""
        generation = self.sources.generation()
        with self._lock:
            if generation != self._generation:
                self._docs.clear()
                self._titles = None
                self._generation = generation
            yield


def condense(question: str, history: Sequence[Turn]) -> str:
    """Make a follow-up standalone by carrying key terms of the earlier turns.

    A pronoun usually points at what was just said, so the names in the last answer come first,
    then the key words of the last question (its topic).  A refusal carries no names.
    """
    if not history or not is_follow_up(question):
        return question
    last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    last_turn = next((t for t in reversed(history) if t.role == "assistant"), None)
    # Each quote of the answer opens a sentence ("... it encounters. [1] Sometimes bad
    # things ..."): its first word's capital marks no name.
    last_answer = "" if last_turn is None or last_turn.refused else quotes_apart(last_turn.content)
    own = set(content_terms(question))
    # A title's capitals (the text's heading, quoted for "What is the title?") mark no names.
    named = set() if in_title_case(last_answer) else entities(last_answer)
    # A parallel follow-up ("And how do I update them?" after "How do I delete rows?") asks
    # the last question again of another word: its pronoun stands where that question's word
    # stood ("them" for "rows"), so the last answer's names are not carried, nor the word it
    # replaces ("delete").
    replaced = replaced_words(question, last_user)
    # A follow-up naming a thing of its own ("And the DNS servers?" after an answer naming
    # "Google Public NTP servers") asks about it, not about the last answer's names.
    new_names = entities(question) - entities(last_user) - named
    answer_names = (
        []
        if replaced or new_names
        else [w for w in words(last_answer) if w[:1].isupper() and stem(w) in named]
    )
    topic = set(content_terms(last_user)) - replaced
    user_words = [w for w in words(strip_instructions(last_user)) if stem(w) in topic]
    carried = [
        w
        for w in dict.fromkeys([*answer_names[:4], *user_words[:6]])
        # A version names a release as a word names a thing; a bare number is not carried.
        if (stem(w) not in own and (not w[:1].isdigit() or dotted_numbers(w) == [w]))
        or w in answer_names
    ]
    if not carried:
        return question
    return f"{question} ({' '.join(carried)})"


def replaced_words(question: str, earlier: str) -> set[str]:
    """The stemmed words of ``earlier`` that a parallel follow-up replaces: "And how do I update
    them?" after "How do I delete rows?" asks the same thing of another verb, "And a unique
    constraint?" after "What is a check constraint?" of another kind.

    The two questions are read aligned at their ends, word for word; when at least half of the
    aligned words are the same (the frame both share), a content word of the follow-up where
    the earlier question has another word stands in for it.  A pronoun ("them") stands for its
    word, which is carried."""
    new, old = [w.lower() for w in words(question)], [w.lower() for w in words(earlier)]
    n = min(len(new), len(old))
    if n < 2:
        return set()
    pairs = list(zip(new[-n:], old[-n:], strict=True))
    if 2 * sum(a == b for a, b in pairs) < n:
        return set()
    return {stem(b) for a, b in pairs if a != b and content_terms(a)}


def claim_supported(claim: Claim, quote: str) -> bool:
    """True when the quote backs the claim: its names and numbers, and most of its terms."""
    if _flat(claim.text) == _flat(quote):
        return True  # the quote itself, re-flowed onto one line
    if not numbers(claim.text) <= numbers(quote):
        return False
    quote_terms = set(content_terms(quote, drop_meta=False))
    named = quote_terms | entities(quote)  # code names (`h11.Connection`) are one entity each
    if not {e for e in entities(claim.text) if not e[:1].isdigit()} <= named:
        return False
    terms = set(content_terms(claim.text))
    if not terms:
        return True
    return len(terms & quote_terms) / len(terms) >= 0.6


def _flat(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


class VerbatimChain(Runnable[ChainInput | dict[str, Any] | str, Answer]):
    """Question (+ history) → verified Answer.  ``invoke``, ``batch`` and ``stream`` work."""

    def __init__(
        self,
        *,
        retriever: HybridRetriever,
        scorer: SentenceScorer,
        decider: AnswerDecider,
        backend: AnswerBackend,
        sources: SourceStore,
        max_question_chars: int = 2000,
    ) -> None:
        if max_question_chars < 1:
            raise ValueError("max_question_chars must be >= 1")
        self.retriever = retriever
        self.scorer = scorer
        self.decider = decider
        self.backend = backend
        self.sources = sources
        self.documents = DocumentCache(sources)
        self.max_question_chars = max_question_chars

    # -- Runnable -------------------------------------------------------------------------
    def invoke(
        self,
        input: ChainInput | dict[str, Any] | str,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Answer:
        """Answer one question."""
        return self._call_with_config(self._invoke, input, config, run_type="chain")

    def _invoke(self, input: ChainInput | dict[str, Any] | str) -> Answer:
        data = _coerce(input)
        return self.ask(data.question, data.history)

    # -- API --------------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` given earlier turns."""
        answer: Answer | None = None
        for kind, payload in self.events(question, history):
            if kind == "done":
                answer = payload
        assert answer is not None
        return answer

    def events(self, question: str, history: Sequence[Turn] = ()) -> Iterator[tuple[str, Any]]:
        """The answer as events: ``retrieval``, ``delta``…, ``citation``…, ``done``.

        Everything is verified before the first ``delta`` is produced.

        Raises:
            DatabaseUnavailableError: the database cannot be reached (a 503).
        """
        try:
            yield from self._events(question, history)
        except StorageUnavailableError as exc:
            raise DatabaseUnavailableError.wrap(exc) from exc

    def _events(self, question: str, history: Sequence[Turn]) -> Iterator[tuple[str, Any]]:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        text = question if isinstance(question, str) else ""
        # An over-long question is refused by the first rule: spend no text processing on it.
        cleaned = strip_instructions(text) if len(text) <= self.max_question_chars else text
        if len(text) > self.max_question_chars:
            standalone = text
        elif not cleaned and text.strip() and history:
            # "Then just guess." after a question: the same question again, instructions dropped.
            cleaned = strip_instructions(_last_user_turn(history))
            standalone = cleaned
        else:
            standalone = self._condense(cleaned, history) if cleaned else cleaned
        asked = Asked(text, cleaned, standalone, self.max_question_chars)
        early = self.decider.before_retrieval(asked)
        if early is not None:
            refusal = self._refusal_from(early, timings)
            for piece in _deltas(refusal.answer):
                yield "delta", piece
            yield "done", refusal
            return
        if self.sources.count_chunks() == 0:
            raise IndexNotReadyError("Nothing has been ingested yet: run `verbatim ingest` first.")
        evidence = self.retriever.retrieve(standalone)
        timings["retrieve"] = _ms(t0)
        yield "retrieval", evidence
        answer = self._answer(asked, evidence, history, timings)
        for piece in _deltas(answer.answer):
            yield "delta", piece
        for citation in answer.citations:
            yield "citation", citation
        yield "done", answer

    def _answer(
        self,
        asked: Asked,
        evidence: list[Evidence],
        history: Sequence[Turn],
        timings: dict[str, float],
    ) -> Answer:
        """Decide, draft and verify the answer against one snapshot of the stored texts.

        A document re-ingested while a question is answered must not mix two versions: every
        text this answer reads comes from the snapshot taken when it first reads it.  (Set and
        reset inside this one synchronous call, never across a generator's yields.)
        """
        token = _SNAPSHOT.set({})
        try:
            t1 = time.perf_counter()
            evidence, docs = self.decision_inputs(asked, evidence)
            decision = self.decider.decide(asked, evidence, docs)
            if decision.refuse is not None:
                answer = self._refusal_from(decision, timings)
            else:
                evidence = self._with_listed_items(evidence, decision, docs)
                draft = self.backend.answer(
                    asked.standalone,
                    evidence,
                    Hints(
                        scored=list(decision.ranked),
                        history=list(history),
                        documents=docs,
                        passage=decision.passage,
                    ),
                )
                answer = self._verify(draft, evidence, decision, timings)
            timings["answer"] = _ms(t1)
            answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
            answer.standalone_question = (
                asked.standalone if asked.standalone != asked.original else None
            )
            verify_citations(answer, {c.document: self._text(c.document) for c in answer.citations})
            return answer
        finally:
            _SNAPSHOT.reset(token)

    def decision_inputs(
        self, asked: Asked, retrieved: list[Evidence]
    ) -> tuple[list[Evidence], list[Document]]:
        """What the decision reads for ``asked``: the retrieved evidence with the sections the
        question names (:meth:`_with_asked_sections`), and their documents.  Training
        (:mod:`eval.train`) reads the same, so the model is fitted on what answering sees."""
        evidence = self._with_asked_sections(asked, retrieved)
        return evidence, self._documents_for(evidence)

    # -- steps ------------------------------------------------------------------------------
    def _condense(self, question: str, history: Sequence[Turn]) -> str:
        """Standalone form of a follow-up: the backend's own condenser when it has one."""
        if not history or not is_follow_up(question):
            return question
        condenser = getattr(self.backend, "condense", None)
        if condenser is not None:
            try:
                rewritten = str(condenser(question, history)).strip()
            except BackendError:
                rewritten = ""
            # A rewrite must still be about the question, not a fresh claim of the model's.
            if rewritten and len(rewritten) <= self.max_question_chars:
                return strip_instructions(rewritten)
        return condense(question, history)

    def _with_asked_sections(self, asked: Asked, evidence: list[Evidence]) -> list[Evidence]:
        """The evidence plus the chunk opening each section the question names by its heading
        (:meth:`AnswerDecider.named_topic`: "What does the documentation say about path
        parameters?", "What is a middleware?").

        Retrieval for the whole question finds chunks that repeat the topic's words (release
        notes, links to the page, passages that use the thing), not always the one that opens
        its section; the topic is searched for alone, and the first two chunks of each section
        it names, in the documents of either search or whose titles the topic names, join the
        evidence (after the retrieved ones, which keep their numbers): a section opening with an
        introduction to a long code block has its first sentence in its second chunk.
        """
        section = self.decider.section
        title = self.decider.title
        only = title.document(evidence) if title.asks(asked) else None
        doc = self._document(only) if only is not None else None
        where = title.span(doc) if doc is not None else None
        if doc is not None and where is not None:
            # "What is the title of the article?" of a corpus of one text: the chunk holding its
            # title joins (a title is no candidate, so retrieval need not find it).
            heading = self.sources.chunks_over(doc.id, where[0], where[1], limit=1)
            evidence = _joined(evidence, heading)
        # An object the question names as code: its section joins, from the documents
        # retrieved (no search more); up to _OBJECT_CHUNKS chunks of it, since what is asked
        # of a function (what it returns) often follows a list of its parameters.
        retrieved = self._documents_for(evidence)
        objects = self.decider.named_object.sections(asked, retrieved)
        evidence = _joined(evidence, self._openings(objects[:_OBJECTS], limit=_OBJECT_CHUNKS))
        topic = self.decider.named_topic(asked)
        if topic is None:
            # A question a heading asks word for word: the opening of its section joins, from
            # the documents retrieved (no search more; the objects' chunks are of these too).
            asking = section.heading_asked(asked, retrieved)
            return _joined(evidence, self._openings((d, s) for _, d, s in asking))
        # "What is X?": the sentence saying so ("X is a ...") can sit in any chunk naming X,
        # and a thing a corpus is about is named in most of them; its definitional phrase is
        # searched for as a quoted term (the chunks holding it rank higher), and up to
        # _SECTION_CHUNKS of the chunks found that hold it join the evidence.
        defined = topic == self.decider.defined.subject(asked)
        verbs = ("is", "are") if defined else ()
        phrases = [(*(w.lower() for w in words(topic)), verb) for verb in verbs]
        found = self.retriever.retrieve(" ".join([topic, *(f'"{topic} {v}"' for v in verbs)]))
        stating = [
            ev.chunk for ev in found if any(contains_phrase(ev.chunk.text, p) for p in phrases)
        ]
        if phrases and len(stating) < _SECTION_CHUNKS:
            # A common word's phrase ("package is") can sit in a chunk that search for the
            # word ranks low: it is looked for deeper among the word's matches.
            stating += self.retriever.holding(phrases, _SECTION_CHUNKS)
        # A glossary's term on a line of its own over its definition ("project" over "    A
        # library, framework, ..."): the chunk defining it joins too, looked for among the
        # topic's matches as deep as a phrase of common words is.
        glossary = [
            chunk
            for chunk in self.retriever.holding(
                [tuple(w.lower() for w in words(topic))], self.retriever.passage_candidates
            )
            if defines_term(chunk.text, topic)
        ]
        stating = glossary[:1] + stating
        unique = list({chunk.id: chunk for chunk in stating}.values())
        evidence = _joined(evidence, unique[:_SECTION_CHUNKS])
        docs = self._documents_for([*evidence, *found])
        have_docs = {d.id for d in docs}
        for doc_id in section.titled(topic, self.documents.titles()):
            doc = self._document(doc_id) if doc_id not in have_docs else None
            if doc is not None:
                docs.append(doc)
        return _joined(evidence, self._openings((d, s) for _, d, s in section.named(topic, docs)))

    def _openings(
        self, named: Iterable[tuple[str, Section]], *, limit: int | None = None
    ) -> list[Chunk]:
        """The first ``limit`` (``_SECTION_CHUNKS``) chunks of each named section, in order."""
        most = _SECTION_CHUNKS if limit is None else limit
        return [
            chunk
            for doc_id, where in named
            for chunk in self.sources.chunks_over(doc_id, where.start, where.end, limit=most)
        ]

    def _with_listed_items(
        self, evidence: list[Evidence], decision: Decision, docs: Sequence[Document]
    ) -> list[Evidence]:
        """The evidence plus the chunks holding the list (or table) its best candidate introduces,
        or the rows of the table whose header row it is.

        A list often runs past the chunk of its introduction; its items are quoted from the
        stored text of the chunks that hold them, so those chunks join the evidence (after the
        retrieved ones, which keep their numbers).
        """
        if not decision.ranked:
            return evidence
        best = decision.ranked[0].sentence
        doc = next((d for d in docs if d.id == best.document), None)
        led = led_by(doc, best.start, introduces=best.introduces) if doc is not None else None
        if led is None:
            return evidence
        parts = led.parts
        chunks = self.sources.chunks_over(best.document, parts[0].start, parts[-1].end)
        return _joined(evidence, chunks)

    def _documents_for(self, evidence: Sequence[Evidence]) -> list[Document]:
        docs = []
        for doc_id in dict.fromkeys(ev.chunk.document for ev in evidence):
            doc = self._document(doc_id)
            if doc is not None:
                docs.append(doc)
        return docs

    def _document(self, doc_id: str) -> Document | None:
        """The document as this answer's snapshot has it (read once per answer)."""
        snapshot = _SNAPSHOT.get()
        if snapshot is None:
            return self.documents.get(doc_id)
        if doc_id not in snapshot:
            snapshot[doc_id] = self.documents.get(doc_id)
        return snapshot[doc_id]

    def _text(self, doc_id: str) -> str:
        doc = self._document(doc_id)
        return doc.text if doc is not None else ""

    def _refusal_from(self, decision: Decision, timings: dict[str, float]) -> Answer:
        reason = decision.refuse or "not_in_documents"
        if reason != "source_truncated":
            text = decision.why if reason == "invalid_request" else REFUSAL_TEXT[reason]
            answer = _refusal(reason, text, timings=timings)
            answer.decided_by = decision.rule
            answer.decision_score = decision.score
            return answer
        citations: list[Citation] = []
        for s in decision.cite:
            text = self._text(s.document)
            quote = text[s.start : s.end].strip()
            start = s.start + text[s.start : s.end].find(quote)
            citations.append(
                Citation(
                    id=len(citations) + 1,
                    document=s.document,
                    chunk_id=s.chunk_id or self._chunk_at(s.document, start),
                    start=start,
                    end=start + len(quote),
                    quote=quote,
                    section=s.section or self._section_at(s.document, start),
                )
            )
        markers = " ".join(f"[{c.id}]" for c in citations)
        return Answer(
            answer=f"{TRUNCATED_TEXT} {markers}".strip(),
            refused=True,
            refusal_reason="source_truncated",
            citations=citations,
            gaps=[_gap_info(g) for g in decision.gaps],
            backend=self.backend.name,
            decided_by=decision.rule,
            decision_score=decision.score,
        )

    def _gap_announced(self, doc_id: str, start: int, end: int) -> Gap | None:
        """The gap whose announcing sentence is exactly this span, if any."""
        doc = self._document(doc_id)
        if doc is None:
            return None
        return next((g for g in doc.gaps if g.start <= start and end <= g.end + 1), None)

    def _chunk_at(self, doc_id: str, offset: int) -> str:
        return self.sources.chunk_id_at(doc_id, offset) or ""

    def _section_at(self, doc_id: str, offset: int) -> str | None:
        doc = self._document(doc_id)
        if doc is None:
            return None
        title = None
        for section in doc.sections:
            if section.heading_start <= offset:
                title = section.title
        return title

    def _verify(
        self,
        draft: Draft,
        evidence: Sequence[Evidence],
        decision: Decision,
        timings: dict[str, float],
    ) -> Answer:
        gaps = list(decision.gaps)
        citations: list[Citation] = []
        parts: list[str] = []
        for claim in draft.claims:
            located = self._locate(claim, evidence)
            if located is None:
                continue
            doc_id, start, end = located
            announced = self._gap_announced(doc_id, start, end)
            if announced is not None:
                # "These included:" states nothing; quoting it as an answer would mislead.
                if announced not in gaps:
                    gaps.append(announced)
                continue
            quote = self._text(doc_id)[start:end]
            if not claim.structural and not claim_supported(claim, quote):
                continue
            if quotes_planted_instruction(self._text(doc_id), start, end) and not _quoted_whole(
                claim, self._text(doc_id), start, end
            ):
                # An instruction planted in a document is not a fact: quote it whole or not at all.
                continue
            existing = next(
                (c for c in citations if (c.document, c.start, c.end) == (doc_id, start, end)), None
            )
            if existing is None:
                existing = Citation(
                    id=len(citations) + 1,
                    document=doc_id,
                    chunk_id=self._chunk_at(doc_id, start),
                    start=start,
                    end=end,
                    quote=quote,
                    section=self._section_at(doc_id, start),
                )
                citations.append(existing)
            parts.append(f"{self._prose(claim.text, doc_id, start)} [{existing.id}]")
        if not citations:
            return self._refusal_from(
                self.decider.nothing_verified(replace(decision, gaps=tuple(gaps))), timings
            )
        return Answer(
            answer=" ".join(parts),
            citations=citations,
            gaps=[_gap_info(g) for g in gaps],
            backend=draft.backend + ("+fallback" if draft.note == "fallback" else ""),
            decided_by=decision.rule,
            decision_score=decision.score,
        )

    def _prose(self, claim_text: str, doc_id: str, start: int) -> str:
        """The claim as the answer's prose: on one line, as a sentence reads (a wrapped
        paragraph's line ends, a directive body's indentation and a quoted paragraph's quote
        marks are layout, not words); a claim quoting code keeps its lines, without the
        reStructuredText directive above them (".. code-block:: bash" and its options are
        markup, as a heading's underline is).  The citation keeps the exact text either way."""
        if "\n" not in claim_text.strip():
            return claim_text.strip()
        doc = self._document(doc_id)
        blocks = [*doc.blocks, *doc.item_parts] if doc is not None else []
        if any(b.kind in CODE_KINDS and b.start <= start < b.end for b in blocks):
            quoted = claim_text.lstrip("\n")
            code = _CODE_DIRECTIVE.sub("", quoted, count=1)
            return textwrap.dedent(code).strip() if code != quoted else claim_text.strip()
        return " ".join(_LINE_QUOTE_MARKS.sub("", claim_text).split())

    def _locate(self, claim: Claim, evidence: Sequence[Evidence]) -> tuple[str, int, int] | None:
        order: list[Evidence] = []
        if claim.evidence is not None and 1 <= claim.evidence <= len(evidence):
            order.append(evidence[claim.evidence - 1])
        order.extend(ev for ev in evidence if ev not in order)
        for ev in order:
            text = self._text(ev.chunk.document)
            found = locate_quote(text, claim.quote, (ev.chunk.start, ev.chunk.end))
            if found is not None and _within_evidence(found, ev.chunk.document, evidence, text):
                return ev.chunk.document, found[0], found[1]
        return None


# The chunks of a named section that join the evidence (see ``_with_asked_sections``).
_SECTION_CHUNKS = 2
# The sections of at most this many objects a question names join the evidence, with at most
# this many chunks each (a described function's section is a few chunks; its parameters and
# what it returns are all in them).
_OBJECTS = 3
_OBJECT_CHUNKS = 6
# A reStructuredText code directive's own line and its option lines, above the code it holds.
_CODE_DIRECTIVE = re.compile(
    rf"\A[ \t]*\.\.[ \t]+(?:{'|'.join(RST_CODE_DIRECTIVES)})::[^\n]*\n(?:[ \t]+:[\w-]+:[^\n]*\n)*"
)
# The quote marks opening a line of a quoted paragraph ("... params\n> won't always ...").
_LINE_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)


def _joined(evidence: list[Evidence], chunks: Sequence[Chunk]) -> list[Evidence]:
    """``evidence`` then those of ``chunks`` it lacks, joined after the retrieved ones (which keep
    their numbers)."""
    have = {ev.chunk.id for ev in evidence}
    extra: list[Evidence] = []
    for chunk in chunks:
        if chunk.id not in have:
            have.add(chunk.id)
            extra.append(Evidence(chunk=chunk, score=0.0, joined=True))
    return [*evidence, *extra]


def _last_user_turn(history: Sequence[Turn]) -> str:
    return next((t.content for t in reversed(history) if t.role == "user"), "")


def _quoted_whole(claim: Claim, text: str, start: int, end: int) -> bool:
    """The claim is the quote itself and the quote is the whole sentence around it."""
    whole = sentence_bounds(text, start, end) == (start, end)
    return whole and claim.text.strip() == text[start:end].strip()


def _within_evidence(
    span: tuple[int, int], doc_id: str, evidence: Sequence[Evidence], text: str
) -> bool:
    """Quotes must come from the evidence shown to the backend, not elsewhere in the file.

    A quote may run across adjacent evidence chunks (a list spanning two chunks; the whitespace
    between two chunks belongs to neither), never across text that no evidence chunk holds.
    """
    reached = span[0]
    for start, end in sorted(
        (ev.chunk.start, ev.chunk.end) for ev in evidence if ev.chunk.document == doc_id
    ):
        if start > reached and text[reached:start].strip():
            break
        reached = max(reached, end)
        if reached >= span[1]:
            return True
    return False


def _coerce(input: ChainInput | dict[str, Any] | str) -> ChainInput:
    if isinstance(input, ChainInput):
        return input
    if isinstance(input, str):
        return ChainInput(question=input)
    return ChainInput.model_validate(input)


def _refusal(reason: Any, text: str, *, timings: dict[str, float]) -> Answer:
    return Answer(answer=text, refused=True, refusal_reason=reason, timings_ms=timings)


def _gap_info(gap: Any) -> GapInfo:
    return GapInfo(document=gap.document, offset=gap.offset, announcement=gap.announcement)


def _deltas(text: str) -> Iterator[str]:
    """Split the answer into word-sized pieces for streaming."""
    start = 0
    for i, ch in enumerate(text):
        if ch == " " and i - start >= 12:
            yield text[start : i + 1]
            start = i + 1
    if start < len(text):
        yield text[start:]


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0
