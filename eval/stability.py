"""How steady the answer threshold is: ``python -m eval.stability``.

The training rule (:func:`eval.train.choose_threshold`) picks the threshold on out-of-fold
scores of the tune questions.  This resamples the tune documents (document groups drawn with
replacement, every question of a drawn group kept) and re-chooses the threshold on each
resample, with three rules:

- ``training rule``: the best balanced accuracy among the thresholds reaching the precision;
- ``lowest reaching``: the lowest threshold reaching the precision (the rule until the
  thirteenth session);
- ``balanced only``: the best balanced accuracy with no precision bound.

A rule whose threshold moves little across resamples is one whose choice does not hang on a
handful of training rows.  Reads the signals ``make train`` cached under ``--work`` (run it
first); deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from eval.train import DEFAULT_PRECISION, Fitted, choose_threshold, fit_models, load_cache

Curve = list[dict[str, float]]


def lowest_reaching(curve: Curve, precision: float) -> float:
    """The lowest threshold whose answers reach ``precision`` (0.5 when none does)."""
    return next((p["threshold"] for p in curve if p["precision"] >= precision), 0.5)


def best_balanced(curve: Curve) -> float:
    """The best balanced accuracy, whatever the precision (ties to the lowest threshold)."""
    best = max(curve, key=lambda p: (round(p["balanced_accuracy"], 9), -p["threshold"]))
    return best["threshold"]


def _rules(precision: float) -> dict[str, Callable[[Curve], float]]:
    """The rules compared with the training rule, each reading a threshold curve."""
    return {
        "lowest reaching": lambda curve: lowest_reaching(curve, precision),
        "balanced only": best_balanced,
    }


def resample_thresholds(
    fitted: Fitted, precision: float, resamples: int, seed: int
) -> dict[str, list[float]]:
    """Each rule's threshold on ``resamples`` resamples of the tune document groups."""
    rules = _rules(precision)
    index = {g: k for k, g in enumerate(sorted(set(fitted.groups)))}
    rows = np.asarray([index[g] for g in fitted.groups])
    members = [np.flatnonzero(rows == k) for k in range(len(index))]
    datasets = np.asarray(fitted.datasets)
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"training rule": [], **{name: [] for name in rules}}
    for _ in range(resamples):
        drawn = rng.integers(0, len(index), len(index))
        idx = np.concatenate([members[k] for k in drawn])
        chosen, curve = choose_threshold(
            fitted.scores[idx], fitted.labels[idx], list(datasets[idx]), precision
        )
        out["training rule"].append(chosen)
        for name, rule in rules.items():
            out[name].append(rule(curve))
    return out


def summarise(values: list[float]) -> dict[str, float]:
    """Median, 5th and 95th percentiles and standard deviation of one rule's thresholds."""
    v = np.asarray(values)
    return {
        "median": round(float(np.median(v)), 3),
        "p05": round(float(np.percentile(v, 5)), 3),
        "p95": round(float(np.percentile(v, 95)), 3),
        "sd": round(float(v.std()), 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m eval.stability", description=__doc__)
    parser.add_argument("--work", type=Path, default=Path(".verbatim-data/train"))
    parser.add_argument("--precision", type=float, default=DEFAULT_PRECISION)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cache = args.work / "examples.pickle"
    if not cache.is_file():
        parser.error(f"no training cache at {cache}; run `make train` first")
    if args.resamples < 1:
        parser.error("--resamples must be at least 1")
    fitted = fit_models(load_cache(cache))
    chosen, curve = choose_threshold(fitted.scores, fitted.labels, fitted.datasets, args.precision)
    on_all = {"training rule": chosen}
    on_all.update({name: rule(curve) for name, rule in _rules(args.precision).items()})
    found = resample_thresholds(fitted, args.precision, args.resamples, args.seed)
    report = {
        name: {"on all rows": on_all[name], **summarise(values)} for name, values in found.items()
    }
    print(json.dumps({"resamples": args.resamples, "seed": args.seed, "rules": report}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
