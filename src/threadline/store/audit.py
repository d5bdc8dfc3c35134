"""Append-only audit log; each entry is hash-chained to the one before it."""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from threadline.store.engine import Engine

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry: who did what and when, chained by hash to the entry before."""

    seq: int
    at: datetime
    os_user: str
    action: str
    details: str
    prev_hash: str
    hash: str


def entry_hash(seq: int, at: datetime, os_user: str, action: str, details: str, prev: str) -> str:
    """The SHA-256 of an entry's content and the previous entry's hash, which chains the log."""
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), os_user, action, details, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def os_user() -> str:
    """The operating-system user running this process (``unknown`` when it has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append_many(engine: Engine, entries: Sequence[tuple[str, dict[str, Any], str]]) -> None:
    """Add (action, details, user) entries at the end of the chain in one statement.

    Call inside the transaction of the actions they record.
    """
    if not entries:
        return
    last = engine.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
    seq, prev = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
    values: list[Any] = []
    for action, details, user in entries:
        seq += 1
        at = datetime.now(UTC).replace(tzinfo=None)
        text = json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)
        digest = entry_hash(seq, at, user, action, text, prev)
        values += [seq, at, user, action, text, prev, digest]
        prev = digest
    marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(entries))
    engine.execute(f"INSERT INTO audit VALUES {marks}", values)


def append(engine: Engine, action: str, details: dict[str, Any], user: str | None = None) -> None:
    """Add one entry at the end of the chain (call inside the action's transaction)."""
    append_many(engine, [(action, details, user or os_user())])


@contextmanager
def audited(
    engine: Engine, action: str, details: dict[str, Any] | None = None, user: str | None = None
) -> Iterator[dict[str, Any]]:
    """One transaction for an action and its audit entry: both are stored or neither.

    Yields the entry's details, which the action may complete before the entry is written.
    """
    entry = dict(details or {})
    with engine.transaction():
        yield entry
        append(engine, action, entry, user)


def entries(engine: Engine) -> list[AuditEntry]:
    """Every entry, in chain order."""
    rows = engine.query(
        'SELECT seq, "at", os_user, action, details, prev_hash, hash FROM audit ORDER BY seq'
    )
    return [AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def first_broken(engine: Engine) -> tuple[int, str] | None:
    """The first entry whose content or link does not match its hash, with the reason."""
    prev = GENESIS
    expected_seq = 1
    for e in entries(engine):
        if e.seq != expected_seq:
            return e.seq, f"entry {expected_seq} is missing (found {e.seq})"
        if e.prev_hash != prev:
            return e.seq, "link to the previous entry does not match"
        if entry_hash(e.seq, e.at, e.os_user, e.action, e.details, e.prev_hash) != e.hash:
            return e.seq, "content does not match its hash (edited outside Threadline)"
        prev = e.hash
        expected_seq += 1
    return None
