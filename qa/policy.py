"""The refusal policy: decide, before and after any backend, whether the documents can answer.

Backend-independent and corpus-independent.  Reasons (see DESIGN.md):

* ``invalid_request`` – empty or over-long question (checked by the chain).
* ``out_of_scope`` – not a question about the documents (a greeting, a request to write code).
* ``source_truncated`` – the question asks for what a recorded gap would hold: the document
  announces a list and the list is missing.  The refusal cites the announcing sentence.
* ``not_in_documents`` – the evidence does not cover the question: its specific names or numbers
  appear nowhere in the corpus, most of its weight is on terms the corpus never uses, or no
  sentence is close enough to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.scoring import CorpusStats, ScoredSentence, Sentence, SentenceScorer, term_in
from qa.text import Intent, content_terms, entities, intent, term_set
from qa.types import Document, Gap, RefusalReason

_INSTRUCTION = re.compile(
    r"(?:^|(?<=[.,;:!?])|\b(?:and|but|then|please)\b)\s*[^.;!?]*?\b(ignore|disregard|forget|"
    r"don'?t (?:use|rely on|look at)|do not (?:use|rely on|look at)|without (?:using|looking at)|"
    r"regardless of|never mind|pretend|imagine|assume|(?:just |best |educated |a )?guess|"
    r"make (?:it|something) up|speculate|"
    r"use (?:your|general|common|outside|world|prior|background) knowledge|use what you know|"
    r"(?:from|with|using|based on) (?:your |own |general |common |outside |world |prior |"
    r"background )*(?:knowledge|memory|training|what you know|the news|news reports))"
    r"(?:(?!\band\b|\bthen\b)[^.,;:!?])*[.,;:!?]?",
    re.IGNORECASE,
)
_OUT_OF_SCOPE = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|good (morning|evening|afternoon)|"
    r"(please )?(write|compose|draft|translate|generate|create|code|summarise the weather|"
    r"tell me a joke|sing|play)\b)",
    re.IGNORECASE,
)
# Questions about how the text judges something, not about what it contains.
_CHARACTERISE = re.compile(
    r"\b(how (is|are|was|were|does|did|do)\b.*\b(describ|characteri[sz]|portray|depict|call|"
    r"label|view|seen|regard|frame|sum)\w*|"
    r"(does|did|do) (the|this) (article|text|author|report|document|page)\b.*\b(call|describ|"
    r"characteri[sz]|portray|label|consider|say)\w*\b.*\b(harsh|severe|serious|strict|tough|"
    r"extreme|fair|reasonable|generous|mild|lenient|draconian|unfair|modest)|"
    r"what (words?|adjectives?|terms?|language) (is|are|was|were|does|did)\b|"
    r"how (harsh|severe|serious|strict|tough|extreme|fair|reasonable|generous|mild)|"
    r"(were|are|was|is) (they|these|those|it) (harsh|severe|serious|strict|tough|extreme|fair|"
    r"reasonable|generous|mild)|nature of|tone of)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"today|yesterday|century|decade|year|month|week|day|spring|summer|autumn|winter)\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|percent|per cent|"
    r"hundred|thousand|million|billion|dozen|several|few|many|single|half)\b",
    re.IGNORECASE,
)


def strip_instructions(question: str) -> str:
    """Remove clauses that try to steer the answer away from the documents.

    Returns an empty string when the question was nothing but such an instruction.
    """
    cleaned = _INSTRUCTION.sub(" ", question)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" ,;:-")
    return re.sub(r"^(?:and|then|but|so)\s+", "", cleaned, flags=re.IGNORECASE)


@dataclass(frozen=True)
class PolicyConfig:
    """Thresholds of the policy (cosine similarities and IDF-weighted shares, 0..1)."""

    min_semantic: float = 0.30
    confident_semantic: float = 0.55
    min_score: float = 0.36
    unknown_share: float = 0.75
    unknown_relation_share: float = 0.65
    unknown_relation_share_large: float = 0.3
    large_corpus_chunks: int = 500
    certain_semantic: float = 0.8
    type_margin: float = 0.3
    yes_no_coverage: float = 0.5
    strong_coverage: float = 0.5
    gap_semantic: float = 0.42
    gap_margin: float = 0.06


@dataclass
class Decision:
    """The policy's verdict on one question."""

    refuse: RefusalReason | None = None
    gaps: list[Gap] = field(default_factory=list)
    cite: list[Sentence] = field(default_factory=list)
    scored: list[ScoredSentence] = field(default_factory=list)
    typed: int = 0  # the first ``typed`` sentences of ``scored`` hold the kind of answer asked for
    why: str = ""


