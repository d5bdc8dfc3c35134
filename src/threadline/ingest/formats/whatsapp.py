"""WhatsApp "export chat" text files: messages, system events, participants, shared places.

Two passes over the file. The first reads only the headers: how dates are written (day or
month first, decided from the whole file unless ``--day-first``/``--month-first`` says),
who wrote, and whether it is a group. The second streams the records. The export writes the
phone's local time without an offset, so timestamps are naive: ingest with ``--timezone``
or they are quarantined as ``naive_timestamp``. ``_row`` is the line of a message's header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from threadline.errors import SourceError
from threadline.ingest.formats import whatsapp_lines as wl
from threadline.ingest.formats.common import (
    ACCOUNT_COLUMNS,
    EVENT_COLUMNS,
    LOCATION_COLUMNS,
    MESSAGE_COLUMNS,
    OccurrenceIds,
    ParsedFile,
    ParseOptions,
    name_account,
    phone_account,
)
from threadline.ingest.formats.stream import Reject, Row, Split, schema_of

PLATFORM = "whatsapp"
GROUP_EVENTS = frozenset(
    {
        "group_created",
        "member_added",
        "member_removed",
        "member_left",
        "member_joined",
        "subject_changed",
        "group_changed",
    }
)
_SURROGATE = re.compile("[\udc80-\udcff]")
_GENERIC_STEMS = frozenset({"_chat", "chat"})


def line_ending(path: Path) -> str:
    """LF, or CR for an export whose lines end in CR alone (no LF in its first megabyte).

    Lines are split on LF only, so a CR inside a message stays in its text; but a file with
    no LF at all would otherwise be one line, every message folded into the first.
    """
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    return "\r" if b"\r" in head and b"\n" not in head else "\n"


def read_lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line number, text, problem) for each line split on LF only, as the export wrote it."""
    ending = line_ending(path)
    with path.open(encoding="utf-8", errors="surrogateescape", newline=ending) as fh:
        for n, line in enumerate(fh, 1):
            text = line.rstrip("\r\n")
            if n == 1:
                text = text.lstrip("\ufeff")
            if "\x00" not in text and (text.isascii() or not _SURROGATE.search(text)):
                yield n, text, None
                continue
            problem = None
            if _SURROGATE.search(text):
                raw = text.encode("utf-8", errors="surrogateescape")
                text = raw.decode("utf-8", errors="replace")
                problem = "INVALID ENCODING: the entry is not UTF-8 text"
            elif "\x00" in text:
                text = text.replace("\x00", "\ufffd")
                problem = "the entry holds binary data (NUL bytes), not chat text"
            yield n, text, problem


@dataclass
class Survey:
    """What the first pass learnt about the whole file."""

    headers: int = 0
    day_first_at: int | None = None  # a line that can only be day-first
    month_first_at: int | None = None
    inversions: dict[str, int] = field(default_factory=lambda: {"dmy": 0, "mdy": 0})
    ambiguous: bool = False  # some header with day != month in both readings <= 12
    authors: dict[str, int] = field(default_factory=dict)  # name -> first line
    group: bool = False
    _prev: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, n: int, h: wl.Header, body: str) -> None:
        """Learn from one message line: the date order it allows, its author, any group event."""
        self.headers += 1
        if len(h.a) <= 2 and h.a != h.b:
            a, b = int(h.a), int(h.b)
            if a > 12 >= b and self.day_first_at is None:
                self.day_first_at = n
            elif b > 12 >= a and self.month_first_at is None:
                self.month_first_at = n
            elif a != b and a <= 12 and b <= 12:
                self.ambiguous = True
            if self.day_first_at is None and self.month_first_at is None:
                # only needed while no line has settled the order
                year, clock = int(h.c), (h.hour, int(h.minute), int(h.second))
                for order, key in (("dmy", (year, b, a, *clock)), ("mdy", (year, a, b, *clock))):
                    if key < self._prev.get(order, key):
                        self.inversions[order] += 1
                    self._prev[order] = key
        author, text = wl.split_author(body)
        if author is None or wl.is_ios_system(text):
            if wl.system_line(text)[0] in GROUP_EVENTS:
                self.group = True
        elif author not in self.authors:
            self.authors[author] = n

    def order(self, path: Path, day_first: bool | None) -> tuple[str, str]:
        """The day/month order of the file and why it was chosen."""
        if day_first is not None:
            order = "dmy" if day_first else "mdy"
            return order, f"date order {order} given by the caller"
        if self.day_first_at and self.month_first_at:
            raise SourceError(
                path,
                f"dates read day-first on line {self.day_first_at} but month-first on line "
                f"{self.month_first_at}; pass --day-first or --month-first",
                row=self.month_first_at,
            )
        if self.day_first_at:
            return "dmy", f"dates are day-first (line {self.day_first_at} has a day above 12)"
        if self.month_first_at:
            return "mdy", f"dates are month-first (line {self.month_first_at} has a day above 12)"
        if not self.ambiguous:
            return "dmy", "dates read the same day-first or month-first"
        dmy, mdy = self.inversions["dmy"], self.inversions["mdy"]
        if dmy == mdy:
            raise SourceError(
                path,
                "cannot tell whether dates are day-first or month-first (no day above 12 and "
                "both readings are equally chronological); pass --day-first or --month-first",
                row=1,
            )
        order = "dmy" if dmy < mdy else "mdy"
        return order, (
            f"dates read as {order}: {min(dmy, mdy)} out-of-order message(s) against "
            f"{max(dmy, mdy)} the other way"
        )


