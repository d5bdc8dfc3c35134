"""Append-only audit log; each entry is hash-chained to the one before it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from threadline.store.engine import Engine

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    os_user: str
    action: str
    details: str
    prev_hash: str
    hash: str


def entry_hash(seq: int, at: datetime, os_user: str, action: str, details: str, prev: str) -> str:
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), os_user, action, details, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(engine: Engine, action: str, details: dict[str, Any], os_user: str) -> AuditEntry:
    """Add one entry at the end of the chain (call inside the action's transaction)."""
    last = engine.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
    seq, prev = (int(last[0][0]) + 1, str(last[0][1])) if last else (1, GENESIS)
    at = datetime.now(UTC).replace(tzinfo=None)
    text = json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)
    digest = entry_hash(seq, at, os_user, action, text, prev)
    engine.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
        [seq, at, os_user, action, text, prev, digest],
    )
    return AuditEntry(seq, at, os_user, action, text, prev, digest)


def entries(engine: Engine) -> list[AuditEntry]:
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