@dataclass(frozen=True)
class _GapView:
    gap: Gap
    paragraph: str
    para_start: int
    list_terms: frozenset[str]
    announcement_terms: frozenset[str]
    paragraph_terms: frozenset[str]


class RefusalPolicy:
    """Decides answer vs. typed refusal from the question, the evidence and the recorded gaps."""

    def __init__(
        self, scorer: SentenceScorer, stats: CorpusStats, config: PolicyConfig | None = None
    ) -> None:
        self.scorer = scorer
        self.stats = stats
        self.config = config or PolicyConfig()

    def decide(
        self,
        question: str,
        sentences: Sequence[Sentence],
        documents: Sequence[Document],
        *,
        original: str | None = None,
    ) -> Decision:
        """Answer or refuse ``question`` given evidence ``sentences`` from ``documents``.

        ``question`` is the standalone form used for matching; ``original`` (the user's own
        words, when different) decides the question's intent.
        """
        cfg = self.config
        asked = original or question
        if _OUT_OF_SCOPE.search(asked):
            return Decision(refuse="out_of_scope", why="not a question about the documents")
        self.stats.refresh()
        wants = intent(asked)
        qterms = list(dict.fromkeys(content_terms(question)))
        scored = self.scorer.score(question, sentences, own_words=asked)
        gap_views = [_view(doc, g) for doc in documents for g in doc.gaps]
        gap_hit = self._gap_match(question, qterms, wants, scored, gap_views)

        missing_entities = sorted(
            e for e in entities(asked) if not self.stats.known(e) and e not in self.stats.entities
        )
        weights = {t: self.stats.idf(t) for t in qterms}
        total = sum(weights.values()) or 1.0
        unknown = sum(w for t, w in weights.items() if not self.stats.known(t)) / total
        # The same share over the words that say what is asked (not the names it is asked about):
        # "Who founded Lumen?" is about founding; Lumen only says where to look.
        named = {e.lower() for e in entities(asked)}
        judging = bool(_CHARACTERISE.search(asked))
        # How the text judges something is asked in words it need not use ("harsh?").
        relation = {} if judging else {t: w for t, w in weights.items() if t not in named}
        unknown_relation = (
            sum(w for t, w in relation.items() if not self.stats.known(t))
            / (sum(relation.values()) or 1.0)
            if relation
            else 0.0
        )
        best = scored[0] if scored else None

        if gap_hit is not None:
            view, strength = gap_hit
            asks_content = _asks_for_list(
                asked, view, wants, bool(missing_entities) or unknown > 0.15
            )
            if asks_content and not _CHARACTERISE.search(asked):
                return Decision(
                    refuse="source_truncated",
                    gaps=[view.gap],
                    cite=_gap_citations(view, scored),
                    scored=scored,
                    why=f"question matches a truncated list (strength {strength:.2f})",
                )
        if missing_entities:
            return self._not_in_documents(scored, f"unknown names or numbers: {missing_entities}")
        head = _attribute_asked(asked)
        if (
            head is not None
            and not self.stats.known(head)
            and (best is None or best.semantic < cfg.confident_semantic)
        ):
            # "Who is the president of ..." when no document ever says "president".
            return self._not_in_documents(scored, f"the question is about {head!r}, never named")
        if best is None:
            return self._not_in_documents(scored, "no evidence")
        if unknown >= cfg.unknown_share and best.semantic < cfg.confident_semantic:
            return self._not_in_documents(scored, f"{unknown:.0%} of the question is unknown")
        if (
            relation
            and best.semantic < cfg.confident_semantic
            and not any(
                term_in(t, s.terms | term_set(s.sentence.context))
                for t in relation
                for s in scored[:3]
                if s.semantic >= cfg.min_semantic
            )
        ):
            # None of the words saying what is asked appears near the best evidence.
            return self._not_in_documents(scored, "what is asked is not in the best evidence")
        # A word a large corpus never uses is a stronger sign than one a short article lacks.
        large = self.stats.n >= cfg.large_corpus_chunks
        relation_share = cfg.unknown_relation_share_large if large else cfg.unknown_relation_share
        enough = cfg.certain_semantic if large else cfg.confident_semantic
        if unknown_relation >= relation_share and best.semantic < enough:
            return self._not_in_documents(
                scored, f"{unknown_relation:.0%} of what is asked is never mentioned"
            )
        closest = max(s.semantic for s in scored[:3])
        if best.score < cfg.min_score or (
            closest < cfg.min_semantic and best.coverage < cfg.strong_coverage
        ):
            return self._not_in_documents(
                scored, f"best sentence too weak ({closest:.2f}/{best.score:.2f})"
            )
        if wants.yes_no and not _states(asked, scored[:3], cfg.yes_no_coverage):
            # "Did the plan require X?" is not confirmed unless some sentence says X.
            return self._not_in_documents(scored, "no sentence states what the question asks")
        typed = [s for s in scored[:6] if has_answer_type(wants, asked, s.sentence.text)]
        if not typed:
            return self._not_in_documents(scored, "no sentence has the kind of answer asked for")
        if typed[0] is not best and typed[0].score >= best.score - cfg.type_margin:
            # Only sentences holding the kind of answer asked for can answer it.
            scored = typed + [s for s in scored if s not in typed]
            gaps = [gap_hit[0].gap] if gap_hit is not None else []
            return Decision(gaps=gaps, scored=scored, typed=len(typed), why="answerable (typed)")
        gaps = [gap_hit[0].gap] if gap_hit is not None else []
        return Decision(gaps=gaps, scored=scored, why="answerable")

    def _not_in_documents(self, scored: list[ScoredSentence], why: str) -> Decision:
        return Decision(refuse="not_in_documents", scored=scored, why=why)

    def _gap_match(
        self,
        question: str,
        qterms: list[str],
        wants: Intent,
        scored: list[ScoredSentence],
        views: list[_GapView],
    ) -> tuple[_GapView, float] | None:
        if not views:
            return None
        cfg = self.config
        qvec = self.scorer.question_vector(question)
        paras = self.scorer.vectors([v.paragraph for v in views])
        sims = paras @ qvec
        best_other = max(
            (s.semantic for s in scored if not any(_inside(s.sentence, v) for v in views)),
            default=0.0,
        )
        choice: tuple[_GapView, float] | None = None
        top = [
            s
            for s in scored[:2]
            if s.score >= scored[0].score - cfg.gap_margin and s.semantic >= cfg.min_semantic
        ]
        for view, sim in zip(views, sims, strict=True):
            if any(_inside(s.sentence, view) for s in top):
                # The best evidence for the question is the paragraph that announces the gap.
                strength = float(sim) + 1.0
                if choice is None or strength > choice[1]:
                    choice = (view, strength)
                continue
            para_terms = set(content_terms(view.paragraph))
            overlap = sum(self.stats.idf(t) for t in qterms if t in para_terms) / (
                sum(self.stats.idf(t) for t in qterms) or 1.0
            )
            strength = float(sim) + 0.25 * overlap
            if view.list_terms and len(set(qterms) & view.list_terms) >= max(
                2, round(len(view.list_terms) * 2 / 3)
            ):
                # The question (or the conversation it continues) names the list's subject.
                strength += 1.0
                if choice is None or strength > choice[1]:
                    choice = (view, strength)
                continue
            related = (
                float(sim) >= cfg.gap_semantic
                or (overlap >= 0.5 and float(sim) >= cfg.gap_semantic - 0.12)
            ) and float(sim) + cfg.gap_margin >= best_other - 0.25 * overlap
            if related and (choice is None or strength > choice[1]):
                choice = (view, strength)
        return choice


