"""``python -m benchmarks``: every measurement in one run, then the report and the JSON.

python -m benchmarks [--quick] [--json] [--corpus DIR] [--pdf FILE ...]
                     [--only SECTIONS] [--output docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import measure, report

REPO = measure.REPO
DEFAULT_CORPUS = (REPO / ".." / "shared" / "corpora" / "fastapi-docs").resolve()
SAMPLE_CORPUS = REPO / "corpus"
SECTIONS = ("ingest", "answers", "http", "growth", "pdf")
# PDFs the pdf section reads when none are given: typeset manuals Debian installs with its
# documentation packages (libtasn1-doc, shared-mime-info), where present.
DEFAULT_PDFS = (
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small subset, about a minute")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus to ingest")
    parser.add_argument(
        "--pdf",
        type=Path,
        nargs="+",
        help="PDFs for the pdf section (default: Debian's libtasn1 and shared-mime-info manuals)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown report to update (default: docs/benchmarks.md on a full run, none on "
        "--quick)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default: all of {','.join(SECTIONS)})",
    )
    args = parser.parse_args(argv)
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    if not args.only <= set(SECTIONS):
        parser.error(f"--only takes some of {', '.join(SECTIONS)}")
    if "ingest" not in args.only and ({"answers", "growth"} & args.only):
        parser.error("answers and growth need the ingest section")
    if not args.corpus.is_dir():
        parser.error(f"no corpus folder at {args.corpus}")
    args.pdf = args.pdf or [path for path in DEFAULT_PDFS if path.is_file()]
    missing = [str(path) for path in args.pdf if not path.is_file()]
    if missing:
        parser.error(f"no PDF at {', '.join(missing)}")
    if args.output is None and not args.quick:
        args.output = REPO / "docs" / "benchmarks.md"
    return args


def log(message: str, quiet: bool) -> None:
    """Progress on stderr (stdout stays clean for ``--json``)."""
    if not quiet or os.environ.get("VERBATIM_BENCH_VERBOSE"):
        print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """All selected measurements; returns the result dict."""
    began = time.perf_counter()
    quiet = args.json
    quick = args.quick
    result: dict[str, Any] = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "quick": quick,
        "machine": measure.machine_facts(),
    }
    result.update(measure.measure_model_load())
    with measure.scratch("verbatim-bench-") as work:
        corpus = args.corpus
        if quick:
            corpus = measure.subset(corpus, 20, work / "corpus")
        result["corpus"] = str(args.corpus) + (" (20-file subset)" if quick else "")
        answers_n = 40 if quick else 200
        if "ingest" in args.only:
            log(f"ingest {corpus}", quiet)
            main_dir = work / "main"
            parts = measure.components(main_dir)
            ingest = measure.measure_ingest(parts, corpus)
            log(f"  {ingest}", quiet)
            ingest.update(measure.measure_ceiling(parts))
            log(f"  ceiling {ingest['ceiling_s']} s", quiet)
            ingest.update(
                measure.measure_langchain(corpus, work / "langchain", parts.embedder.model_path)
            )
            gc.collect()
            log(f"  langchain {ingest['langchain_s']} s", quiet)
            ingest.update(measure.measure_reingest(parts, corpus, main_dir))
            log(f"  reingest {ingest['reingest_s']} s", quiet)
            result["ingest"] = ingest
            result["ingest_vs_ceiling"] = round(ingest["ceiling_s"] / ingest["ingest_s"], 3)
            result["ingest_vs_langchain"] = round(ingest["langchain_s"] / ingest["ingest_s"], 3)
            result["reingest_share"] = round(ingest["reingest_s"] / ingest["ingest_s"], 4)
        if "answers" in args.only:
            log("answers", quiet)
            sample = measure.components(work / "sample")
            sample.pipeline().run([SAMPLE_CORPUS])
            page = measure.components(work / "one-page-data")
            page.pipeline().run([measure.one_page(corpus, work / "one-page")])
            answers = {
                "sample": measure.measure_answers(sample, answers_n),
                "fastapi": measure.measure_answers(parts, answers_n),
                "one page": measure.measure_answers(page, answers_n),
            }
            result["answers"] = answers
            for name, figures in answers.items():
                for key in ("ask_p50_ms", "ask_p95_ms", "ask_vs_retrieval"):
                    result[f"{key}_{name}"] = figures[key]
            # The headline figures are the bigger corpus's.
            for key in ("ask_p50_ms", "ask_p95_ms", "ask_vs_retrieval"):
                result[key] = answers["fastapi"][key]
            log(f"  {answers}", quiet)
        if "http" in args.only:
            log("http", quiet)
            requests, limit = (24, 8.0) if quick else (200, 60.0)
            result.update(measure.measure_http(SAMPLE_CORPUS, requests, limit))
            log(f"  errors {result['http_errors']}", quiet)
        if "growth" in args.only:
            result["growth"] = growth(args, corpus, work, result, quiet)
        if "pdf" in args.only and not args.pdf:
            log("pdf: no PDF given and none of the default ones here; skipped", quiet)
        elif "pdf" in args.only:
            log(f"pdf {len(args.pdf)} files", quiet)
            pdf = measure.measure_pdf_layout(args.pdf, rounds=1 if quick else 3)
            result["pdf"] = pdf
            result["pdf_layout_vs_plain"] = round(pdf["pdf_layout_s"] / pdf["pdf_plain_s"], 3)
            log(f"  {pdf}", quiet)
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_s"] = round(time.perf_counter() - began, 1)
    return result


def growth(
    args: argparse.Namespace, corpus: Path, work: Path, result: dict[str, Any], quiet: bool
) -> list[dict[str, Any]]:
    """Ingest time and answer p50 at 1×, 2× (and 4× on a full run) the corpus."""
    factors = (1, 2) if args.quick else (1, 2, 4)
    questions = 20 if args.quick else 50
    rows: list[dict[str, Any]] = []
    for factor in factors:
        log(f"growth {factor}x", quiet)
        if factor == 1 and "ingest" in result:
            ingest = result["ingest"]
            parts = measure.components(work / "main")
        else:
            copies = measure.replicate(corpus, factor, work / f"grow{factor}")
            parts = measure.components(work / f"grow{factor}-data")
            ingest = measure.measure_ingest(parts, copies)
        answers = measure.measure_answers(parts, questions, seed=11)
        rows.append(
            {
                "factor": factor,
                "documents": ingest["documents"],
                "chunks": ingest["chunks"],
                "ingest_s": ingest["ingest_s"],
                "chunks_per_s": ingest["chunks_per_s"],
                "ask_p50_ms": answers["ask_p50_ms"],
                "ask_p95_ms": answers["ask_p95_ms"],
            }
        )
        log(f"  {rows[-1]}", quiet)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run, write the report, print the figures."""
    args = parse_args(argv)
    result = run(args)
    if args.output is not None and "ingest" in args.only and "answers" in args.only:
        report.write(args.output, result)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key in (
            *report.TARGETS,
            "ask_p50_ms",
            "ask_p95_ms",
            "http_p95_ms_c8",
            "pdf_layout_vs_plain",
        ):
            if key in result:
                print(f"{key:>22}: {result[key]}")
        print(f"{'total_s':>22}: {result['total_s']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
