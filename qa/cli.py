"""The ``verbatim`` command line: ingest, inspect, ask, chat, serve, slack (and eval, registered
by the ``eval`` package through the ``verbatim.commands`` entry-point group).

A thin adapter: each command reads the settings once, builds the shared components and calls the
same chain as every other entry point.  Errors print in red and exit non-zero, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from qa.errors import DatasetError, VerbatimError
from qa.progress import IngestProgressBar
from qa.settings import Settings, get_settings

app = typer.Typer(
    name="verbatim",
    help="Answers from your documents, quoted exactly - or a plain statement that they do not say.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where the index lives (env VERBATIM_DATA_DIR).", show_default=False
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

COMMANDS_GROUP = "verbatim.commands"

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn Verbatim errors into a red message and an exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DatasetError as exc:
            err_console.print(f"[red]error:[/red] {escape(exc.message)}")
            raise typer.Exit(2) from None
        except VerbatimError as exc:
            err_console.print(f"[red]error:[/red] {escape(exc.message)}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/yellow]")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def load_settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """The environment's settings with command-line overrides applied."""
    try:
        settings = get_settings()
    except VerbatimError:
        raise
    except Exception as exc:  # pydantic validation of the environment
        from qa.errors import ConfigError

        raise ConfigError(f"Invalid configuration: {exc}") from exc
    update = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        update["data_dir"] = data_dir
    return settings.model_copy(update=update) if update else settings


@app.command()
@friendly_errors
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: corpus/).")
    ] = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove documents whose files are gone.")
    ] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Ingest files or folders incrementally (unchanged files are skipped)."""
    from qa.components import build

    settings = load_settings(data_dir)
    targets = list(paths) if paths else [Path(settings.corpus_dir)]
    parts = build(settings)
    report = parts.pipeline().run(
        targets, prune=prune, progress=IngestProgressBar(None if as_json else err_console)
    )
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        table = Table(title="ingest", show_header=False)
        for key in (
            "documents",
            "new",
            "changed",
            "unchanged",
            "removed",
            "embedded",
            "chunks_total",
        ):
            table.add_row(key, str(getattr(report, key)))
        table.add_row("skipped", str(len(report.skipped)))
        table.add_row("failed", str(len(report.failed)))
        table.add_row("seconds", f"{report.seconds:.1f}")
        console.print(table)
        for gap in report.gaps:
            console.print(
                f"[yellow]gap[/yellow] {escape(gap['document'])} @{gap['offset']}: "
                f"“{escape(gap['announcement'])}” is followed by nothing"
            )
        for item in report.failed:
            err_console.print(f"[red]failed[/red] {escape(item['path'])}: {escape(item['error'])}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def inspect(
    document: Annotated[
        str, typer.Argument(help="Document id (as listed by ingest), or its file name.")
    ],
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Show what was indexed from one document: structure, spans, caption, chunks, gaps."""
    from ingest.blocks import document_outline
    from qa.components import open_database
    from qa.errors import NotFoundError
    from vectorstore import SourceStore

    settings = load_settings(data_dir)
    sources = SourceStore(open_database(settings))
    doc = sources.get_document(document)
    if doc is None:
        matches = [
            d["id"] for d in sources.list_documents() if Path(d["id"]).name == Path(document).name
        ]
        doc = sources.get_document(matches[0]) if len(matches) == 1 else None
    if doc is None:
        raise NotFoundError(
            f"No document {document!r} in {settings.data_dir}; run `verbatim ingest` first."
        )
    chunks = sources.chunks_for(doc.id)
    if as_json:
        data = doc.to_dict(with_text=False)
        data["text_length"] = len(doc.text)
        data["structure"] = document_outline(doc.text, doc.blocks)
        data["chunks"] = [
            {"id": c.id, "start": c.start, "end": c.end, "section": c.section, "text": c.text}
            for c in chunks
        ]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(
        Panel(
            f"[bold]{escape(doc.id)}[/bold]\n{escape(doc.path)}\n{len(doc.text)} characters, "
            f"{len(chunks)} chunks, title: {escape(doc.title or '-')}"
        )
    )
    if doc.caption:
        console.print(
            f"[cyan]caption[/cyan] [{doc.caption.start}:{doc.caption.end}] "
            f"{escape(doc.caption.text)}"
        )
    for span in doc.excluded:
        console.print(
            f"[magenta]excluded {span.kind}[/magenta] [{span.start}:{span.end}] "
            f"{escape(span.text)!r}"
        )
    for s in doc.sections:
        console.print(f"[green]section[/green] h{s.level} [{s.start}:{s.end}] {escape(s.title)}")
    _print_outline(document_outline(doc.text, doc.blocks))
    for gap in doc.gaps:
        console.print(f"[yellow]gap[/yellow] @{gap.offset} {escape(gap.announcement)}")
    table = Table("#", "start", "end", "section", "text")
    for c in chunks:
        preview = c.text if len(c.text) < 90 else c.text[:87] + "..."
        table.add_row(
            str(c.index), str(c.start), str(c.end), escape(c.section or ""), escape(preview)
        )
    console.print(table)


