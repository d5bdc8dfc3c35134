"""Real-world exports as they are seized: chat exports, hash sets, and mapped tables.

Each format module reads one kind of file and returns a :class:`ParsedFile` with one
:class:`~threadline.ingest.canonical.ParsedSource` per canonical kind it yields; ingest then
validates, quarantines and records them exactly like canonical files (see ``runner``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from threadline.errors import UsageError
from threadline.ingest.canonical import ParsedSource
from threadline.ingest.formats import discord, mapping, telegram, vics, whatsapp
from threadline.ingest.formats.common import ParsedFile, ParseOptions
from threadline.ingest.formats.sniff import sniff

Parser = Callable[[Path, ParseOptions], ParsedFile]

FORMATS: dict[str, Parser] = {
    "whatsapp": whatsapp.parse,
    "telegram": telegram.parse,
    "discord": discord.parse,
    "vics": vics.parse,
}
# Kinds each export format yields (the first is the one its records are counted in).
KINDS_OF: dict[str, tuple[str, ...]] = {
    "whatsapp": ("messages", "chat_events", "accounts", "locations"),
    "telegram": ("messages", "chat_events", "accounts", "locations"),
    "discord": ("messages", "chat_events", "accounts"),
    "vics": ("hashlist",),
}
TABLE_FORMATS = ("csv", "jsonl", "xlsx")  # canonical, or any shape through --mapping
CHOICES = ("auto", *FORMATS, *TABLE_FORMATS)


def parse_file(path: Path, fmt: str, options: ParseOptions | None = None) -> ParsedFile:
    """Parse ``path`` as ``fmt`` (or ``auto``); tables need ``options.mapping``."""
    options = options or ParseOptions()
    notes = []
    if fmt == "auto":
        fmt, why = sniff(path)
        notes.append(f"format auto: {fmt} ({why})")
    if fmt in FORMATS:
        parsed = FORMATS[fmt](path, options)
    elif fmt in TABLE_FORMATS:
        parsed = mapping.parse(path, options, fmt)
    else:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(CHOICES)}")
    parsed.notes[:0] = notes
    return parsed


def parse(path: Path, fmt: str, options: ParseOptions | None = None) -> list[ParsedSource]:
    """The canonical sources one export yields (one per kind), read lazily."""
    return parse_file(Path(path), fmt, options).sources


__all__ = ["CHOICES", "FORMATS", "KINDS_OF", "ParseOptions", "ParsedFile", "parse", "parse_file"]
