"""What long work tells as it goes: files read by ingest, stages and steps of analysis.

A :class:`Case` reports to its ``progress`` (this class reports nothing); the command line
gives it a display (:mod:`threadline.cli_progress`): rich on a terminal, plain lines
otherwise, nothing with ``--quiet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threadline.ingest.canonical import IngestReport
from threadline.store.statements import Statement


class Progress:
    """Receives progress events; every method does nothing unless a display overrides it."""

    def file_started(self, path: Path, size: int | None) -> None:
        """Ingest starts reading a file (or folder) of ``size`` bytes where known."""

    def file_done(self, report: IngestReport, seconds: float) -> None:
        """Ingest finished a file: its rows read, stored, duplicate and quarantined."""

    def media_hashed(self, done: int, total: int) -> None:
        """Seized media hashing has done ``done`` of ``total`` files."""

    def stage_started(self, name: str, step: int, steps: int, last_seconds: float | None) -> None:
        """Analysis starts step ``step`` of ``steps``; ``last_seconds`` is its previous run."""

    def statement(self, stage: str, event: Statement) -> None:
        """A statement of the running stage started or finished."""

    def stage_done(self, name: str, seconds: float, summary: dict[str, Any]) -> None:
        """A stage committed, after ``seconds``, with its summary."""


def file_size(path: Path) -> int | None:
    """The size in bytes of a regular file; None for folders and what cannot be read."""
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None
