"""Grounding metrics: judge each case, then aggregate.  Pure functions, no I/O.

Matching of the dataset's strings (``answer_contains_*``, ``cited_contains_any``,
``must_not_contain``) is case-insensitive (``str.casefold``) with runs of whitespace collapsed.

Metric keys (the ``--json`` object):

- ``pass_rate``: share of cases passed (the headline figure for balanced public sets).
- ``failures_by_rule``: failing cases grouped by what decided them (``Answer.decided_by``: a
  rule's name or ``answerability``), so a slip points at one part of the decision.
- ``cases``, ``passed``, ``failures``  (ids of failing cases), ``errors`` (cases whose request
  raised instead of returning an Answer; they count as neither answered nor refused).
- ``answer_accuracy``: answerable cases answered and meeting ``answer_contains_any``/``_all``.
- ``refusal_recall``: refuse-cases refused.  ``refusal_precision``: refused cases that should be.
- ``over_refusal_rate``: answerable cases refused.  ``hallucination_rate``: refuse-cases answered.
- ``refusal_reason_accuracy``: among refused refuse-cases that name a reason, the reason matches.
- ``invented_content_violations``: cases whose answer text or quotes contain a ``must_not_contain``.
- ``citation_exactness``: citations whose quote equals the stored text at its offsets, over all
  citations of all cases (1.0 when there are none).
- ``citation_support``: answerable cases answered with a citation that meets
  ``cited_contains_any`` (or, without that field, with at least one citation).
- ``latency_ms_p50``, ``latency_ms_p95``: linear-interpolated percentiles of wall-clock latency.

A rate whose denominator is 0 is ``None`` (JSON ``null``), not 0.0: "no refuse-cases" is not
"recall 0"; a threshold on a ``None`` metric is reported as not applicable, never as failed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.dataset import EvalCase, Thresholds
from qa.types import Answer, Citation

__all__ = [
    "MAXIMA",
    "MINIMA",
    "CaseResult",
    "DatasetRun",
    "ThresholdCheck",
    "check_citation",
    "check_thresholds",
    "compute_metrics",
    "judge_case",
    "percentile",
]

MINIMA = (
    "pass_rate",
    "answer_accuracy",
    "refusal_recall",
    "refusal_precision",
    "refusal_reason_accuracy",
    "citation_support",
    "citation_exactness",
)
MAXIMA = (
    "over_refusal_rate",
    "hallucination_rate",
    "invented_content_violations",
    "latency_ms_p95",
)
# Always enforced, whatever the dataset says: nothing invented, every quote exact.
DEFAULT_GATES: dict[str, float] = {"invented_content_violations": 0, "citation_exactness": 1.0}


@dataclass
class CaseResult:
    """One case's outcome and the judgement of it."""

    case: EvalCase
    answer: Answer | None
    latency_ms: float
    exact: list[bool] = field(default_factory=list)
    error: str | None = None
    answered: bool = False
    refused: bool = False
    contains_ok: bool = False
    supported: bool = False
    reason_ok: bool | None = None
    violations: list[str] = field(default_factory=list)
    passed: bool = False
    why: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def got(self) -> str:
        """``answered``, ``refused: <reason>`` or ``error``, for tables."""
        if self.error is not None:
            return "error"
        if self.refused:
            reason = self.answer.refusal_reason if self.answer else None
            return f"refused: {reason}"
        return "answered"

    @property
    def expected(self) -> str:
        """``answer`` or ``refuse[: reason]``, for tables."""
        if self.case.expect == "refuse" and self.case.refusal_reason:
            return f"refuse: {self.case.refusal_reason}"
        return self.case.expect

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary of the case."""
        return {
            "id": self.case.id,
            "question": self.case.question,
            "expected": self.expected,
            "got": self.got,
            "passed": self.passed,
            "why": self.why,
            "notes": self.notes,
            "answer": self.answer.answer if self.answer else None,
            "quotes": [c.quote for c in self.answer.citations] if self.answer else [],
            "latency_ms": round(self.latency_ms, 1),
            "error": self.error,
        }


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold().strip()


def _contains(haystack: str, needle: str) -> bool:
    return _norm(needle) in _norm(haystack)


def check_citation(citation: Citation, source_text: str | None) -> bool:
    """True when the quote is exactly the stored text at the citation's offsets."""
    if source_text is None or not 0 <= citation.start <= citation.end <= len(source_text):
        return False
    return source_text[citation.start : citation.end] == citation.quote


