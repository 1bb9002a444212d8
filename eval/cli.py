"""The ``verbatim eval`` command, registered with the ``verbatim`` CLI through the
``verbatim.commands`` entry-point group (see ``pyproject.toml``), so that ``qa`` does not import
``eval``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa.cli import AsJson, DataDir, console, load_settings


def eval_command(
    dataset: Annotated[
        list[Path] | None, typer.Option("--dataset", help="Dataset file(s) (YAML or JSONL).")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Ingest this folder into a temporary index first."),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Evaluate a running server instead.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a Markdown/HTML report.")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", envvar="VERBATIM_EVAL_API_KEY", help="Bearer key for --url."),
    ] = None,
    min_answer_accuracy: Annotated[float | None, typer.Option("--min-answer-accuracy")] = None,
    min_refusal_recall: Annotated[float | None, typer.Option("--min-refusal-recall")] = None,
    max_over_refusal_rate: Annotated[float | None, typer.Option("--max-over-refusal-rate")] = None,
    min_citation_support: Annotated[float | None, typer.Option("--min-citation-support")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Run eval datasets and print grounding metrics; exits 1 when a threshold is missed."""
    from eval.runner import run_cli

    code = run_cli(
        settings=load_settings(data_dir),
        datasets=list(dataset or []),
        corpus=corpus,
        url=url,
        report=report,
        api_key=api_key,
        overrides={
            "answer_accuracy": min_answer_accuracy,
            "refusal_recall": min_refusal_recall,
            "over_refusal_rate": max_over_refusal_rate,
            "citation_support": min_citation_support,
        },
        as_json=as_json,
        console=console,
        data_dir_given=data_dir is not None,
    )
    raise typer.Exit(code)