def _view(doc: Document, gap: Gap) -> _GapView:
    text = doc.text
    para_start = text.rfind("\n\n", 0, gap.start)
    para_start = 0 if para_start < 0 else para_start + 2
    paragraph = text[para_start : gap.end]
    announcement = set(content_terms(gap.announcement, drop_meta=False))
    subject: set[str] = set()
    if _REFERS_BACK.search(gap.announcement):
        # "these included:" — the list is of whatever the previous sentence is about.
        before = text[para_start : gap.start].strip()
        previous = re.split(r"(?<=[.!?])\s+", before)[-1] if before else ""
        subject = set(content_terms(" ".join(previous.split()[:6])))
    named = set(content_terms(_LIST_NOUN.sub(r"\1", gap.announcement)))
    return _GapView(
        gap=gap,
        paragraph=paragraph,
        para_start=para_start,
        list_terms=frozenset((subject | named) - _GENERIC_LIST_WORDS),
        announcement_terms=frozenset(announcement | subject),
        paragraph_terms=frozenset(content_terms(paragraph)),
    )


_REFERS_BACK = re.compile(r"\b(these|those|they|them|this|it|such|which)\b", re.IGNORECASE)
_LIST_NOUN = re.compile(
    r".*\b(?:following|these|those|several|some|many|\d+|two|three|four|five|six|seven|eight|"
    r"nine|ten)\s+((?:[\w-]+\s+){0,2}[\w-]+)\s*(?:included|include|were|are|was|is|:).*",
    re.IGNORECASE | re.DOTALL,
)
_GENERIC_LIST_WORDS = frozenset(content_terms("included include following according reports"))


