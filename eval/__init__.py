"""The eval suite: datasets, the runner, grounding metrics and reports."""

from eval.dataset import EvalCase, EvalDataset, Thresholds, load_dataset, parse_dataset
from eval.metrics import (
    CaseResult,
    DatasetRun,
    ThresholdCheck,
    check_citation,
    check_thresholds,
    compute_metrics,
    judge_case,
)
from eval.report import render_html, render_markdown, write_report
from eval.runner import HttpTarget, LocalTarget, run_cli, run_dataset

__all__ = [
    "CaseResult",
    "DatasetRun",
    "EvalCase",
    "EvalDataset",
    "HttpTarget",
    "LocalTarget",
    "ThresholdCheck",
    "Thresholds",
    "check_citation",
    "check_thresholds",
    "compute_metrics",
    "judge_case",
    "load_dataset",
    "parse_dataset",
    "render_html",
    "render_markdown",
    "run_cli",
    "run_dataset",
    "write_report",
]
