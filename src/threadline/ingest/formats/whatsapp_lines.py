"""The pieces of a WhatsApp "export chat" line: headers, dates, attachments, system lines.

A message starts with a header such as ``20/01/19, 11:23 - `` (Android) or
``[01/20/19, 11:23:05] `` (iOS), in the phone's locale: day or month first, two- or
four-digit years, ISO order, 12 h with AM/PM (``a. m.``, ``PM`` after a narrow no-break
space) or 24 h, with or without seconds. Lines without a header continue the message above.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_SP = "[ \u00a0\u202f]"
HEADER = re.compile(
    r"(?P<open>\[)?"
    r"(?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    rf",?{_SP}"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    rf"(?:{_SP}?(?P<ampm>[AaPp]\.?{_SP}?[Mm]\.?))?"
    rf"(?(open)\]{_SP}?|{_SP}?[-\u2013]{_SP})"
)
_match = HEADER.match
# Marks that some phones put before a line or a body (left-to-right mark, BOM).
INVISIBLE = "\u200e\u200f\ufeff"

MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<Medien ausgelassen>",
        "<Multimedia omitido>",
        "<Médias omis>",
        "<Media weggelaten>",
        "<Mídia oculta>",
        "<Media tidak disertakan>",
        "<Media dihilangkan>",
    }
)
_ATTACHED = re.compile(r"<attached: (?P<name>[^<>]+)>")
_FILE_ATTACHED = re.compile(r"^(?P<name>\S.*?\.\w{1,5}) \(file attached\)")
_IOS_OMITTED = re.compile(
    r"^(?:image|video|audio|sticker|GIF|document|Contact card) omitted$", re.IGNORECASE
)
_MAPS = re.compile(
    r"maps\.google\.com/\?q=(?P<lat>-?\d{1,2}(?:\.\d+)?),(?P<lon>-?\d{1,3}(?:\.\d+)?)"
)

# English system lines: (pattern, event type); ``who`` names the account it is about.
SYSTEM_LINES = tuple(
    (re.compile(p), t)
    for p, t in (
        (r"^(?P<who>.+?) created (?:group|this group)", "group_created"),
        (r"^(?P<who>.+?) (?:was|were) added", "member_added"),
        (r"^(?P<who>.+?) added ", "member_added"),
        (r"^(?P<who>.+?) removed ", "member_removed"),
        (r"^(?P<who>.+?) left$", "member_left"),
        (r"^(?P<who>.+?) joined using this group's invite link", "member_joined"),
        (r"^(?P<who>.+?) changed the (?:subject|group name)", "subject_changed"),
        (r"^(?P<who>.+?) changed (?:this group's icon|the group description)", "group_changed"),
        (r"^(?P<who>.+?) changed (?:their|your) phone number", "number_changed"),
        (r"^Your security code with (?P<who>.+?) changed", "security_code_changed"),
        (r"^Security code changed", "security_code_changed"),
        (r"end-to-end encrypted", "encryption_notice"),
        (r"^Missed (?:voice|video) call", "missed_call"),
        (r"disappearing messages", "disappearing_messages"),
    )
)
_MAX_AUTHOR = 100


class Header(NamedTuple):
    """A message header: its date parts as written, its time, and the text after it."""

    a: str
    b: str
    c: str
    hour: int
    minute: str
    second: str
    pm: bool | None  # None: 24 h clock
    body: str


def match_header(line: str) -> Header | None:
    """The header at the start of ``line``, if there is one."""
    if line[:1] in INVISIBLE:
        line = line.lstrip(INVISIBLE)
    m = _match(line)
    if m is None:
        return None
    _, a, _, b, c, h, mi, sec, ampm = m.groups()
    pm = None if ampm is None else ampm[0] in "pP"
    return Header(a, b, c, int(h), mi, sec or "00", pm, line[m.end() :])


@lru_cache(maxsize=4096)
def _date(a: str, b: str, c: str, order: str) -> str:
    if order == "ymd":
        y, mo, d = a, b, c
    elif order == "dmy":
        d, mo, y = a, b, c
    else:
        mo, d, y = a, b, c
    year = int(y) + 2000 if len(y) <= 2 else int(y)
    return f"{year:04d}-{int(mo):02d}-{int(d):02d}T"


def iso_local(h: Header, order: str) -> str:
    """ISO 8601 text without offset (WhatsApp writes the phone's local time)."""
    hour = h.hour
    if h.pm is not None and hour <= 12:
        hour = hour % 12 + (12 if h.pm else 0)
    return f"{_date(h.a, h.b, h.c, order)}{hour:02d}:{h.minute}:{h.second}"


def split_author(body: str) -> tuple[str | None, str]:
    """(author, text) of a body; no author for system lines."""
    i = body.find(": ")
    if i <= 0 or i > _MAX_AUTHOR:
        return None, body
    author = body[:i]
    if '"' in author or "\u201c" in author or "\n" in author:
        return None, body
    return author.strip(INVISIBLE), body[i + 2 :]


def attachment(text: str) -> str | None:
    """The attachment a message body names (file name, or the export's media marker)."""
    if "<" not in text and "omitted" not in text and "(file attached)" not in text:
        return None
    first = text.split("\n", 1)[0].strip(INVISIBLE + " ")
    if first in MEDIA_OMITTED or _IOS_OMITTED.match(first):
        return first
    m = _ATTACHED.search(first) or _FILE_ATTACHED.match(first)
    return m["name"] if m else None


def is_ios_system(text: str) -> bool:
    """Whether a line's text is an iOS system line rather than an attachment.

    iOS writes system lines as ``Name: <LRM>text``; its attachments look the same.
    """
    return text.startswith("\u200e") and attachment(text) is None


def map_location(text: str) -> tuple[str, str] | None:
    """(lat, lon) of a shared location link."""
    m = _MAPS.search(text) if "maps.google" in text else None
    return (m["lat"], m["lon"]) if m else None


def system_line(text: str) -> tuple[str, str | None]:
    """(event type, who it is about) of a system line; ``system`` when not recognised."""
    for pattern, event_type in SYSTEM_LINES:
        m = pattern.search(text)
        if m:
            return event_type, m.groupdict().get("who")
    return "system", None
