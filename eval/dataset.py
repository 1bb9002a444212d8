"""Eval datasets: YAML (the format in DESIGN.md) or JSONL, parsed into validated models.

YAML: one mapping with ``name`` (optional, default: the file's stem), ``corpus`` (optional, a
folder relative to the file), ``cases`` (a non-empty list) and ``thresholds`` (optional)::

    name: seed
    corpus: ../../corpus
    cases:
      - id: budapest
        question: Which earlier agreement is cited as a precedent?
        expect: answer                       # answer (default) | refuse
        answer_contains_any: ["Budapest Memorandum"]
    thresholds: {answer_accuracy: 0.9}

JSONL (``.jsonl``): one JSON object per line, each a case with the same fields.  The first
non-blank line may instead be a header ``{"name": ..., "corpus": ..., "thresholds": {...}}``; it
is recognised as the header when it has neither ``id`` nor ``question``.  Blank lines are skipped.

Every problem raises :class:`~qa.errors.DatasetError` whose message names the file, the case id
(or ``#n`` when the case has no usable id, or ``-`` for dataset-level fields) and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from qa.errors import DatasetError
from qa.types import RefusalReason, Turn

__all__ = ["EvalCase", "EvalDataset", "Thresholds", "load_dataset", "parse_dataset"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvalCase(_Strict):
    """One question with what a correct answer (or refusal) must look like."""

    id: str = Field(min_length=1)
    question: str
    history: list[Turn] = Field(default_factory=list)
    expect: Literal["answer", "refuse"] = "answer"
    refusal_reason: RefusalReason | None = None
    answer_contains_any: list[str] = Field(default_factory=list)
    answer_contains_all: list[str] = Field(default_factory=list)
    cited_contains_any: list[str] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # YAML reads `id: 7` as an int; a number is a perfectly good case id.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator(
        "answer_contains_any",
        "answer_contains_all",
        "cited_contains_any",
        "must_not_contain",
        "tags",
        mode="before",
    )
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("history", mode="before")
    @classmethod
    def _null_history(cls, value: Any) -> Any:
        return [] if value is None else value


class Thresholds(_Strict):
    """Optional gates: minima for rates that should be high, maxima for the others."""

    pass_rate: float | None = Field(None, ge=0, le=1)
    answer_accuracy: float | None = Field(None, ge=0, le=1)
    refusal_recall: float | None = Field(None, ge=0, le=1)
    refusal_precision: float | None = Field(None, ge=0, le=1)
    refusal_reason_accuracy: float | None = Field(None, ge=0, le=1)
    citation_support: float | None = Field(None, ge=0, le=1)
    citation_exactness: float | None = Field(None, ge=0, le=1)
    over_refusal_rate: float | None = Field(None, ge=0, le=1)
    hallucination_rate: float | None = Field(None, ge=0, le=1)
    invented_content_violations: int | None = Field(None, ge=0)
    latency_ms_p95: float | None = Field(None, gt=0)


class _RawDataset(_Strict):
    name: str | None = None
    corpus: str | None = None
    cases: list[EvalCase] = Field(min_length=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("thresholds", mode="before")
    @classmethod
    def _null_thresholds(cls, value: Any) -> Any:
        return {} if value is None else value


class EvalDataset(BaseModel):
    """A parsed dataset: its cases, gates and (resolved) corpus folder."""

    name: str
    path: Path
    corpus: Path | None = None
    cases: list[EvalCase]
    thresholds: Thresholds = Field(default_factory=Thresholds)


def load_dataset(path: Path) -> EvalDataset:
    """Read and validate a YAML or JSONL dataset file.

    Raises:
        DatasetError: the file is missing, unreadable or malformed; the message names the file,
            the case id and the field.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the dataset file ({exc})") from exc
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        raw = _read_jsonl(path, text)
    else:
        raw = _read_yaml(path, text)
    return parse_dataset(raw, path)


def parse_dataset(raw: Any, path: Path) -> EvalDataset:
    """Validate decoded dataset data; ``path`` is named in errors and anchors ``corpus``."""
    if not isinstance(raw, dict):
        raise DatasetError(
            f"{path}: case -: field (top level): expected a mapping with a `cases` list, "
            f"got {_kind(raw)}"
        )
    try:
        data = _RawDataset.model_validate(raw)
    except ValidationError as exc:
        raise DatasetError(_describe(exc, raw, path)) from None
    seen: dict[str, int] = {}
    for index, case in enumerate(data.cases):
        if case.id in seen:
            raise DatasetError(
                f"{path}: case {case.id!r}: field 'id': duplicate id "
                f"(cases #{seen[case.id] + 1} and #{index + 1})"
            )
        seen[case.id] = index
        if case.refusal_reason is not None and case.expect != "refuse":
            raise DatasetError(
                f"{path}: case {case.id!r}: field 'refusal_reason': only allowed with "
                f"`expect: refuse` (expect is {case.expect!r})"
            )
    corpus = (path.parent / data.corpus).resolve() if data.corpus else None
    return EvalDataset(
        name=data.name or path.stem,
        path=path,
        corpus=corpus,
        cases=data.cases,
        thresholds=data.thresholds,
    )


def _read_yaml(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: case -: field (file): invalid YAML: {exc}") from None


def _read_jsonl(path: Path, text: str) -> dict[str, Any]:
    header: dict[str, Any] = {}
    cases: list[Any] = []
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"{path}: case -: field (line {number}): invalid JSON: {exc.msg}"
            ) from None
        if first and isinstance(item, dict) and "id" not in item and "question" not in item:
            header = item
        else:
            cases.append(item)
        first = False
    if "cases" in header:
        raise DatasetError(f"{path}: case -: field 'cases': not allowed in a JSONL header line")
    return {**header, "cases": cases}


def _describe(exc: ValidationError, raw: dict[str, Any], path: Path) -> str:
    """One line per problem: file, case id, field, what is wrong."""
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        case = "-"
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            case = _case_label(raw.get("cases"), loc[1])
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or "(case)"
        if error["type"] == "missing":
            problem = "required field is missing"
        elif error["type"] == "extra_forbidden":
            problem = "unknown field"
        else:
            problem = f"{error['msg']} (got {_preview(error.get('input'))})"
        lines.append(f"{path}: case {case}: field {field!r}: {problem}")
    return "\n".join(lines[:10]) + (f"\n... and {len(lines) - 10} more" if len(lines) > 10 else "")


def _case_label(cases: Any, index: int) -> str:
    try:
        case_id = cases[index].get("id")
    except (AttributeError, IndexError, TypeError):
        case_id = None
    if isinstance(case_id, str | int) and not isinstance(case_id, bool) and str(case_id):
        return repr(str(case_id))
    return f"#{index + 1}"


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "an empty file"
    return f"a {type(value).__name__}"
