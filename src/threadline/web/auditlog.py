"""Audit entries of the workbench, written by one thread in group commits.

A request that must be audited hands its entry to the writer and waits until the entry is
committed, so nothing is shown before it is recorded; entries arriving together share one
transaction, so twenty analysts clicking at once cost one commit, not twenty.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any

from threadline.store import audit
from threadline.store.engine import Engine

BATCH = 256


@dataclass
class _Entry:
    action: str
    details: dict[str, Any]
    os_user: str
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class AuditWriter:
    """The thread that writes audit entries; entries arriving together share one commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[_Entry | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def append(self, action: str, details: dict[str, Any], os_user: str) -> None:
        """Append one entry to the hash-chained log; returns once it is committed."""
        entry = _Entry(action, details, os_user)
        self._queue.put(entry)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._commit(batch)

    def _commit(self, batch: list[_Entry]) -> None:
        try:
            with self._engine.transaction():
                audit.append_many(self._engine, [(e.action, e.details, e.os_user) for e in batch])
        except Exception as exc:  # noqa: BLE001 - handed to every waiting request
            for e in batch:
                e.error = exc
        for e in batch:
            e.done.set()

    def close(self) -> None:
        """Stop the writer after the entries already queued are committed (waits up to 30 s)."""
        self._queue.put(None)
        self._thread.join(timeout=30)
