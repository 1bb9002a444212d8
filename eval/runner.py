"""Run eval datasets against the in-process chain or a running server, and gate on thresholds.

Which index a dataset is evaluated against (no ``--url``):

- ``--corpus DIR``: DIR is ingested into one temporary data dir used for every dataset.
- otherwise a dataset's ``corpus:`` is ingested: into ``--data-dir`` when one was given and all
  datasets name the same corpus (incremental, so cheap when unchanged), else into a temporary
  data dir per distinct corpus, so datasets over different corpora never share an index;
- a dataset without ``corpus:`` uses the configured data dir as it is.

With ``--url`` the server's own index is used; ``corpus:`` fields are ignored and ``--corpus`` is
refused.  Citation exactness is always checked independently of the chain: against the source
store in-process, or against ``GET /v1/documents/{id}`` over HTTP.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from eval.dataset import EvalCase, EvalDataset, load_dataset
from eval.metrics import (
    CaseResult,
    DatasetRun,
    check_citation,
    check_thresholds,
    compute_metrics,
    judge_case,
)
from eval.report import write_report
from qa.errors import (
    AuthError,
    ConfigError,
    DatasetError,
    IndexNotReadyError,
    IngestError,
    InvalidRequestError,
    VerbatimError,
)
from qa.progress import IngestProgressBar
from qa.settings import Settings
from qa.types import Answer, Turn

if TYPE_CHECKING:
    from qa.components import Components

__all__ = [
    "EvalTarget",
    "HttpTarget",
    "LocalTarget",
    "default_dataset",
    "run_cli",
    "run_dataset",
]


def default_dataset() -> Path:
    """The dataset used when none is given: ``eval/datasets/sample.yaml``."""
    import eval as package

    return Path(package.__file__).resolve().parent / "datasets" / "sample.yaml"


class EvalTarget(Protocol):
    """Something that answers questions and can show the stored text of a document."""

    label: str

    def ask(self, question: str, history: list[Turn]) -> Answer:
        """Answer one question (a typed refusal is an Answer too)."""
        ...

    def source_text(self, doc_id: str) -> str | None:
        """The stored text of a document, or None when it is unknown."""
        ...


class LocalTarget:
    """The in-process chain over a :class:`~qa.components.Components`."""

    def __init__(self, components: Components, backend: str | None = None) -> None:
        self.components = components
        self.chain = components.chain(backend)
        self.label = f"local:{components.settings.data_dir}"

    def ask(self, question: str, history: list[Turn]) -> Answer:
        """Ask the chain."""
        return self.chain.ask(question, history)

    def warm_up(self) -> None:
        """One untimed question, so lazy loading does not count as the first case's latency."""
        try:
            self.chain.ask("What is this document about?", [])
        except (ConfigError, IndexNotReadyError):
            raise
        except VerbatimError:
            pass

    def source_text(self, doc_id: str) -> str | None:
        """Read the source store directly, not through the chain."""
        return self.components.sources.get_text(doc_id)


class HttpTarget:
    """A running Verbatim server: ``POST /v1/ask`` and ``GET /v1/documents/{id}``."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        client: httpx.Client | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = url.rstrip("/")
        self.label = self.url
        self._owns_client = client is None
        self.client = client or httpx.Client(base_url=self.url, timeout=timeout_s)
        self.client.headers.update(headers)
        self._texts: dict[str, str | None] = {}

    def close(self) -> None:
        """Close the HTTP client (unless it was passed in)."""
        if self._owns_client:
            self.client.close()

    def ask(self, question: str, history: list[Turn]) -> Answer:
        """POST the question; a 422 becomes an ``invalid_request`` refusal."""
        body = {"question": question, "history": [t.model_dump() for t in history]}
        response = self._request("POST", "/v1/ask", json=body)
        if response.status_code == 422:
            raise InvalidRequestError(_error_message(response))
        self._raise_for(response)
        try:
            return Answer.model_validate(response.json())
        except ValueError as exc:
            raise VerbatimError(f"{self.url}/v1/ask did not return an Answer") from exc

    def source_text(self, doc_id: str) -> str | None:
        """GET the document's stored text (cached per document)."""
        if doc_id not in self._texts:
            response = self._request("GET", f"/v1/documents/{quote(doc_id, safe='/')}")
            if response.status_code == 404:
                self._texts[doc_id] = None
            else:
                self._raise_for(response)
                text = response.json().get("text")
                self._texts[doc_id] = text if isinstance(text, str) else None
        return self._texts[doc_id]

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise VerbatimError(f"Cannot reach {self.url}{path}: {exc}") from exc

    def _raise_for(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        detail = _error_message(response)
        message = f"{response.request.url} answered {response.status_code}: {detail}"
        if response.status_code in (401, 403):
            raise AuthError(message + " (pass --api-key or set VERBATIM_EVAL_API_KEY)")
        if response.status_code == 503:
            raise IndexNotReadyError(message)
        raise VerbatimError(message)


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("message") or error or response.text[:200])
    except (ValueError, AttributeError):
        return response.text[:200]