# Nouns that say "a part of something" rather than what is asked about.
_GENERIC_HEADS = frozenset(
    content_terms(
        "aspect aspects part parts kind type types way element elements factor factors feature "
        "features issue issues role effect effects reason reasons sort form forms thing things "
        "example examples exact exactly main key specific particular certain other else"
    )
)


def _wh_phrase(question: str) -> set[str]:
    """Terms of the noun group right after the wh-word ("What relief measures did ..." →
    {relief, measur}); empty when a verb follows the wh-word directly."""
    group = _noun_group(question, "what|which|whose", _AUXILIARY)
    return set() if group is None else set(content_terms(group)) - _GENERIC_HEADS


_AUXILIARY = r"did|do|does|is|are|was|were|has|have|had|will|would|can|could|should|must|might|may"


def _noun_group(question: str, wh: str, stop: str) -> str | None:
    """The words between the wh-word and the first ``stop`` word, or None without a wh-word."""
    match = re.search(rf"\b(?:{wh})\s+(.*)", question, re.IGNORECASE)
    if not match:
        return None
    return re.split(rf"\b(?:{stop})\b", match.group(1), maxsplit=1)[0]


_ATTRIBUTE = re.compile(
    r"\b(?:who|what|which)(?:'s|\s+(?:is|are|was|were|will be|would be))\s+"
    r"(?:the|a|an|[A-Za-z]+['’]s)\s+([A-Za-z][\w-]*)",
    re.IGNORECASE,
)


def _attribute_asked(question: str) -> str | None:
    """The attribute in "Who is the president of ...", "What is the capital of ..."."""
    match = _ATTRIBUTE.search(question)
    if not match:
        return None
    terms = [t for t in content_terms(match.group(1)) if t not in _GENERIC_HEADS]
    return terms[0] if terms else None


_MEMBERS = re.compile(
    r"\b(which|what|any|one|some|each|all|none|either|neither|both|first|last) of "
    r"(them|these|those|it|its|the (items?|list|points?|ones?))\b",
    re.IGNORECASE,
)