def _print_outline(outline: list[dict[str, Any]]) -> None:
    """Headings, lists with their items, code, tables, quotations and boilerplate."""
    colours = {
        "heading": "green",
        "term": "green",
        "list": "blue",
        "code": "cyan",
        "boilerplate": "magenta",
    }
    for entry in outline:
        kind = entry["kind"]
        where = f"[{entry['start']}:{entry['end']}]"
        colour = colours.get(kind, "white")
        if kind == "list":
            console.print(f"[{colour}]list[/{colour}] {where} {len(entry['items'])} items")
            for item in entry["items"]:
                indent = "  " * max(item["level"], 1)
                console.print(
                    f"{indent}[{item['start']}:{item['end']}] {escape(_short(item['text']))}"
                )
            continue
        label = f"h{entry['level']}" if kind in ("heading", "term") else ""
        console.print(
            f"[{colour}]{kind}[/{colour}] {label} {where} {escape(_short(entry['text']))}"
        )


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _load_history(path: Path | None) -> list[Any]:
    from qa.errors import InvalidRequestError
    from qa.types import Turn

    if path is None:
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        items = raw.get("history", raw) if isinstance(raw, dict) else raw
        return [Turn.model_validate(t) for t in items]
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidRequestError(
            f"Cannot read the history file {path}: expected a JSON list of "
            f'{{"role": "user"|"assistant", "content": "..."}} ({exc})'
        ) from exc


def print_answer(answer: Any) -> None:
    """Render an Answer for people: text, numbered quotes with their locations."""
    style = "yellow" if answer.refused else "green"
    title = f"refused: {answer.refusal_reason}" if answer.refused else "answer"
    console.print(Panel(escape(answer.answer), title=title, border_style=style))
    for c in answer.citations:
        where = (
            f"{c.document}"
            + (f" · {c.section}" if c.section else "")
            + f" · chars {c.start}-{c.end}"
        )
        console.print(f"[bold][{c.id}][/bold] “{escape(c.quote)}”\n    [dim]{escape(where)}[/dim]")
    for g in answer.gaps:
        console.print(
            f"[yellow]gap[/yellow] {escape(g.document)} @{g.offset}: {escape(g.announcement)}"
        )


@app.command()
@friendly_errors
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    history: Annotated[
        Path | None, typer.Option("--history", help="JSON file of earlier turns.")
    ] = None,
    backend: Annotated[str | None, typer.Option("--backend", help="Answer backend name.")] = None,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Answer one question from the indexed documents."""
    from qa.components import build

    settings = load_settings(data_dir)
    turns = _load_history(history)
    answer = build(settings).chain(backend).ask(question, turns)
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(answer)


@app.command()
@friendly_errors
def chat(
    backend: Annotated[str | None, typer.Option("--backend", help="Answer backend name.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Interactive conversation in the terminal (empty line or Ctrl-D to quit)."""
    from qa.components import build
    from qa.types import Turn

    settings = load_settings(data_dir)
    chain = build(settings).chain(backend)
    turns: list[Turn] = []
    console.print("[dim]Ask about the documents. Empty line or Ctrl-D quits.[/dim]")
    while True:
        try:
            question = console.input("[bold]you>[/bold] ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = chain.ask(question, turns)
        except VerbatimError as exc:
            err_console.print(f"[red]error:[/red] {escape(exc.message)}")
            continue
        print_answer(answer)
        turns += [
            Turn(role="user", content=question),
            Turn(role="assistant", content=answer.answer, refused=answer.refused),
        ]


@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Serve the HTTP API and the web chat page."""
    import uvicorn

    from qa.api.app import create_app

    settings = load_settings(data_dir)
    console.print(f"Verbatim on http://{host}:{port}/  (data: {settings.data_dir})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
@friendly_errors
def slack(data_dir: DataDir = None) -> None:
    """Run the Slack bot over Socket Mode (VERBATIM_SLACK__BOT_TOKEN and __APP_TOKEN)."""
    import logging

    from qa.slack import run_socket_mode

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    run_socket_mode(load_settings(data_dir))


def register_commands(target: typer.Typer) -> None:
    """Add the commands other packages declare in the ``verbatim.commands`` entry-point group.

    ``verbatim eval`` comes from the ``eval`` package this way (``eval.cli:eval_command``), so
    ``qa`` never imports ``eval``. An entry point whose package is missing is skipped.
    """
    for entry in entry_points(group=COMMANDS_GROUP):
        try:
            command = entry.load()
        except ImportError:
            continue
        target.command(name=entry.name)(friendly_errors(command))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


register_commands(app)
