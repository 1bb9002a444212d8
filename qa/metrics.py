"""Prometheus metrics for one app instance, on its own registry.

One :class:`Metrics` object per FastAPI app (tests build many apps in one process, so the
default global registry would collide); the Slack adapter takes the same object to count
feedback.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from qa.types import Answer

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Request, answer, refusal, ingest and feedback counters on a private registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "verbatim_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "verbatim_http_request_duration_seconds",
            "Time to the end of the response, by route template.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "verbatim_answers",
            "Answers produced, by entry point and whether they were refusals.",
            ["entry", "refused"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "verbatim_refusals",
            "Refusals by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.ingest_files = Counter(
            "verbatim_ingest_files",
            "Files seen by ingest runs, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.ingest_runs = Counter(
            "verbatim_ingest_runs",
            "Ingest runs by result.",
            ["result"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "verbatim_feedback",
            "User feedback on answers, by rating and source (web, api, slack).",
            ["rating", "source"],
            registry=self.registry,
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one finished HTTP request."""
        self.requests.labels(route=route, method=method, status=str(status)).inc()
        self.latency.labels(route=route, method=method).observe(seconds)

    def observe_answer(self, answer: Answer, entry: str) -> None:
        """Count one answer (and its refusal reason, if refused)."""
        self.answers.labels(entry=entry, refused=str(answer.refused).lower()).inc()
        if answer.refused:
            self.refusals.labels(reason=answer.refusal_reason or "unknown").inc()

    def observe_ingest(self, report: dict[str, object]) -> None:
        """Count the files of one ingest report (``IngestReport.to_dict()``)."""
        for outcome in ("new", "changed", "unchanged", "removed"):
            count = report.get(outcome, 0)
            if isinstance(count, int) and count:
                self.ingest_files.labels(outcome=outcome).inc(count)
        for outcome in ("failed", "skipped"):
            items = report.get(outcome) or []
            if isinstance(items, list) and items:
                self.ingest_files.labels(outcome=outcome).inc(len(items))
        self.ingest_runs.labels(result="ok" if not report.get("failed") else "failed").inc()

    def observe_feedback(self, rating: str, source: str) -> None:
        """Count one piece of feedback (``rating`` is ``up`` or ``down``)."""
        self.feedback.labels(rating=rating, source=source).inc()

    def render(self) -> bytes:
        """The registry in the Prometheus text exposition format."""
        return generate_latest(self.registry)
