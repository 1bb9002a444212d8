"""The learned answerability model: does this candidate answer the question; does any?

Two small logistic regressions, fitted by ``make train`` (``python -m eval.train``) on the tune
parts of the labelled public data and the project's own sets, stored as JSON beside this module
(``qa/models/answerability.json``, with its training data summary and metrics):

1. **candidate model** over :data:`qa.signals.FEATURES`: the probability that one candidate
   (a sentence or list item of the evidence) answers the question;
2. **question model** over :data:`QUESTION_FEATURES` (the best candidates' probabilities and the
   question-level signals): the probability that the evidence answers the question at all.

The question is answered when the question model's probability reaches ``threshold``, chosen on
the tune parts: the best balanced accuracy among the thresholds reaching a stated precision of
answers (see ``meta["threshold_rule"]``).  Pure numpy at run time; loaded once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.signals import FEATURES

MODEL_PATH = Path(__file__).parent / "models" / "answerability.json"

QUESTION_FEATURES: tuple[str, ...] = (
    "best_p",
    "second_p",
    "top3_mean_p",
    "best_cos",
    "max_cos",
    "best_coverage_ctx",
    "best_weakest",
    "best_missing_entities",
    "unknown",
    "unknown_entity",
    "type_constrained",
    "best_type_missing",
    "best_doc_coverage",
    "best_doc_weakest",
    "max_coverage_ctx",
)


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic regression: ``sigmoid(((x - mean) / scale) @ coef + intercept)``."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Probabilities for each row of ``rows`` (columns in ``names`` order)."""
        if rows.size == 0:
            return np.zeros(rows.shape[0], dtype=np.float64)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "names": list(self.names),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            names=tuple(data["names"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
        )


@dataclass(frozen=True)
class AnswerabilityModel:
    """Candidate and question models with the answer threshold."""

    candidate: LinearModel
    question: LinearModel
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.candidate.names != FEATURES:
            raise ValueError(
                "the answerability model was trained on other signals; run `make train`"
            )
        if self.question.names != QUESTION_FEATURES:
            raise ValueError("the answerability model's question features differ; run `make train`")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    def score_candidates(self, features: np.ndarray) -> np.ndarray:
        """Probability that each candidate answers the question."""
        return self.candidate.predict(features)

    def answerable(self, probabilities: np.ndarray, features: np.ndarray, cos: np.ndarray) -> float:
        """Probability that the evidence answers the question at all."""
        if probabilities.size == 0:
            return 0.0
        row = question_features(probabilities, features, cos)
        return float(self.question.predict(row[None, :])[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "candidate": self.candidate.to_dict(),
            "question": self.question.to_dict(),
            "threshold": self.threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerabilityModel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            candidate=LinearModel.from_dict(data["candidate"]),
            question=LinearModel.from_dict(data["question"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the artifact (stable key order, so retraining on the same data is a no-op)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")


def question_features(p: np.ndarray, features: np.ndarray, cos: np.ndarray) -> np.ndarray:
    """The question model's inputs (:data:`QUESTION_FEATURES`) from the candidates' signals."""
    order = np.argsort(-p)
    best = order[0]
    col = {name: i for i, name in enumerate(FEATURES)}
    top = p[order[:3]]
    values = {
        "best_p": float(p[best]),
        "second_p": float(p[order[1]]) if len(order) > 1 else 0.0,
        "top3_mean_p": float(top.mean()),
        "best_cos": float(cos[best]),
        "max_cos": float(cos.max()),
        "best_coverage_ctx": float(features[best, col["coverage_ctx"]]),
        "best_weakest": float(features[best, col["weakest"]]),
        "best_missing_entities": float(features[best, col["missing_entities"]]),
        "unknown": float(features[best, col["unknown"]]),
        "unknown_entity": float(features[best, col["unknown_entity"]]),
        "type_constrained": float(features[best, col["type_constrained"]]),
        "best_type_missing": float(features[best, col["type_missing"]]),
        "best_doc_coverage": float(features[best, col["doc_coverage"]]),
        "best_doc_weakest": float(features[best, col["doc_weakest"]]),
        "max_coverage_ctx": float(features[:, col["coverage_ctx"]].max()),
    }
    return np.asarray([values[name] for name in QUESTION_FEATURES], dtype=np.float64)


def untrained_model() -> AnswerabilityModel:
    """A model with zero weights (every probability 0.5): for computing signals in training."""

    def zeros(names: tuple[str, ...]) -> LinearModel:
        n = len(names)
        return LinearModel(names, np.zeros(n), np.ones(n), np.zeros(n), 0.0)

    return AnswerabilityModel(zeros(FEATURES), zeros(QUESTION_FEATURES), 0.5, {"untrained": True})


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> AnswerabilityModel:
    """The trained model (default: the committed artifact), loaded once per process."""
    target = Path(path) if path else MODEL_PATH
    try:
        data = json.loads(target.read_text())
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"no answerability model at {target}; run `make train` to build it"
        ) from exc
    return AnswerabilityModel.from_dict(data)
