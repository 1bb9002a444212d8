"""Eval reports: Markdown (``.md``) or self-contained HTML (``.html``), one row per case."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import CaseResult, DatasetRun

__all__ = ["render_html", "render_markdown", "write_report"]

_COLUMNS = (
    "id",
    "question",
    "expected",
    "got",
    "result",
    "quotes",
    "refusal reason",
    "decided by",
    "ms",
    "why",
)


def _cells(r: CaseResult) -> list[str]:
    """The plain-text cells of one case's row (escaped by the renderer)."""
    quotes = [c.quote for c in r.answer.citations] if r.answer else []
    reason = (r.answer.refusal_reason or "") if r.answer and r.answer.refused else ""
    return [
        r.case.id,
        r.case.question,
        r.expected,
        r.got,
        "pass" if r.passed else "FAIL",
        "\n".join(f"“{q}”" for q in quotes),
        reason,
        _decided_by(r),
        f"{r.latency_ms:.0f}",
        "; ".join(r.why + r.notes + ([r.error] if r.error and not r.why else [])),
    ]


def _decided_by(r: CaseResult) -> str:
    if r.answer is None or r.answer.decided_by is None:
        return ""
    score = r.answer.decision_score
    return r.answer.decided_by + (f" ({score:.2f})" if score is not None else "")


def tradeoff(results: Sequence[CaseResult]) -> list[tuple[float, float, float]]:
    """(threshold, share answered, precision of answers) as the answer threshold moves.

    Uses each case's ``decision_score`` (cases decided by a rule keep their verdict); precision
    is the share of answered cases that expected an answer.
    """
    scored = [
        (r.answer.decision_score, r.case.expect == "answer")
        for r in results
        if r.answer is not None and r.answer.decision_score is not None
    ]
    points: list[tuple[float, float, float]] = []
    if not scored:
        return points
    for step in range(0, 101, 2):
        t = step / 100
        answered = [ok for score, ok in scored if score >= t]
        share = len(answered) / len(scored)
        precision = sum(answered) / len(answered) if answered else 1.0
        points.append((t, share, precision))
    return points


def _svg(points: list[tuple[float, float, float]], chosen: float | None) -> str:
    """A small inline SVG: precision of answers (y) against share answered (x)."""
    w, h, pad = 360, 240, 36

    def xy(share: float, precision: float) -> tuple[float, float]:
        return pad + share * (w - 2 * pad), h - pad - precision * (h - 2 * pad)

    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s, p) for _, s, p in points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        'aria-label="answer/refuse trade-off">',
        f'<rect x="{pad}" y="{pad}" width="{w - 2 * pad}" height="{h - 2 * pad}" '
        'fill="none" stroke="#ccc"/>',
        f'<polyline points="{path}" fill="none" stroke="#2563eb" stroke-width="2"/>',
        f'<text x="{w / 2}" y="{h - 6}" text-anchor="middle" font-size="11">share answered</text>',
        f'<text x="10" y="{h / 2}" font-size="11" transform="rotate(-90 10 {h / 2})" '
        'text-anchor="middle">precision of answers</text>',
    ]
    if chosen is not None and points:
        _, s, p = min(points, key=lambda q: abs(q[0] - chosen))
        cx, cy = xy(s, p)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="#b42318"/>')
        parts.append(
            f'<text x="{cx + 8:.1f}" y="{cy - 8:.1f}" font-size="11" fill="#b42318">'
            f"threshold {chosen:.2f}: {s:.0%} answered, precision {p:.0%}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _value(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _md(text: str) -> str:
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return escaped.replace("\r", "").replace("\n", "<br>")


def render_markdown(runs: Sequence[DatasetRun]) -> str:
    """The report as GitHub-flavoured Markdown."""
    lines = ["# Verbatim eval report", ""]
    for run in runs:
        verdict = "all thresholds met" if run.ok else "THRESHOLDS FAILED"
        lines += [
            f"## {_md(run.name)}",
            "",
            f"`{_md(run.path)}` against `{_md(run.target)}`: "
            f"{run.metrics['passed']}/{run.metrics['cases']} cases passed, {verdict}.",
            "",
        ]
        lines += ["| metric | value |", "| --- | --- |"]
        lines += [f"| {k} | {_md(_value(v))} |" for k, v in run.metrics.items()]
        lines.append("")
        if run.failed_checks:
            lines += [f"- threshold failed: {_md(c.describe())}" for c in run.failed_checks]
            lines.append("")
        lines += ["| " + " | ".join(_COLUMNS) + " |", "|" + " --- |" * len(_COLUMNS)]
        lines += ["| " + " | ".join(_md(cell) for cell in _cells(r)) + " |" for r in run.results]
        lines.append("")
    return "\n".join(lines)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
tr.fail td{background:#fdecea}tr.pass td.result{color:#1a7f37}tr.fail td.result{color:#b42318}
td.quotes{white-space:pre-wrap;max-width:40rem}.bad{color:#b42318}.good{color:#1a7f37}
"""


def render_html(runs: Sequence[DatasetRun]) -> str:
    """The report as one self-contained, escaped HTML page."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Verbatim eval report</title>',
        f"<style>{_STYLE}</style></head><body><h1>Verbatim eval report</h1>",
    ]
    for run in runs:
        verdict = (
            '<span class="good">all thresholds met</span>'
            if run.ok
            else '<span class="bad">thresholds failed</span>'
        )
        out.append(f"<h2>{e(run.name)}</h2>")
        out.append(
            f"<p><code>{e(run.path)}</code> against <code>{e(run.target)}</code>: "
            f"{run.metrics['passed']}/{run.metrics['cases']} cases passed, {verdict}.</p>"
        )
        out.append("<table><tr><th>metric</th><th>value</th></tr>")
        out += [f"<tr><td>{e(k)}</td><td>{e(_value(v))}</td></tr>" for k, v in run.metrics.items()]
        out.append("</table>")
        points = tradeoff(run.results)
        if points:
            out.append("<h3>Answer/refuse trade-off</h3>")
            out.append(_svg(points, _threshold()))
        if run.failed_checks:
            out.append("<ul>")
            out += [f'<li class="bad">{e(c.describe())}</li>' for c in run.failed_checks]
            out.append("</ul>")
        out.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in _COLUMNS) + "</tr>")
        for r in run.results:
            row_class = "pass" if r.passed else "fail"
            tds = []
            for name, cell in zip(_COLUMNS, _cells(r), strict=True):
                css = name.replace(" ", "-")
                tds.append(f'<td class="{css}">{e(cell)}</td>')
            out.append(f'<tr class="{row_class}">' + "".join(tds) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _threshold() -> float | None:
    """The committed answerability model's threshold (None when it cannot be loaded)."""
    try:
        from qa.answerability import load_model

        return load_model().threshold
    except (OSError, ValueError):
        return None


def write_report(path: Path, runs: Sequence[DatasetRun]) -> None:
    """Write HTML for ``.html``/``.htm``, Markdown otherwise."""
    text = render_html(runs) if path.suffix.lower() in (".html", ".htm") else render_markdown(runs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
