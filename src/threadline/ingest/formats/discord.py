"""DiscordChatExporter JSON: one channel (guild text channel, thread or direct messages).

Author ids are the account ids, timestamps carry their offsets, attachments are kept by file
name. Message types other than ordinary messages and replies (member joins, pins, calls,
renames) are chat events. ``_row`` is the message's 1-based position in ``messages``.
Messages stream through ijson like Telegram's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threadline.errors import SourceError
from threadline.ingest.formats.common import (
    ACCOUNT_COLUMNS,
    EVENT_COLUMNS,
    MESSAGE_COLUMNS,
    ParsedFile,
    ParseOptions,
    json_text,
    placeholder,
)
from threadline.ingest.formats.jsonstream import Layout, Stream, top_keys
from threadline.ingest.formats.stream import Reject, Row, Split, schema_of

PLATFORM = "discord"
LAYOUT = Layout(
    records="messages.item",
    context={
        "guild.id": "guild_id",
        "guild.name": "guild_name",
        "channel.id": "channel_id",
        "channel.name": "channel_name",
        "channel.type": "channel_type",
    },
    context_first=True,
)
MESSAGE_TYPES = frozenset(
    {"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "ThreadStarterMessage"}
)


def parse(path: Path, options: ParseOptions) -> ParsedFile:
    """Parse a DiscordChatExporter JSON export into messages, chat events and accounts."""
    keys = top_keys(path, frozenset({"messages"}))
    if "messages" not in keys or "channel" not in keys:
        raise SourceError(
            path, "not a DiscordChatExporter export: no 'channel' and 'messages'", row=1
        )
    split = Split(
        lambda: _rows(path),
        {
            "messages": schema_of(MESSAGE_COLUMNS),
            "chat_events": schema_of(EVENT_COLUMNS),
            "accounts": schema_of(ACCOUNT_COLUMNS),
        },
        "discord",
    )
    return ParsedFile(path, "discord", split.sources(), ["DiscordChatExporter JSON"], split)


def _rows(path: Path) -> Iterator[Row]:
    stream = Stream(path, LAYOUT)
    known: set[tuple[str, str | None]] = set()
    for row, item in enumerate(stream, 1):
        ctx = stream.context(item)
        if not isinstance(item, dict):
            original = json_text(item)
            yield "messages", Reject(row, "the message is not a JSON object", original)
            continue
        channel = ctx.get("channel_id")
        conv = str(channel) if channel is not None else path.stem
        found = item.get("author")
        author: dict[str, Any] = found if isinstance(found, dict) else {}
        sender = str(author["id"]) if author.get("id") is not None else None
        name = author.get("nickname") or author.get("name")
        name = str(name) if name is not None else None
        if sender and (sender, name) not in known:
            known.add((sender, name))
            yield "accounts", (PLATFORM, sender, name, None, row)
        mid = str(item["id"]) if item.get("id") is not None else None
        at = str(item["timestamp"]) if item.get("timestamp") is not None else None
        text = str(item.get("content") or "")
        kind = str(item.get("type") or "Default")
        if kind not in MESSAGE_TYPES:
            yield "chat_events", (PLATFORM, conv, at, sender, text or kind, kind, mid, row)
            continue
        files = _attachments(item.get("attachments"))
        attached = "; ".join(files) if files else None
        if not text:
            text = _placeholder(item, files)
        recipient = f"chat:{conv}"
        yield "messages", (PLATFORM, mid, at, sender, recipient, text, conv, attached, row)


def _attachments(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    names = []
    for a in value:
        if isinstance(a, dict):
            names.append(str(a.get("fileName") or a.get("url") or a.get("id") or "attachment"))
    return names


def _placeholder(item: dict[str, Any], files: list[str]) -> str:
    if files:
        return placeholder("attachment", files[0] if len(files) == 1 else f"{len(files)} files")
    for key in ("stickers", "embeds"):
        if item.get(key):
            return placeholder(key.rstrip("s"))
    return ""