def judge_case(
    case: EvalCase,
    answer: Answer | None,
    *,
    exact: Sequence[bool] = (),
    latency_ms: float = 0.0,
    error: str | None = None,
) -> CaseResult:
    """Judge one answer against its case; ``exact`` holds one exactness flag per citation.

    An answerable case passes when it is answered, meets the ``answer_contains_*`` strings and
    the citation support rule, and contains no forbidden string.  A refuse-case passes when it
    is refused (with the named reason, if any) and contains no forbidden string; when a
    refuse-case also lists ``answer_contains_*`` or ``cited_contains_any``, those must hold too.
    """
    result = CaseResult(case=case, answer=answer, latency_ms=latency_ms, exact=list(exact))
    if answer is None or error is not None:
        result.error = error or "no answer"
        result.why.append(f"error: {result.error}")
        return result
    result.refused = answer.refused
    result.answered = not answer.refused
    quotes = [c.quote for c in answer.citations]

    contains_any = not case.answer_contains_any or any(
        _contains(answer.answer, s) for s in case.answer_contains_any
    )
    missing_all = [s for s in case.answer_contains_all if not _contains(answer.answer, s)]
    result.contains_ok = contains_any and not missing_all
    if case.cited_contains_any:
        cited_ok = any(_contains(q, s) for q in quotes for s in case.cited_contains_any)
    else:
        cited_ok = bool(quotes)
    result.supported = result.answered and cited_ok
    result.violations = [
        s for s in case.must_not_contain if any(_contains(t, s) for t in [answer.answer, *quotes])
    ]
    if case.expect == "refuse" and case.refusal_reason is not None and answer.refused:
        result.reason_ok = answer.refusal_reason == case.refusal_reason

    why = result.why
    if case.expect == "answer":
        if answer.refused:
            why.append(f"refused ({answer.refusal_reason}) but should answer")
        else:
            if not contains_any:
                why.append(f"answer contains none of {case.answer_contains_any}")
            if missing_all:
                why.append(f"answer lacks {missing_all}")
            if not cited_ok:
                why.append(
                    f"no quote contains any of {case.cited_contains_any}"
                    if case.cited_contains_any
                    else "answered without a citation"
                )
    else:
        if not answer.refused:
            why.append("answered but should refuse")
        elif result.reason_ok is False:
            why.append(f"refusal reason {answer.refusal_reason}, expected {case.refusal_reason}")
        if not contains_any or missing_all:
            why.append("refusal text lacks the expected strings")
        if case.cited_contains_any and not any(
            _contains(q, s) for q in quotes for s in case.cited_contains_any
        ):
            why.append(f"no quote contains any of {case.cited_contains_any}")
    if result.violations:
        why.append(f"contains forbidden {result.violations}")
    inexact = sum(1 for ok in exact if not ok)
    if inexact:
        # Gated through citation_exactness; the case itself is judged on its content.
        result.notes.append(f"{inexact} inexact citation(s)")
    result.passed = not why
    return result


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _by_rule(results: Iterable[CaseResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        rule = (r.answer.decided_by if r.answer else None) or "error"
        counts[rule] = counts.get(rule, 0) + 1
    return dict(sorted(counts.items()))


def compute_metrics(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Aggregate judged cases into the metrics object (see the module docstring)."""
    answerable = [r for r in results if r.case.expect == "answer"]
    refusable = [r for r in results if r.case.expect == "refuse"]
    refused = [r for r in results if r.refused]
    reasoned = [r for r in refusable if r.refused and r.case.refusal_reason is not None]
    flags = [ok for r in results for ok in r.exact]
    latencies = [r.latency_ms for r in results if r.error is None]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "pass_rate": _rate(sum(r.passed for r in results), len(results)),
        "failures_by_rule": _by_rule(r for r in results if not r.passed),
        "failures": [r.case.id for r in results if not r.passed],
        "errors": sum(r.error is not None for r in results),
        "answer_accuracy": _rate(
            sum(r.answered and r.contains_ok for r in answerable), len(answerable)
        ),
        "refusal_recall": _rate(sum(r.refused for r in refusable), len(refusable)),
        "refusal_precision": _rate(sum(r.case.expect == "refuse" for r in refused), len(refused)),
        "over_refusal_rate": _rate(sum(r.refused for r in answerable), len(answerable)),
        "hallucination_rate": _rate(sum(r.answered for r in refusable), len(refusable)),
        "refusal_reason_accuracy": _rate(sum(bool(r.reason_ok) for r in reasoned), len(reasoned)),
        "invented_content_violations": sum(bool(r.violations) for r in results),
        "citation_exactness": _rate(sum(flags), len(flags)) if flags else 1.0,
        "citation_support": _rate(sum(r.supported for r in answerable), len(answerable)),
        "latency_ms_p50": round(p50, 1) if p50 is not None else None,
        "latency_ms_p95": round(p95, 1) if p95 is not None else None,
    }


@dataclass(frozen=True)
class ThresholdCheck:
    """One gate: the metric, its bound, the measured value and whether it held."""

    metric: str
    bound: float
    kind: str  # "min" or "max"
    value: float | None
    ok: bool

    def describe(self) -> str:
        """E.g. ``answer_accuracy 0.8 < min 0.9``."""
        if self.value is None:
            return f"{self.metric}: n/a (no cases to measure), {self.kind} {self.bound}"
        op = (">=" if self.ok else "<") if self.kind == "min" else ("<=" if self.ok else ">")
        return f"{self.metric} {self.value} {op} {self.kind} {self.bound}"


def check_thresholds(
    metrics: dict[str, Any],
    thresholds: Thresholds | None = None,
    overrides: dict[str, float | None] | None = None,
) -> list[ThresholdCheck]:
    """Evaluate the default gates, the dataset's thresholds and CLI overrides (which win)."""
    gates: dict[str, float] = dict(DEFAULT_GATES)
    if thresholds is not None:
        gates.update(thresholds.model_dump(exclude_none=True))
    gates.update({k: v for k, v in (overrides or {}).items() if v is not None})
    checks = []
    for metric, bound in gates.items():
        if metric not in MINIMA and metric not in MAXIMA:
            raise ValueError(f"unknown threshold {metric!r}")
        kind = "min" if metric in MINIMA else "max"
        value = metrics.get(metric)
        ok = value is None or (value >= bound if kind == "min" else value <= bound)
        checks.append(ThresholdCheck(metric, bound, kind, value, ok))
    return checks


@dataclass
class DatasetRun:
    """One dataset's judged cases, metrics and threshold checks."""

    name: str
    path: str
    target: str
    results: list[CaseResult]
    metrics: dict[str, Any]
    checks: list[ThresholdCheck]

    @property
    def ok(self) -> bool:
        """True when every threshold held."""
        return all(c.ok for c in self.checks)

    @property
    def failed_checks(self) -> list[ThresholdCheck]:
        """The thresholds that did not hold."""
        return [c for c in self.checks if not c.ok]

    def summary(self) -> dict[str, Any]:
        """The ``--json`` object: metrics plus the dataset name and failed thresholds."""
        return {
            "dataset": self.name,
            **self.metrics,
            "failed_thresholds": [c.describe() for c in self.failed_checks],
        }
