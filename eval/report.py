"""Eval reports: Markdown (``.md``) or self-contained HTML (``.html``), one row per case."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import CaseResult, DatasetRun

__all__ = ["render_html", "render_markdown", "write_report"]

_COLUMNS = ("id", "question", "expected", "got", "result", "quotes", "refusal reason", "ms", "why")


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
        f"{r.latency_ms:.0f}",
        "; ".join(r.why + r.notes + ([r.error] if r.error and not r.why else [])),
    ]


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


def write_report(path: Path, runs: Sequence[DatasetRun]) -> None:
    """Write HTML for ``.html``/``.htm``, Markdown otherwise."""
    text = render_html(runs) if path.suffix.lower() in (".html", ".htm") else render_markdown(runs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
