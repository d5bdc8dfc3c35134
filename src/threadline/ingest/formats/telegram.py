"""Telegram Desktop JSON exports: one chat, or the whole account (``result.json``).

Messages stream through ijson, so a 2 GB export never sits in memory as Python objects.
``from_id`` values are account ids (``user123`` becomes ``123``; channels keep their
prefix); a participant with no id is known by display name within the export. Times come
from ``date_unixtime`` (UTC); an export old enough to have only ``date`` writes the
exporting computer's local time without an offset and needs ``--timezone``. Service
messages are chat events. ``_row`` is the message's 1-based position among all messages of
the file, in file order (across chats for an account export).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline.errors import SourceError
from threadline.ingest.formats.common import (
    ACCOUNT_COLUMNS,
    EVENT_COLUMNS,
    LOCATION_COLUMNS,
    MESSAGE_COLUMNS,
    OccurrenceIds,
    ParsedFile,
    ParseOptions,
    json_text,
    name_account,
    placeholder,
    utc_from_unix,
)
from threadline.ingest.formats.jsonstream import Layout, Stream, top_keys
from threadline.ingest.formats.stream import Reject, Row, Split, schema_of

PLATFORM = "telegram"
_CHAT = {"name": "chat_name", "type": "chat_type", "id": "chat_id"}
SINGLE = Layout(records="messages.item", context=_CHAT, context_first=True)
BATCH = Layout(
    records="chats.list.item.messages.item",
    context={f"chats.list.item.{k}": v for k, v in _CHAT.items()},
    resets=frozenset({"chats.list.item"}),
    aliases=(("left_chats.list.item", "chats.list.item"),),
    sides=frozenset({"personal_information", "contacts.list.item"}),
)
BATCH_KEYS = frozenset({"chats", "left_chats", "personal_information", "contacts", "about"})
TWO_PARTY = frozenset({"personal_chat", "bot_chat"})
_SERVICE_BASE = frozenset(
    {"id", "type", "date", "date_unixtime", "actor", "actor_id", "action", "text"}
)
_SERVICE_SKIP = frozenset({"text_entities"})
_MEDIA_KEYS = ("photo", "file")


def layout_of(path: Path) -> Layout:
    """Single-chat or account export, from the document's first top-level keys."""
    keys = top_keys(path, frozenset({"messages"} | BATCH_KEYS))
    if "messages" in keys:
        return SINGLE
    if BATCH_KEYS.intersection(keys):
        return BATCH
    raise SourceError(
        path, "not a Telegram Desktop export: no 'messages' or 'chats' at the top", row=1
    )


def message_text(value: Any) -> str:
    """A message's text: a string, or a list of strings and entities ``{type, text}``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return json_text(value)


def account_of(from_id: Any) -> str | None:
    """``user123`` -> ``123``; other peers (``channel123``) keep their prefix."""
    if from_id is None or from_id == "":
        return None
    text = str(from_id)
    return text[4:] if text.startswith("user") and text[4:].isdigit() else text


@dataclass
class _Chat:
    conversation: str
    kind: str | None
    peer: str | None


def parse(path: Path, options: ParseOptions) -> ParsedFile:
    """Parse a Telegram export into messages, chat events, accounts and shared locations."""
    layout = layout_of(path)
    notes = [
        "Telegram account export (result.json)"
        if layout is BATCH
        else "Telegram single-chat export"
    ]
    split = Split(
        lambda: _rows(path, layout, options),
        {
            "messages": schema_of(MESSAGE_COLUMNS),
            "chat_events": schema_of(EVENT_COLUMNS),
            "accounts": schema_of(ACCOUNT_COLUMNS),
            "locations": schema_of(LOCATION_COLUMNS),
        },
        "telegram",
    )
    return ParsedFile(path, "telegram", split.sources(), notes, split)


def _chat(ctx: dict[str, Any], path: Path) -> _Chat:
    chat_id = ctx.get("chat_id")
    if chat_id is not None:
        conversation = str(chat_id)
    elif ctx.get("chat_name"):
        conversation = str(ctx["chat_name"])
    else:
        conversation = path.stem
    kind = ctx.get("chat_type")
    peer = str(chat_id) if kind in TWO_PARTY and chat_id is not None else None
    return _Chat(conversation, kind if isinstance(kind, str) else None, peer)


def _rows(path: Path, layout: Layout, options: ParseOptions) -> Iterator[Row]:
    stream = Stream(path, layout)
    ids = OccurrenceIds()
    owners = [options.owner]
    known: set[tuple[str, str | None]] = set()
    chat = _Chat(path.stem, None, None)
    last_ctx: dict[str, Any] | None = None
    row = 0
    for item in stream:
        row += 1
        yield from _drain(stream, owners, options, known)
        ctx = stream.context(item)
        if ctx is not last_ctx:
            chat, last_ctx = _chat(ctx, path), ctx
        if not isinstance(item, dict):
            original = json_text(item)
            yield "messages", Reject(row, "the message is not a JSON object", original)
            continue
        yield from _record(item, row, chat, owners[0], ids, known)
    yield from _drain(stream, owners, options, known)


def _drain(
    stream: Stream,
    owners: list[str | None],
    options: ParseOptions,
    known: set[tuple[str, str | None]],
) -> Iterator[Row]:
    """Accounts from the sections read since the last message."""
    for prefix, obj in stream.side:
        found, owner = _side(prefix, obj, owners[0], options)
        owners[0] = owner
        for account in found:
            if (account[1], account[2]) not in known:
                known.add((account[1], account[2]))
                yield "accounts", account
    stream.side.clear()


def _side(
    prefix: str, obj: Any, owner: str | None, options: ParseOptions
) -> tuple[list[tuple[Any, ...]], str | None]:
    """Accounts from the export's own sections; the owner from ``personal_information``."""
    if not isinstance(obj, dict):
        return [], owner
    name = " ".join(str(obj[k]) for k in ("first_name", "last_name") if obj.get(k)) or None
    phone = str(obj["phone_number"]) if obj.get("phone_number") else None
    account = account_of(obj.get("user_id") or None) or phone  # user_id 0: no account
    if prefix == "personal_information":
        owner = options.owner or account
        account = owner
    if account is None:
        return [], owner
    return [(PLATFORM, account, name, phone, 0)], owner


