"""One exception hierarchy for Threadline; the CLI maps each class to an exit code."""

from __future__ import annotations

from pathlib import Path


class ThreadlineError(Exception):
    """Base of every error Threadline raises on purpose."""

    exit_code = 1


class CaseError(ThreadlineError):
    """A case directory is missing, already exists, or is not a Threadline case."""

    exit_code = 3


class CasePermissionError(CaseError):
    """The case exists but this user may not read it, or may not write it (read-only mount)."""

    exit_code = 8


class KeyRequiredError(CaseError):
    """The case is encrypted and no key, or the wrong key, was given."""

    exit_code = 4


class SourceError(ThreadlineError):
    """A whole source file cannot be ingested; nothing of it was stored.

    Carries the file and, where known, the row and field that made the file unreadable.
    """

    exit_code = 5

    def __init__(
        self, path: Path | str, reason: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.row = row
        self.field = field
        where = str(self.path)
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}")


class InvalidValue(ThreadlineError, ValueError):
    """A single value cannot be normalised (bad phone, unknown country, ...)."""

    exit_code = 5


class EngineError(ThreadlineError):
    """The storage engine refused a statement; carries the failing SQL.

    During analysis it also names the ``stage`` and the ``purpose`` of the statement (the
    stage function that ran it and the first line of its docstring).
    """

    exit_code = 6

    def __init__(
        self, message: str, sql: str, *, stage: str | None = None, purpose: str | None = None
    ) -> None:
        self.message = message
        self.sql = sql
        self.stage = stage
        self.purpose = purpose
        where = ", ".join(p for p in (f"{stage} stage" if stage else None, purpose) if p)
        text = f"{where}: {message}" if where else message
        super().__init__(f"{text}\n-- failing SQL:\n{sql}")

    def in_stage(self, stage: str, purpose: str | None) -> EngineError:
        """The same refusal, named by the analysis stage and the statement's purpose."""
        return EngineError(self.message, self.sql, stage=stage, purpose=purpose)


class VerifyError(ThreadlineError):
    """Chain of custody check failed: a source file or an audit entry was altered."""

    exit_code = 7


class UsageError(ThreadlineError):
    """The request itself is wrong (unknown kind, unknown format, bad option)."""

    exit_code = 2


class MappingError(UsageError):
    """A mapping file is invalid or does not fit the file it maps; names the file and key."""

    def __init__(self, path: Path | str, key: str | None, reason: str) -> None:
        self.path = Path(path)
        self.key = key
        self.reason = reason
        where = f"{self.path}: {key}" if key else str(self.path)
        super().__init__(f"mapping {where}: {reason}")
