"""The extractive backend: the answer is the evidence candidates that best answer the question.

Needs no model server.  The decision (:mod:`qa.policy`) ranks every candidate of the evidence by
the learned model's probability that it answers; this backend takes the best one and up to two
more that come close and add something (a question word the first lacks, or the next sentence of
the same passage).  A candidate that introduces a list brings the list's items; one that opens
with "It"/"This" brings the sentence it refers to.  The backend never refuses: with nothing to
say it returns an empty draft and the decision gives the refusal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.blocks import ASKS, SENTENCE_ENDED
from qa.backends import Hints
from qa.lists import (
    ListItem,
    item_end,
    led_by,
    list_claims,
    list_intro_of,
    list_items_after,
    section_list,
    term_over,
)
from qa.signals import ScoredSentence, Sentence
from qa.text import content_terms, intent, names_term, term_names_split
from qa.types import Claim, Document, Draft, Evidence
from vectorstore.language import BULLET

_MARKER = re.compile(rf"^\s*(?:{BULLET}\s+|>\s+|\d{{1,3}}[.)]\s+|#{{1,6}}\s+)")
MAX_LIST_ITEMS = 5


class ExtractiveBackend:
    """Answers with verbatim evidence candidates."""

    name = "extractive"

    def __init__(self, *, max_sentences: int = 3, closeness: float = 0.15) -> None:
        """``closeness``: how far below the best candidate's probability a runner-up may be."""
        if max_sentences < 1:
            raise ValueError("max_sentences must be >= 1")
        if not 0.0 <= closeness <= 1.0:
            raise ValueError("closeness must be in [0, 1]")
        self.max_sentences = max_sentences
        self.closeness = closeness

    def answer(
        self, question: str, evidence: Sequence[Evidence], hints: Hints | None = None
    ) -> Draft:
        """Pick the best candidates and return them as claims quoting themselves."""
        ranked = list(hints.scored) if hints and hints.scored else []
        if not ranked:
            return Draft(claims=[], backend=self.name)
        chosen = self.passage(ranked) if hints and hints.passage else self.select(question, ranked)
        documents = {d.id: d for d in hints.documents} if hints else {}
        listed = _list_answer(question, ranked[0].sentence, documents)
        if not listed and hints and hints.passage and not ranked[0].sentence.describes_term:
            # A term's description is no section's opening (its list is of other terms).
            listed = _section_list_answer(question, ranked[0].sentence, documents)
        if listed:
            return Draft(claims=listed, backend=self.name)
        claims: list[Claim] = []
        taken: set[tuple[str, int]] = set()
        roles = {(r.sentence.document, r.sentence.start): r.sentence.role for r in ranked}
        for s in chosen:
            sentence = s.sentence
            header = (sentence.document, sentence.context_start)
            if (
                sentence.role == "table_row"
                and roles.get(header) == "table_row"
                and header not in taken
            ):
                # A row reads under its header: "| Sea wall | April 2024 | May 2025 |" needs
                # "| Phase | Start | End |" to say which date is the end.
                claims.append(
                    Claim(text=sentence.context, quote=sentence.context, evidence=sentence.rank + 1)
                )
                taken.add(header)
            if sentence.refers_back and sentence.context and sentence.role in _PROSE:
                key = (sentence.document, sentence.context_start)
                before = _strip_marker(sentence.context)
                if key not in taken and before and not before.endswith(":"):
                    # "It is commonly used after ..." needs the sentence that says what "it" is.
                    claims.append(Claim(text=before, quote=before, evidence=sentence.rank + 1))
                    taken.add(key)
            term = _unnamed_term(question, sentence, documents)
            if term is not None and (sentence.document, term.start) not in taken:
                # A description names its term no more ("<dt>postgres</dt><dd>Postgresql
                # databases are owned by this user and group.</dd>"): a question that does not
                # name the term asks for it, and the term says it.
                claims.append(Claim(text=term.text, quote=term.text, evidence=sentence.rank + 1))
                taken.add((sentence.document, term.start))
            if (sentence.document, sentence.start) in taken:
                continue
            # A term's description reads under its term, not under its list's introduction.
            intro = None if sentence.describes_term else _fragment_intro(sentence, documents)
            if intro is not None and (sentence.document, intro.start) not in taken:
                # An item that is no sentence ("Lossless JPEG") says nothing without the
                # sentence that introduces its list ("Unsupported ISO options include:").
                taken.add((sentence.document, intro.start))
                text = _strip_marker(intro.text)
                claims.append(Claim(text=text, quote=text, evidence=sentence.rank + 1))
            taken.add((sentence.document, sentence.start))
            quote = _strip_marker(sentence.text)
            claims.append(Claim(text=quote, quote=quote, evidence=sentence.rank + 1))
            if sentence.introduces:
                for item in _list_after(sentence, ranked, documents):
                    if (item.document, item.start) not in taken:
                        taken.add((item.document, item.start))
                        text = _strip_marker(item.text)
                        claims.append(Claim(text=text, quote=text, evidence=item.rank + 1))
        return Draft(claims=claims, backend=self.name)

    def passage(self, ranked: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """The passage ``ranked`` opens with: its first candidates as they run in the text, up to
        ``max_sentences``, ending before a code block or a candidate that does not come later in
        the same document."""
        chosen = [ranked[0]]
        for cand in ranked[1 : self.max_sentences]:
            last = chosen[-1].sentence
            if cand.sentence.role == "code" or not (
                cand.sentence.document == last.document and cand.sentence.start >= last.end
            ):
                break
            chosen.append(cand)
        return chosen

    def select(self, question: str, ranked: Sequence[ScoredSentence]) -> list[ScoredSentence]:
        """The best candidate plus close runners-up that add to it."""
        top = ranked[0]
        chosen = [top]
        qterms = set(content_terms(question))
        covered = qterms & top.terms
        close = [c for c in ranked[1:8] if c.score >= top.score - self.closeness]
        # A close runner-up right after a chosen one goes on with the same passage.  Under a
        # heading that asks a question (a FAQ's), the section is its reply, and one right before
        # leads up to the best: "No." / "PKWare has kept that format proprietary." before "In
        # any case, ... not worth the effort."  Passes until the passage grows no more.
        reply = ASKS.search(top.sentence.section or "") is not None
        grew = True
        while grew and len(chosen) < self.max_sentences:
            grew = False
            for cand in close:
                if len(chosen) >= self.max_sentences:
                    break
                if cand in chosen:
                    continue
                new_terms = (qterms & cand.terms) - covered
                # An introduction of a code block goes on with its example, not with the
                # passage before it: next to the best for no word of the question ("Reading
                # the gauge::" after the reply), it brought the example along.
                adjacent = not _introduces_code(cand.sentence, ranked) and any(
                    _follows(cand.sentence, c.sentence)
                    or (reply and _follows(c.sentence, cand.sentence))
                    for c in chosen
                )
                if new_terms or adjacent:
                    chosen.append(cand)
                    covered |= new_terms
                    grew = True
        # The sentence right after the best that refers back to it ("Under that agreement, ...")
        # goes on about what the best one names; after a best one that asks a question ("But how
        # do you limit the size?"), the next sentence is the text's answer to it.  Asked why,
        # the best states what the question asks about ("the tty group must have the GID 5")
        # and the one referring back to it gives the reason ("That's because it must be ..."),
        # in words the question does not use: however low it ranks.
        asks = top.sentence.role == "sentence" and ASKS.search(top.sentence.text) is not None
        why = intent(question).wh == "why"
        following = next(
            (
                c
                for i, c in enumerate(ranked[1:], start=1)
                if _follows(c.sentence, top.sentence)
                and (
                    ((i < 4 or why) and c.sentence.refers_back)
                    or (asks and c.sentence.role in _PROSE)
                )
            ),
            None,
        )
        if following is not None and following not in chosen and len(chosen) < self.max_sentences:
            chosen.append(following)
        # The best stays first (a list introduction brings its list), after the reply's
        # sentences that lead up to it; the rest in text order.
        before: list[ScoredSentence] = []
        if reply and not top.sentence.introduces:
            first = top
            while lead := next(
                (c for c in chosen[1:] if _follows(first.sentence, c.sentence)), None
            ):
                before.insert(0, lead)
                first = lead
        rest = sorted(
            (c for c in chosen[1:] if c not in before),
            key=lambda s: (s.sentence.rank, s.sentence.document, s.sentence.start),
        )
        return [*before, top, *rest]


_PROSE = ("sentence", "list_intro")


def _introduces_code(sentence: Sentence, ranked: Sequence[ScoredSentence]) -> bool:
    """``sentence`` introduces what follows it, and the candidate right after it is code."""
    if not sentence.introduces:
        return False
    after = [
        r.sentence
        for r in ranked
        if r.sentence.document == sentence.document and r.sentence.start >= sentence.end
    ]
    return bool(after) and min(after, key=lambda s: s.start).role == "code"


def _follows(sentence: Sentence, before: Sentence) -> bool:
    """``sentence`` comes right after ``before`` in the same document (at most two characters of
    space between them)."""
    return sentence.document == before.document and 0 <= sentence.start - before.end <= 2


def _unnamed_term(
    question: str, sentence: Sentence, documents: dict[str, Document]
) -> ListItem | None:
    """The term ``sentence`` describes when ``question`` does not name it: the definition
    list's term right before its description (see :attr:`Sentence.term_names`), or the
    described object's term whose section it lies in (see :func:`qa.lists.term_over`)."""
    if sentence.describes_term_unnamed_by(question):
        term = sentence.context.strip()
        start = sentence.context_start + sentence.context.find(term)
        return ListItem(start, start + len(term), term)
    document = documents.get(sentence.document)
    over = term_over(document, sentence.start) if document is not None else None
    if over is None or over.start == sentence.start:
        return None
    return None if names_term(question, term_names_split(over.text)) else over


def _fragment_intro(sentence: Sentence, documents: dict[str, Document]) -> ListItem | None:
    """The introduction of the list a list item answering in no sentence belongs to."""
    if sentence.role != "list_item" or SENTENCE_ENDED.search(sentence.text):
        return None
    document = documents.get(sentence.document)
    return list_intro_of(document, sentence.start) if document is not None else None


def _list_answer(
    question: str, best: Sentence | None, documents: dict[str, Document]
) -> list[Claim]:
    """When the best candidate leads a list, a table or an example under tabs, that answers,
    under the candidate when it introduces it (see :func:`qa.lists.led_by`)."""
    if best is None or best.document not in documents:
        return []
    document = documents[best.document]
    led = led_by(document, best.start, introduces=best.introduces)
    if led is None:
        return []
    evidence = best.rank + 1
    intro = _strip_marker(best.text) if best.introduces else ""
    lead = [Claim(intro, intro, evidence)] if intro else []
    if led.shown is not None:
        return [*lead, Claim(led.shown.text, led.shown.text, evidence)]
    if led.rows:
        # A table's rows are its items, each read under the header (its first row).
        header = Claim(led.rows[0].text, led.rows[0].text, evidence)
        cells = list_claims(question, document, led.rows[1:], evidence=evidence, intro=intro)
        return [*lead, header, *cells]
    return lead + list_claims(question, document, led.items, evidence=evidence, intro=intro)


def _section_list_answer(
    question: str, first: Sentence, documents: dict[str, Document]
) -> list[Claim]:
    """A section asked about that opens with a list ("## Features" over its items) says its
    list: the items are the passage, however many (see :func:`qa.lists.section_list`)."""
    document = documents.get(first.document)
    if document is None:
        return []
    items = section_list(document, first.start)
    return list_claims(question, document, items, evidence=first.rank + 1) if len(items) > 1 else []


def _list_after(
    intro: Sentence, ranked: Sequence[ScoredSentence], documents: dict[str, Document]
) -> list[Sentence]:
    """What an introducing candidate introduces, in the same chunk: the list items that follow
    it, or else the one candidate right after it ("Official website:" / its URL; "Install it
    with:" / the command), when nothing but blank space stands between them; when that one is
    a label over code (a line that does not end as a sentence: "Filename: src/main.rs" above
    the example), the code under it too."""
    following = sorted(
        (
            s.sentence
            for s in ranked
            if s.sentence.chunk_id == intro.chunk_id and s.sentence.start >= intro.end
        ),
        key=lambda s: s.start,
    )
    items: list[Sentence] = []
    for sentence in following:
        if sentence.role != "list_item" or len(items) >= MAX_LIST_ITEMS:
            break
        items.append(sentence)
    document = documents.get(intro.document)
    if items and intro.role == "list_item":
        # A list item introduces the items nested under it and its own paragraphs after it
        # ("Known to require `te`:" over "HP-UX, OSF/1"), never its siblings.
        nested = list_items_after(document, intro.start) if document is not None else []
        end = item_end(document, intro.start) if document is not None else None
        return [
            s
            for s in items
            if any(i.start <= s.start < i.end for i in nested)
            or (end is not None and s.start < end)
        ]
    if items or not following or document is None:
        return items
    after = following[0]
    between = document.text[intro.end : after.start]
    if between.strip() or after.introduces:
        return []
    below = following[1] if len(following) > 1 else None
    if (
        below is not None
        and below.role == "code"
        and "\n" not in after.text.strip()
        and not SENTENCE_ENDED.search(after.text)
        and not document.text[after.end : below.start].strip()
    ):
        return [after, below]
    return [after]


def _strip_marker(text: str) -> str:
    match = _MARKER.match(text)
    return (text[match.end() :] if match else text).strip()