def _asks_for_list(question: str, view: _GapView, wants: Intent, unknown: bool) -> bool:
    """Does the question ask for what the missing list would hold?"""
    if wants.enumerate or wants.count or wants.ordinal:
        return True
    qterms = set(content_terms(question))
    if wants.yes_no:
        return unknown or bool(qterms & view.list_terms)
    if wants.wh in ("what", "which", "who", "whom"):
        if _MEMBERS.search(question):
            return True  # "which of them ...", "what was one of them"
        phrase = _wh_phrase(question)
        if phrase & view.list_terms or (phrase and phrase <= view.paragraph_terms):
            # "What measures ...", or "which core goals ..." that the paragraph only
            # alludes to: the specifics would be in the missing list.
            return True
        return not qterms or qterms <= (view.announcement_terms | view.list_terms)
    # A request that is not a question ("Return them as JSON", "Describe them") asks for them.
    return wants.wh is None


def _inside(sentence: Sentence, view: _GapView) -> bool:
    return (
        sentence.document == view.gap.document and view.para_start <= sentence.start < view.gap.end
    )


def _gap_citations(view: _GapView, scored: list[ScoredSentence]) -> list[Sentence]:
    """The announcing sentence, preceded by what its paragraph does say (when retrieved)."""
    gap = view.gap
    around = [
        s.sentence for s in scored if _inside(s.sentence, view) and s.sentence.start != gap.start
    ]
    announcing = Sentence.from_gap(gap)
    ordered = sorted(around, key=lambda s: s.start)[-1:]
    return [*ordered, announcing]


def _states(question: str, top: Sequence[ScoredSentence], share: float) -> bool:
    """Does one sentence contain most of the question's key words (its claim)?"""
    terms = set(content_terms(question))
    if not terms:
        return True
    for s in top:
        found = s.terms | (term_set(s.sentence.context) if s.sentence.refers_back else set())
        if sum(term_in(t, found) for t in terms) / len(terms) >= share:
            return True
    return False


def _names_someone_new(question: str, sentence: str) -> bool:
    """The sentence names something (a capitalised name, code) that the question does not."""
    asked = entities(question) | term_set(question)
    return any(not e[:1].isdigit() and e not in asked for e in entities(sentence))


def has_answer_type(wants: Intent, question: str, sentence: str) -> bool:
    """Could ``sentence`` answer a who/when/how-many question at all?

    A "who" answer must name someone the question does not already name; a "when" answer needs
    a date or time word; a "how many/much" answer needs a number the question does not give.
    """
    if wants.yes_no:
        return True
    if wants.count or _HOW_MUCH.search(question):
        given = {m.lower() for m in _NUMBER_WORD.findall(question)}
        return any(m.lower() not in given for m in _NUMBER_WORD.findall(sentence))
    if wants.wh == "when" or _WHICH_TIME.search(question):
        return bool(_DATE.search(sentence))
    head = _head_noun(question)
    if head in _NUMBER_NOUNS:
        given = {m.lower() for m in _NUMBER_WORD.findall(question)}
        return any(m.lower() not in given for m in _NUMBER_WORD.findall(sentence))
    if head in _NAME_NOUNS:
        return _names_someone_new(question, sentence)
    if wants.wh in ("who", "whom", "whose"):
        return _names_someone_new(question, sentence)
    return True


# "Which status code ...", "What port ..." want a number; "Which class ..." wants a name.
_NUMBER_NOUNS = frozenset(
    content_terms(
        "number port code version price cost amount size limit percentage percent count total "
        "age length duration rate fee salary budget population"
    )
)
_NAME_NOUNS = frozenset(
    content_terms(
        "class module library package command tool server framework decorator company person "
        "country city "
        "organisation organization outlet newspaper language database protocol service product "
        "author creator founder contractor engineer mayor president minister official"
    )
)


def _head_noun(question: str) -> str | None:
    """The noun a which/what question asks for ("Which status code ..." → code)."""
    group = _noun_group(
        question, "what|which", _AUXILIARY + r"|of|in|for|to|from|on|at|by|with|\w{3,}ed"
    )
    if group is None:
        return None
    terms = [t for t in content_terms(group) if t not in _GENERIC_HEADS]
    return terms[-1] if terms else None


_WHICH_TIME = re.compile(
    r"\b(which|what) (year|month|day|date|decade|century|time)\b", re.IGNORECASE
)
_HOW_MUCH = re.compile(r"\bhow (much|long|large|big|far|old|often|tall|high)\b", re.IGNORECASE)
