"""What every export parser shares: options, the parsed file, account ids and record ids."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from threadline.errors import ThreadlineError
from threadline.ingest.canonical import ParsedSource

# Output columns per kind, shared by the chat parsers (``_row`` is appended by the schema).
MESSAGE_COLUMNS = (
    "platform",
    "message_id",
    "sent_at",
    "sender",
    "recipient",
    "text",
    "conversation_id",
    "attachment_name",
)
EVENT_COLUMNS = ("platform", "conversation_id", "at", "actor", "text", "event_type", "event_id")
ACCOUNT_COLUMNS = ("platform", "account_id", "display_name", "phone")
LOCATION_COLUMNS = ("subject_type", "subject", "at", "lat", "lon", "source_note")

# A display name that is a phone number: digits with the usual separators, 7+ digits.
_PHONE_NAME = re.compile(r"^\+?[\d\s().\-\u00a0\u202f]{7,}$")
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class ParseOptions:
    """How to read an export beyond the file itself."""

    owner: str | None = None  # account of the device owner (WhatsApp, Telegram)
    owner_name: str | None = None  # how the owner appears as a sender in the export
    day_first: bool | None = None  # WhatsApp date order; None: detect from the whole file
    mapping: Path | None = None  # YAML mapping file for csv / jsonl / xlsx sources
    list_name: str | None = None  # hash list name (VICS); default: the file name


class Streaming(Protocol):
    """A parser's streaming pass, which keeps the typed error that stopped it."""

    error: ThreadlineError | None


@dataclass
class ParsedFile:
    """Everything a parser read from one file: a source per kind plus what it noticed."""

    path: Path
    format: str
    sources: list[ParsedSource]
    notes: list[str] = field(default_factory=list)
    stream: Streaming | None = None
    timezone: str | None = None  # a mapping's per-source timezone

    def stream_error(self) -> ThreadlineError | None:
        """The typed error that stopped a streaming pass (the engine wraps it otherwise)."""
        return self.stream.error if self.stream else None


def phone_account(name: str) -> str | None:
    """``+<digits>`` when a display name is a phone number, else None."""
    if not _PHONE_NAME.match(name):
        return None
    digits = _NOT_DIGIT.sub("", name)
    if not 7 <= len(digits) <= 15:
        return None
    return "+" + digits


def name_account(scope: str, name: str) -> str:
    """A participant known only by a display name, which means something only in ``scope``."""
    return f"name:{scope}:{name}"


def content_id(*parts: str) -> str:
    """A record id derived from content, for exports whose records carry none."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


class OccurrenceIds:
    """Content ids that stay distinct for identical records (same time, author and text).

    Only records with the same timestamp can collide, so only those are remembered.
    """

    def __init__(self) -> None:
        self._at: str | None = None
        self._seen: dict[tuple[str, ...], int] = {}

    def make(self, at: str, *parts: str) -> str:
        """A content id for a record at ``at``, counting earlier identical records."""
        if at != self._at:
            self._at = at
            self._seen = {}
        key = (at, *parts)
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return content_id(*key, str(n))


def utc_from_unix(text: str) -> str | None:
    """ISO 8601 UTC text of a Unix time given as text, or None when it is not one."""
    try:
        moment = datetime.fromtimestamp(int(text), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.isoformat()


def placeholder(kind: str, detail: str | None = None) -> str:
    """Text standing for a message with no text of its own (a photo, a sticker...)."""
    return f"<{kind}: {detail}>" if detail else f"<{kind}>"


def json_text(value: Any, *, sort_keys: bool = False) -> str:
    """JSON text of a parsed value; numbers (read as Decimal, never float) keep their digits."""
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, default=_json_number)


def _json_number(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)
