"""The threshold-stability measure (``python -m eval.stability``) on a small synthetic tune set."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from eval.stability import best_balanced, lowest_reaching, main, resample_thresholds
from eval.train import Example, TrainingSet, fit_models, load_cache
from qa.signals import FEATURES


def _training_set(seed: int = 0) -> TrainingSet:
    """Two datasets of 40 questions in 20 document groups; answerable questions have one
    candidate that stands out, unanswerable ones do not."""
    rng = np.random.default_rng(seed)
    examples = []
    for q in range(80):
        answerable = q % 2
        features = rng.normal(0.0, 1.0, (6, len(FEATURES))).astype(np.float32)
        labels = np.zeros(6, dtype=np.int64)
        if answerable:
            features[0] += 1.5
            labels[0] = 1
        examples.append(
            Example(
                dataset="a" if q < 40 else "b",
                group=f"doc{q // 4}",
                features=features,
                cos=features[:, 0].copy(),
                labels=labels,
                answerable=answerable,
            )
        )
    return TrainingSet(examples)


def test_rules_read_the_curve() -> None:
    curve = [
        {"threshold": 0.3, "precision": 0.6, "balanced_accuracy": 0.6},
        {"threshold": 0.4, "precision": 0.8, "balanced_accuracy": 0.7},
        {"threshold": 0.5, "precision": 0.9, "balanced_accuracy": 0.8},
        {"threshold": 0.6, "precision": 1.0, "balanced_accuracy": 0.65},
    ]
    assert lowest_reaching(curve, 0.75) == pytest.approx(0.4)
    assert lowest_reaching(curve, 1.1) == pytest.approx(0.5)  # none reaches: the old default
    assert best_balanced(curve) == pytest.approx(0.5)  # the precision is not a bound


def test_resampling_is_deterministic_and_in_range() -> None:
    fitted = fit_models(_training_set())
    assert fitted.scores.shape == (80,)
    first = resample_thresholds(fitted, 0.79, resamples=5, seed=3)
    again = resample_thresholds(fitted, 0.79, resamples=5, seed=3)
    assert first == again
    assert set(first) == {"training rule", "lowest reaching", "balanced only"}
    for values in first.values():
        assert len(values) == 5
        assert all(0.05 <= v <= 0.95 for v in values)


def test_the_cache_written_by_training_is_read_back(tmp_path: Path) -> None:
    training = _training_set()
    cache = tmp_path / "examples.pickle"
    cache.write_bytes(pickle.dumps(training))
    loaded = load_cache(cache)
    assert len(loaded.examples) == 80
    assert np.array_equal(loaded.examples[5].features, training.examples[5].features)


def test_the_command_reports_every_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "examples.pickle").write_bytes(pickle.dumps(_training_set()))
    assert main(["--work", str(tmp_path), "--resamples", "3"]) == 0
    out = capsys.readouterr().out
    for rule in ("training rule", "lowest reaching", "balanced only"):
        assert f'"{rule}"' in out
    assert '"sd"' in out


def test_the_command_without_a_cache_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--work", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "run `make train` first" in capsys.readouterr().err
