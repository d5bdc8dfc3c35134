"""A case's tables as Parquet in the case directory, with all-or-nothing changes.

Each table is a list of immutable segments (Parquet folders); ``catalog.json`` names the
segments that make up each table. An insert writes a new segment; a delete or update writes
the table's remaining rows as one new segment and drops the old ones. A transaction changes
the catalog in memory and writes it (atomically, by rename) only when it commits, so a
failed ingest leaves the tables as they were, as DuckDB's transactions do.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A table read from more segments than this is compacted into one on the next write.
MAX_SEGMENTS = 24


@dataclass
class TableEntry:
    """One table: its Spark DDL column list and its segment folders, oldest first."""

    ddl: str
    segments: list[str] = field(default_factory=list)


class TableStore:
    """The catalog of one case's Parquet tables (data is written by the engine)."""

    def __init__(self, catalog: Path, root: str) -> None:
        """``catalog``: the local catalog file; ``root``: a folder or URL for the Parquet."""
        self.catalog = catalog
        self.root = root
        self.tables: dict[str, TableEntry] = {}
        self.views: dict[str, str] = {}  # persistent views: name -> DuckDB SQL of the query
        self._read()
        self.local = "://" not in self.root or self.root.startswith("file://")
        if self.local:
            Path(self.root.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        self._saved = self._copy(self.tables), dict(self.views)
        self._written: list[str] = []  # segments written since the last commit
        self._dropped: list[str] = []  # segments to remove once the change is committed
        self.depth = 0

    # -- paths ------------------------------------------------------------------------------
    def path(self, segment: str) -> str:
        """Where a segment lives: under the tables' root folder or URL."""
        return f"{self.root.rstrip('/')}/{segment}"

    def new_segment(self, table: str) -> str:
        """Name a new segment of a table; it is removed again if the change rolls back."""
        segment = f"{table}/{uuid.uuid4().hex[:16]}"
        self._written.append(segment)
        return segment

    # -- catalog ----------------------------------------------------------------------------
    def _read(self) -> None:
        if not self.catalog.is_file():
            return
        data: dict[str, Any] = json.loads(self.catalog.read_text(encoding="utf-8"))
        self.tables = {
            k: TableEntry(v["ddl"], list(v["segments"])) for k, v in data["tables"].items()
        }
        self.views = dict(data.get("views", {}))
        self.root = str(data.get("root") or self.root)  # the tables stay where they were made

    @staticmethod
    def _copy(tables: dict[str, TableEntry]) -> dict[str, TableEntry]:
        return {k: TableEntry(v.ddl, list(v.segments)) for k, v in tables.items()}

    def _write(self) -> None:
        body = {
            "format": 1,
            "root": self.root,
            "tables": {k: vars(v) for k, v in sorted(self.tables.items())},
            "views": dict(sorted(self.views.items())),
        }
        tmp = self.catalog.with_name(f".{self.catalog.name}.{os.getpid()}")
        tmp.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        tmp.replace(self.catalog)

    def create(self, table: str, ddl: str) -> bool:
        """Add an empty table; False when it exists already."""
        if table in self.tables:
            return False
        self.tables[table] = TableEntry(ddl)
        self._changed()
        return True

    def append(self, table: str, segment: str) -> None:
        """Add a newly written segment to a table."""
        self.tables[table].segments.append(segment)
        self._changed()

    def replace(self, table: str, segment: str | None) -> None:
        """The table is now only ``segment`` (or empty); its old segments go on commit."""
        entry = self.tables[table]
        self._dropped += entry.segments
        entry.segments = [segment] if segment else []
        self._changed()

    def drop(self, table: str) -> None:
        """Remove a table; its segments go on commit."""
        entry = self.tables.pop(table)
        self._dropped += entry.segments
        self._changed()

    def set_view(self, name: str, sql: str | None) -> None:
        """Record (or, with None, forget) a persistent view."""
        if sql is None:
            self.views.pop(name, None)
        else:
            self.views[name] = sql
        self._changed()

    # -- transactions --------------------------------------------------------------------------
    def begin(self) -> None:
        """Open a transaction; a nested one joins the outer one."""
        self.depth += 1

    def commit(self) -> None:
        """Close a transaction; the outermost commit writes the catalog and drops old segments."""
        self.depth -= 1
        if self.depth == 0:
            self._commit()

    def rollback(self) -> None:
        """Undo every change since the last commit and remove the segments written meanwhile."""
        self.depth = 0
        self.tables = self._copy(self._saved[0])
        self.views = dict(self._saved[1])
        for segment in self._written:
            self._remove(segment)
        self._written, self._dropped = [], []

    def _changed(self) -> None:
        if self.depth == 0:  # outside a transaction every statement commits on its own
            self._commit()

    def _commit(self) -> None:
        self._write()
        for segment in self._dropped:
            self._remove(segment)
        self._saved = self._copy(self.tables), dict(self.views)
        self._written, self._dropped = [], []

    def _remove(self, segment: str) -> None:
        # Segments on a cluster file system stay (unreferenced) for the operator to clean.
        if self.local:
            shutil.rmtree(self.path(segment).removeprefix("file://"), ignore_errors=True)
