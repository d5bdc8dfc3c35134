"""Deconfliction: exchange keyed hashes of strong selectors, learn who else holds our persons.

Each agency writes a *selector file*: for every normalised strong selector of its case
(phone, e-mail, username ``platform:handle``, payment account ``provider:account``, device
id) one line with the kind, ``HMAC-SHA256(operation key, domain | kind | value)``, the
roles of the persons holding it and the months it was first and last seen. Raw values
never leave the case. Lines are sorted by the hash, so a file does not show which
selectors belong to one person. Another agency holding the same operation key computes the
same hashes over its own selectors and learns which of *its* persons the file's holder
also has, by selector kind, and nothing about the rest. See docs/share.md for the threat
model and key rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline.errors import UsageError
from threadline.share import sql as share_sql
from threadline.store.engine import Engine

if TYPE_CHECKING:
    from threadline.case import Case

FORMAT = "threadline-selectors"
VERSION = 1
DOMAIN = b"threadline-selector-v1"
MIN_KEY_BYTES = 32  # 256 bits: an operation key is never a password a person chose


def generate_key(path: Path) -> Path:
    """Write a new random 256-bit operation key (hex) readable by the owner only."""
    if path.exists():
        raise UsageError(f"{path} exists; refusing to overwrite a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    return path


def load_key(path: Path) -> bytes:
    """An operation key from a file: hex text of at least 256 bits, as ``share keygen`` writes.

    Text a person typed (a passphrase, a short hex string) is refused: anyone holding a
    selector file could test guesses of it offline and then every phone number in it.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the operation key ({exc})") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < MIN_KEY_BYTES:
        raise UsageError(
            f"{path}: not an operation key: it must be at least {MIN_KEY_BYTES} bytes "
            f"({MIN_KEY_BYTES * 2} hex digits) of random data; make one with "
            "`threadline share keygen --out FILE`"
        )
    return key


def selector_hash(key: bytes, kind: str, value: str) -> str:
    """The keyed hash of one selector, as selector files carry it."""
    message = DOMAIN + b"\x1f" + kind.encode() + b"\x1f" + value.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _month(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m") if at else None


@dataclass
class _Entry:
    kind: str
    roles: set[str] = field(default_factory=set)
    first: str | None = None
    last: str | None = None
    persons: set[str] = field(default_factory=set)


def _hashed(engine: Engine, key: bytes) -> dict[str, _Entry]:
    """Our selectors by hash, with roles, months and (kept local) our person ids."""
    entries: dict[str, _Entry] = {}
    for row in share_sql.strong_selectors(engine):
        digest = selector_hash(key, row["kind"], str(row["value"]))
        e = entries.setdefault(digest, _Entry(row["kind"]))
        e.roles.add(str(row["role"]))
        e.persons.add(str(row["person_id"]))
        first, last = _month(row["first_seen"]), _month(row["last_seen"])
        e.first = min(filter(None, (e.first, first)), default=None)
        e.last = max(filter(None, (e.last, last)), default=None)
    return entries


def write_selectors(engine: Engine, key: bytes, out: Path, holder: str) -> dict[str, Any]:
    """Write a selector file; return its header (holder, counts by kind; no key id)."""
    entries = _hashed(engine, key)
    kinds: dict[str, int] = {}
    for e in entries.values():
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    header = {
        "format": FORMAT,
        "version": VERSION,
        "holder": holder,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "hash": "HMAC-SHA256",
        "selectors": len(entries),
        "kinds": dict(sorted(kinds.items())),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header, sort_keys=True) + "\n")
        for digest in sorted(entries):
            e = entries[digest]
            line = {
                "kind": e.kind,
                "hmac": digest,
                "roles": sorted(e.roles),
                "first_seen": e.first,
                "last_seen": e.last,
            }
            fh.write(json.dumps(line, sort_keys=True) + "\n")
    return header


@dataclass
class SelectorFile:
    """A selector file as read: its header and its entries by hash."""

    path: Path
    header: dict[str, Any]
    entries: dict[str, dict[str, Any]]


def read_selectors(path: Path) -> SelectorFile:
    """Read and check a selector file (format, version, one JSON object per line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0]) if lines else {}
        entries = {}
        for n, line in enumerate(lines[1:], start=2):
            item = json.loads(line)
            if not isinstance(item, dict) or "hmac" not in item or "kind" not in item:
                raise UsageError(f"{path}, line {n}: not a selector entry")
            entries[str(item["hmac"])] = item
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable selector file ({exc})") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise UsageError(f"{path}: not a {FORMAT} file of version {VERSION}")
    return SelectorFile(path, header, entries)


def match(engine: Engine, key: bytes, files: list[Path]) -> list[dict[str, Any]]:
    """Which of our persons each file's holder also holds, by selector kind.

    Returns one row per (our person, holder) with the matching kinds and what the holder
    tagged them with (roles, months first and last seen).
    """
    ours = _hashed(engine, key)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in files:
        # Files carry no key id: any value derived from the key would let whoever holds a
        # file confirm a guessed key offline. A file made under another key matches nothing.
        theirs = read_selectors(path)
        holder = str(theirs.header.get("holder") or path.name)
        for digest, entry in theirs.entries.items():
            mine = ours.get(digest)
            if mine is None:
                continue
            for person in sorted(mine.persons):
                row = found.setdefault(
                    (person, holder),
                    {
                        "person_id": person,
                        "holder": holder,
                        "file": str(path),
                        "kinds": set(),
                        "their_roles": set(),
                        "their_first_seen": None,
                        "their_last_seen": None,
                    },
                )
                row["kinds"].add(entry["kind"])
                row["their_roles"].update(entry.get("roles") or [])
                for k, pick in (("first_seen", min), ("last_seen", max)):
                    seen = [v for v in (row[f"their_{k}"], entry.get(k)) if v]
                    row[f"their_{k}"] = pick(seen) if seen else None
    return [
        {**r, "kinds": sorted(r["kinds"]), "their_roles": sorted(r["their_roles"])}
        for _, r in sorted(found.items())
    ]


def share_selectors(case: Case, key: bytes, out: Path, holder: str | None = None) -> dict[str, Any]:
    """Write the case's selector file and record it in the audit log.

    Args:
        case: an open, resolved case.
        key: the operation key shared by the agencies.
        out: the selector file to write.
        holder: the agency's name in the file (default: the case name).

    Returns:
        The file's header.
    """
    header = write_selectors(case.engine, key, out, holder or str(case.info.get("name")))
    case.note("share_selectors", {"out": str(out.resolve()), **header})
    return header


def share_match(case: Case, key: bytes, files: list[Path]) -> list[dict[str, Any]]:
    """Match other agencies' selector files against the case; audited like every share."""
    rows = match(case.engine, key, files)
    summary = [{k: r[k] for k in ("person_id", "holder", "kinds")} for r in rows]
    details = {"files": [str(f.resolve()) for f in files], "matches": summary}
    case.note("share_match", details)
    return rows
