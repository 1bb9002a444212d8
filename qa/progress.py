"""A rich progress bar for the embedding phase of ingest, shared by the CLI and the eval runner."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class IngestProgressBar:
    """Implements ``ingest.IngestProgress`` with a transient bar; ``console=None`` stays silent."""

    def __init__(self, console: Console | None) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task: Any = None

    def start(self, total_chunks: int, total_files: int) -> None:
        """Show the bar (not for an ingest with nothing to embed)."""
        if self.console is None or total_chunks == 0:
            return
        self.progress = Progress(
            TextColumn(f"embedding {total_files} file(s)"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("embed", total=total_chunks)

    def note(self, message: str) -> None:
        """Print a one-line note about a slow preparation step."""
        if self.console is not None:
            self.console.print(f"[dim]{message}[/dim]")

    def advance(self, chunks: int) -> None:
        """Count embedded chunks."""
        if self.progress is not None:
            self.progress.advance(self.task, chunks)

    def finish(self) -> None:
        """Remove the bar."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