def run_case(case: EvalCase, target: EvalTarget) -> CaseResult:
    """Ask one case's question and judge the answer, checking every quote against the source."""
    started = time.perf_counter()
    error: str | None = None
    answer: Answer | None
    try:
        answer = target.ask(case.question, list(case.history))
    except InvalidRequestError as exc:
        # The contract's typed refusal for a malformed question, however the target signals it.
        answer = Answer(answer=exc.message, refused=True, refusal_reason="invalid_request")
    except (AuthError, ConfigError, IndexNotReadyError):
        raise  # nothing else can succeed either
    except VerbatimError as exc:
        answer, error = None, f"{type(exc).__name__}: {exc.message}"
    latency_ms = (time.perf_counter() - started) * 1000
    exact: list[bool] = []
    if answer is not None:
        exact = [check_citation(c, target.source_text(c.document)) for c in answer.citations]
    return judge_case(case, answer, exact=exact, latency_ms=latency_ms, error=error)


def run_dataset(
    dataset: EvalDataset,
    target: EvalTarget,
    *,
    overrides: dict[str, float | None] | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> DatasetRun:
    """Run every case of ``dataset`` against ``target``; metrics and threshold checks included."""
    results = []
    for case in dataset.cases:
        result = run_case(case, target)
        results.append(result)
        if on_case is not None:
            on_case(result)
    metrics = compute_metrics(results)
    return DatasetRun(
        name=dataset.name,
        path=str(dataset.path),
        target=target.label,
        results=results,
        metrics=metrics,
        checks=check_thresholds(metrics, dataset.thresholds, overrides),
    )


class _Indexes:
    """Builds (once) and ingests (once) the components for each data dir the run needs."""

    def __init__(
        self,
        settings: Settings,
        stack: ExitStack,
        status: Console | None,
        build: Callable[[Settings], Components] | None,
    ) -> None:
        self.settings = settings
        self.build = build
        self.stack = stack
        self.status = status
        self.parts: dict[Path, Components] = {}
        self.ingested: set[tuple[Path, Path]] = set()
        self.temp: dict[Path, Path] = {}

    def temporary_for(self, corpus: Path) -> Path:
        """A fresh temporary data dir for one corpus (removed when the run ends)."""
        if corpus not in self.temp:
            tmp = self.stack.enter_context(
                tempfile.TemporaryDirectory(prefix="verbatim-eval-", ignore_cleanup_errors=True)
            )
            self.temp[corpus] = Path(tmp)
        return self.temp[corpus]

    def components(self, data_dir: Path) -> Components:
        """Build the components for ``data_dir`` once."""
        data_dir = Path(data_dir)
        if data_dir not in self.parts:
            settings = self.settings.model_copy(update={"data_dir": data_dir})
            if self.build is None:
                from qa.components import build

                parts = build(settings)
                self.stack.callback(parts.sources.close)
            else:
                parts = self.build(settings)
            self.parts[data_dir] = parts
        return self.parts[data_dir]

    def ingest(self, data_dir: Path, corpus: Path) -> None:
        """Ingest ``corpus`` into ``data_dir`` (incrementally, once per run)."""
        key = (Path(data_dir), corpus)
        if key in self.ingested:
            return
        parts = self.components(data_dir)
        if self.status is not None:
            self.status.print(
                f"[dim]ingesting {escape(str(corpus))} into {escape(str(data_dir))}[/dim]"
            )
        report = parts.pipeline().run([corpus], progress=IngestProgressBar(self.status))
        for item in report.failed:
            if self.status is not None:
                where, why = escape(item["path"]), escape(item["error"])
                self.status.print(f"[yellow]ingest failed[/yellow] {where}: {why}")
        if report.chunks_total == 0:
            raise IngestError(f"Nothing could be ingested from {corpus}.")
        self.ingested.add(key)


def run_cli(
    *,
    settings: Settings,
    datasets: list[Path],
    corpus: Path | None,
    url: str | None,
    report: Path | None,
    api_key: str | None,
    overrides: dict[str, float | None],
    as_json: bool,
    console: Console,
    data_dir_given: bool,
    build: Callable[[Settings], Components] | None = None,
) -> int:
    """The ``verbatim eval`` command: run, print, write the report; 1 when a gate failed.

    ``build`` makes the components for a data dir (default :func:`qa.components.build`); tests
    pass one that reuses an already loaded model.
    """
    loaded = [load_dataset(Path(p)) for p in (datasets or [default_dataset()])]
    if url and corpus:
        raise ConfigError("--corpus cannot be combined with --url: the server uses its own index.")
    if corpus is not None and not corpus.is_dir():
        raise IngestError(f"--corpus {corpus}: no such folder.")
    for ds in loaded:
        if ds.corpus is not None and not ds.corpus.is_dir() and not url and corpus is None:
            raise DatasetError(f"{ds.path}: case -: field 'corpus': no such folder {ds.corpus}")
    status = None if as_json else Console(stderr=True)
    runs: list[DatasetRun] = []
    with ExitStack() as stack:
        if url:
            http = HttpTarget(url, api_key=api_key)
            stack.callback(http.close)
            runs = [_run_with_progress(ds, http, overrides, status) for ds in loaded]
        else:
            indexes = _Indexes(settings, stack, status, build)
            for ds in loaded:
                data_dir = _data_dir_for(ds, loaded, settings, corpus, data_dir_given, indexes)
                parts = indexes.components(data_dir)
                target = LocalTarget(parts)
                target.warm_up()
                runs.append(_run_with_progress(ds, target, overrides, status))
    if as_json:
        if len(runs) == 1:
            print(json.dumps(runs[0].summary(), indent=2, ensure_ascii=False))
        else:
            print(json.dumps({"datasets": _keyed(runs)}, indent=2, ensure_ascii=False))
    else:
        for run in runs:
            print_run(run, console)
    if report is not None:
        write_report(report, runs)
        if status is not None:
            status.print(f"report written to {escape(str(report))}")
    return 0 if all(run.ok for run in runs) else 1


def _data_dir_for(
    ds: EvalDataset,
    loaded: Sequence[EvalDataset],
    settings: Settings,
    corpus: Path | None,
    data_dir_given: bool,
    indexes: _Indexes,
) -> Path:
    if corpus is not None:
        source = corpus.resolve()
        data_dir = indexes.temporary_for(source)
    elif ds.corpus is not None:
        source = ds.corpus
        corpora = {d.corpus for d in loaded if d.corpus is not None}
        data_dir = (
            Path(settings.data_dir)
            if data_dir_given and len(corpora) == 1
            else indexes.temporary_for(source)
        )
    else:
        return Path(settings.data_dir)
    indexes.ingest(data_dir, source)
    return data_dir


def _run_with_progress(
    ds: EvalDataset,
    target: EvalTarget,
    overrides: dict[str, float | None],
    status: Console | None,
) -> DatasetRun:
    if status is None:
        return run_dataset(ds, target, overrides=overrides)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=status,
        transient=True,
    ) as progress:
        task = progress.add_task(f"eval {escape(ds.name)}", total=len(ds.cases), last="")

        def advance(result: CaseResult) -> None:
            mark = "[green]✓[/green]" if result.passed else "[red]✗[/red]"
            progress.update(task, advance=1, last=f"{mark} {escape(result.case.id)}")

        return run_dataset(ds, target, overrides=overrides, on_case=advance)


