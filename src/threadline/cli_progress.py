"""Progress displays of the command line: rich on a terminal, plain lines otherwise.

Both write to stderr, so what a command prints on stdout (tables, JSON) stays clean for
scripts. ``threadline --quiet`` shows neither. A plain line is written when a file is
opened and when it has been read, when a stage starts and ends, and once per step (one stage
function, which may run several statements) that wrote rows or took a second or more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress as RichBar
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from threadline.ingest.canonical import IngestReport
from threadline.progress import Progress
from threadline.store.statements import Purpose, Statement


def size_text(size: int | None) -> str:
    """A byte count as people read it (``40.2 MB``)."""
    if size is None:
        return "size unknown"
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def file_line(report: IngestReport, seconds: float) -> str:
    """What one ingested file gave: rows read, stored, duplicate, quarantined, time."""
    if report.already_ingested:
        return f"ingest: {report.path} ({report.kind}): already ingested"
    return (
        f"ingest: {report.path} ({report.kind}): {report.rows_read:,} rows read, "
        f"{report.stored:,} stored, {report.duplicate:,} duplicate, "
        f"{report.quarantined:,} quarantined ({seconds:.1f} s)"
    )


def summary_text(summary: dict[str, Any]) -> str:
    """The plain numbers of a stage summary (nested details are in the audit log)."""
    parts = [
        f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
        for k, v in summary.items()
        if isinstance(v, int | float | str) and not isinstance(v, bool)
    ]
    return ", ".join(parts)


class PlainProgress(Progress):
    """Progress as plain lines, for logs and pipes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._step: Purpose | None = None
        self._rows: int | None = None
        self._seconds = 0.0
        self._stage = ""

    def say(self, text: str) -> None:
        """Write one line as it is (no markup, no highlighting, no wrapping)."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def file_started(self, path: Path, size: int | None) -> None:
        """Say which file is being read, and how big it is."""
        self.say(f"ingest: reading {path} ({size_text(size)})")

    def file_done(self, report: IngestReport, seconds: float) -> None:
        """Say what the file gave."""
        self.say(file_line(report, seconds))

    def stage_started(self, name: str, step: int, steps: int, last_seconds: float | None) -> None:
        """Say which stage starts, and how long it took last time."""
        self._stage = name
        last = f" (last run {last_seconds:.1f} s)" if last_seconds is not None else ""
        self.say(f"analyze: step {step}/{steps} {name} started{last}")

    def statement(self, stage: str, event: Statement) -> None:
        """Add a finished statement to its step; say the step when the next one begins."""
        if not event.done:
            return
        if event.purpose != self._step:
            self._flush()
            self._step = event.purpose
        self._seconds += event.seconds
        if event.rows is not None:
            self._rows = (self._rows or 0) + event.rows

    def _flush(self) -> None:
        # A step is worth a line when it wrote rows or took a while; quick reads are not.
        if self._step is not None and (self._rows is not None or self._seconds >= 1.0):
            rows = f"{self._rows:,} rows, " if self._rows is not None else ""
            self.say(
                f"analyze: {self._stage}: {self._step.text or self._step.function}: "
                f"{rows}{self._seconds:.1f} s"
            )
        self._step, self._rows, self._seconds = None, None, 0.0

    def stage_done(self, name: str, seconds: float, summary: dict[str, Any]) -> None:
        """Say the stage's last step, its time and its summary."""
        self._flush()
        self.say(f"analyze: {name} done in {seconds:.1f} s: {summary_text(summary)}")


class RichProgress(PlainProgress):
    """Progress on a terminal: a live line per file or stage, finished lines kept above it."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.bar = RichBar(
            SpinnerColumn(table_column=Column(min_width=1, no_wrap=True)),
            TimeElapsedColumn(table_column=Column(min_width=7, no_wrap=True)),
            # The description gives way (ellipsis) before the clock does on a narrow terminal.
            TextColumn(
                "{task.description}",
                table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
            ),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None
        self._label = ""
        self.hashing = self.bar.add_task("hash media", total=None, visible=False)

    def say(self, text: str) -> None:
        """Keep a finished line above the live display."""
        self.bar.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _show(self, description: str, total: float | None = None) -> None:
        if self._task is not None:
            self.bar.remove_task(self._task)
        self._task = self.bar.add_task(self._fit(description), total=total)

    def file_started(self, path: Path, size: int | None) -> None:
        """Show the file being read."""
        self._show(f"reading {path.name} ({size_text(size)})")

    def stage_started(self, name: str, step: int, steps: int, last_seconds: float | None) -> None:
        """Show the stage under way, with its previous duration as the estimate."""
        self._stage = name
        last = f", last run {last_seconds:.1f} s" if last_seconds is not None else ""
        self._label = f"{name} (step {step}/{steps}{last})"
        self._show(self._label)

    def statement(self, stage: str, event: Statement) -> None:
        """Show the step under way and the rows it wrote so far."""
        super().statement(stage, event)
        purpose = event.purpose or self._step
        if self._task is None or purpose is None:
            return
        rows = ""
        if purpose == self._step and self._rows is not None:
            rows = f", {self._rows:,} rows"
        step = purpose.text or purpose.function
        self.bar.update(self._task, description=self._fit(f"{self._label}: {step}{rows}"))

    def _fit(self, text: str) -> str:
        """Cut a description to the terminal, leaving room for the spinner and the clock."""
        room = max(20, self.bar.console.width - 12)
        return text if len(text) <= room else text[: room - 1] + "…"

    def _flush(self) -> None:
        # Steps are shown live on a terminal; only stages and files leave lines.
        self._step, self._rows, self._seconds = None, None, 0.0

    def media_hashed(self, done: int, total: int) -> None:
        """Show media hashing: files done of the total."""
        self.bar.update(self.hashing, description=f"hash media {done:,}/{total:,}", visible=True)


@contextmanager
def display(console: Console, quiet: bool) -> Iterator[Progress]:
    """The display for this run: none when quiet, rich on a terminal, else plain lines."""
    if quiet:
        yield Progress()
    elif console.is_terminal:
        shown = RichProgress(console)
        with shown.bar:
            yield shown
    else:
        yield PlainProgress(console)