def _record(
    item: dict[str, Any],
    row: int,
    chat: _Chat,
    owner: str | None,
    ids: OccurrenceIds,
    known: set[tuple[str, str | None]],
) -> Iterator[Row]:
    unix = item.get("date_unixtime")
    at = utc_from_unix(str(unix)) if unix is not None else None
    if at is None:
        raw = item.get("date", unix)
        at = None if raw is None else str(raw)
    conv = chat.conversation
    text = message_text(item.get("text"))
    if item.get("type") == "service":
        actor = account_of(item.get("actor_id"))
        if actor is None and item.get("actor"):
            actor = name_account(owner or conv, str(item["actor"]))
        details = {
            k: v for k, v in item.items() if k not in _SERVICE_BASE and k not in _SERVICE_SKIP
        }
        what = str(item.get("action") or "service")
        rendered = what
        if details:
            rendered += " " + json_text(details, sort_keys=True)
        if text:
            rendered += ": " + text
        event_id = f"{conv}:{item['id']}" if "id" in item else None
        yield "chat_events", (PLATFORM, conv, at, actor, rendered, what, event_id, row)
        return
    name = item.get("from")
    name = str(name) if name is not None else None
    sender = account_of(item.get("from_id"))
    if sender is None and name:
        sender = name_account(owner or conv, name)
    if sender and (sender, name) not in known:
        known.add((sender, name))
        yield "accounts", (PLATFORM, sender, name, None, row)
    attached = next((str(item[k]) for k in _MEDIA_KEYS if item.get(k)), None)
    if not text:
        text = _placeholder(item)
    mid = f"{conv}:{item['id']}" if "id" in item else ids.make(at or "", conv, name or "", text)
    if chat.peer is not None and sender != chat.peer:
        recipient = chat.peer
    elif chat.peer is not None and owner:
        recipient = owner
    else:
        recipient = f"chat:{conv}"
    yield "messages", (PLATFORM, mid, at, sender, recipient, text, conv, attached, row)
    place = item.get("location_information")
    if isinstance(place, dict) and sender and "latitude" in place and "longitude" in place:
        note = f"location shared in Telegram chat {conv}"
        lat, lon = str(place["latitude"]), str(place["longitude"])
        yield "locations", ("account", sender, at, lat, lon, note, row)


def _placeholder(item: dict[str, Any]) -> str:
    """Text for a message that has none of its own (photo, sticker, poll, location...)."""
    if item.get("photo"):
        return placeholder("photo")
    if item.get("file") or item.get("media_type"):
        return placeholder(str(item.get("media_type") or "file"))
    poll = item.get("poll")
    if isinstance(poll, dict):
        return placeholder("poll", str(poll.get("question") or "") or None)
    for key in ("location_information", "contact_information", "game_title", "invoice_information"):
        if item.get(key):
            return placeholder(key.split("_")[0])
    return ""