def _keyed(runs: Sequence[DatasetRun]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        key = run.name if run.name not in out else f"{run.name} ({run.path})"
        out[key] = run.summary()
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.1f}"
    return str(value)


def print_run(run: DatasetRun, console: Console) -> None:
    """Per-case results, the metrics summary and the failed thresholds, as rich tables."""
    cases = Table(title=f"{escape(run.name)} — {len(run.results)} cases", title_justify="left")
    for column in ("id", "expected", "got", "result", "ms", "why"):
        cases.add_column(column, overflow="fold")
    for r in run.results:
        result = "[green]pass[/green]" if r.passed else "[red]FAIL[/red]"
        cases.add_row(
            escape(r.case.id),
            escape(r.expected),
            escape(r.got),
            result,
            f"{r.latency_ms:.0f}",
            escape("; ".join(r.why + r.notes)),
        )
    console.print(cases)

    gates = {c.metric: c for c in run.checks}
    summary = Table(title=f"{escape(run.name)} — metrics", title_justify="left")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    summary.add_column("gate")
    for key, value in run.metrics.items():
        if key == "failures":
            continue
        check = gates.get(key)
        gate = ""
        if check is not None:
            sign = ">=" if check.kind == "min" else "<="
            mark = "[green]ok[/green]" if check.ok else "[red]FAILED[/red]"
            gate = f"{sign} {check.bound} {mark}"
        summary.add_row(key, _fmt(value), gate)
    console.print(summary)
    if run.failed_checks:
        for check in run.failed_checks:
            console.print(f"[red]threshold failed:[/red] {escape(check.describe())}")
    else:
        tally = f"{run.metrics['passed']}/{run.metrics['cases']} cases passed"
        console.print(f"[green]all thresholds met[/green] ({tally})")