def survey(path: Path) -> Survey:
    """First pass: headers only."""
    found = Survey()
    # Encoding problems do not matter here: they never sit inside a header's digits. Bad
    # bytes in a name are replaced, never kept as surrogates that reach the records.
    with path.open(encoding="utf-8", errors="replace", newline=line_ending(path)) as fh:
        for n, line in enumerate(fh, 1):
            h = wl.match_header(line.rstrip("\r\n").lstrip("\ufeff") if n == 1 else line)
            if h is not None:
                found.add(n, h, h.body.rstrip("\r\n"))
    if not found.headers:
        raise SourceError(
            path,
            "no WhatsApp message header found (such as '20/01/19, 11:23 - Name: text' or "
            "'[20/01/19, 11:23:05] Name: text'); is this a WhatsApp chat export?",
            row=1,
        )
    return found


def conversation_of(path: Path, owner: str | None) -> str:
    """The chat's id: the export's file name (its folder's for iOS ``_chat.txt``)."""
    name = path.stem
    if name.lower() in _GENERIC_STEMS and path.parent.name:
        name = f"{path.parent.name}/{name}"
    return f"{owner}/{name}" if owner else name


@dataclass
class _Chat:
    """Who is who in one export."""

    conversation: str
    owner: str | None
    owner_name: str | None
    recipients: dict[str, str] = field(default_factory=dict)  # sender -> recipient
    _accounts: dict[str, str] = field(default_factory=dict)
    everyone: str = ""  # the recipient of a message to the whole chat

    def __post_init__(self) -> None:
        self.everyone = f"chat:{self.conversation}"

    def account(self, name: str) -> str:
        found = self._accounts.get(name)
        if found is None:
            found = self._accounts[name] = self._account(name)
        return found

    def _account(self, name: str) -> str:
        if name == "You" or (self.owner_name and name == self.owner_name):
            return self.owner or name_account(self.conversation, name)
        phone = phone_account(name)
        if phone:
            return phone
        return name_account(self.owner or self.conversation, name)

    def recipient(self, sender: str) -> str:
        return self.recipients.get(sender) or self.everyone


def parse(path: Path, options: ParseOptions) -> ParsedFile:
    """Parse a WhatsApp export into messages, chat events, accounts and shared locations."""
    found = survey(path)
    order, why = found.order(path, options.day_first)
    owner = options.owner and (phone_account(options.owner) or options.owner)
    chat = _Chat(conversation_of(path, owner), owner, options.owner_name)
    parties = {chat.account(a) for a in found.authors}
    if owner:
        parties.add(owner)
    group = found.group or len(parties) > 2
    if not group and len(parties) == 2:
        a, b = sorted(parties)
        chat.recipients = {a: b, b: a}
    notes = [
        why,
        f"{'group' if group else 'one-to-one'} chat {chat.conversation!r} with "
        f"{len(found.authors)} named participant(s)",
    ]
    split = Split(
        lambda: _rows(path, chat, order),
        {
            "messages": schema_of(MESSAGE_COLUMNS),
            "chat_events": schema_of(EVENT_COLUMNS),
            "accounts": schema_of(ACCOUNT_COLUMNS),
            "locations": schema_of(LOCATION_COLUMNS),
        },
        "whatsapp",
    )
    return ParsedFile(path, "whatsapp", split.sources(), notes, split)


def _rows(path: Path, chat: _Chat, order: str) -> Iterator[Row]:
    ids = OccurrenceIds()
    known: set[tuple[str, str | None]] = set()
    if chat.owner:
        known.add((chat.owner, chat.owner_name))
        yield "accounts", (PLATFORM, chat.owner, chat.owner_name, _phone(chat.owner), 0)
    start = 1
    lines: list[str] = []
    header: wl.Header | None = None
    problem: str | None = None
    for n, text, trouble in read_lines(path):
        h = wl.match_header(text)
        if h is None:
            lines.append(text)
            problem = problem or trouble
            continue
        if lines or header is not None:
            yield from _entry(chat, ids, known, order, start, header, lines, problem)
        start, header, lines, problem = n, h, [], trouble
    if lines or header is not None:
        yield from _entry(chat, ids, known, order, start, header, lines, problem)


def _phone(account: str) -> str | None:
    return account if phone_account(account) == account else None


def _entry(
    chat: _Chat,
    ids: OccurrenceIds,
    known: set[tuple[str, str | None]],
    order: str,
    row: int,
    h: wl.Header | None,
    more: list[str],
    problem: str | None,
) -> Iterator[Row]:
    """The records of one header and its continuation lines."""
    if h is None:
        yield "messages", Reject(row, "text before the first message header", "\n".join(more))
        return
    if problem:
        yield "messages", Reject(row, problem, "\n".join([h.body, *more]))
        return
    at = wl.iso_local(h, "ymd" if len(h.a) > 2 else order)
    author, first = wl.split_author(h.body)
    text = "\n".join([first, *more]).rstrip("\n") if more else first
    if author is None or wl.is_ios_system(first):
        text = text.lstrip(wl.INVISIBLE)
        event_type, who = wl.system_line(text)
        name = who or author
        actor = chat.account(name) if name else None
        yield "chat_events", (PLATFORM, chat.conversation, at, actor, text, event_type, None, row)
        return
    sender = chat.account(author)
    if (sender, author) not in known:
        known.add((sender, author))
        yield "accounts", (PLATFORM, sender, author, _phone(sender), row)
    mid = ids.make(at, chat.conversation, author, text)
    recipient = chat.recipient(sender)
    attached = wl.attachment(text)
    yield (
        "messages",
        (PLATFORM, mid, at, sender, recipient, text, chat.conversation, attached, row),
    )
    place = wl.map_location(text)
    if place:
        note = f"location shared in WhatsApp chat {chat.conversation}"
        yield "locations", ("account", sender, at, place[0], place[1], note, row)
