"""Stream the records of a large JSON export with ijson, keeping their surroundings.

Exports put a few facts before their record arrays (the chat a message belongs to, the
channel of a Discord export). :func:`stream` yields each record of the record array with a
snapshot of those facts, builds small side arrays (contacts) as objects, and turns any JSON
error into a :class:`SourceError` naming the file, the record and the lines it stopped in.
Records are built by ijson's C backend; only the event filter runs in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder
from ijson.utils import sendable_list

from threadline.errors import SourceError

CHUNK = 64 * 1024
CONTEXT_KEY = "\x00context"
_CONTAINER_EVENTS = frozenset({"start_map", "start_array", "map_key"})
_BACKEND = ijson.get_backend(ijson.backend)


class _Counting:
    """A binary file that counts the lines it has handed out (to place JSON errors)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.lines_before = 0  # lines before the last chunk read
        self.lines = 0

    def read(self, size: int = CHUNK) -> bytes:
        chunk = self.fh.read(size)
        self.lines_before = self.lines
        self.lines += chunk.count(b"\n")
        return chunk


@dataclass
class Layout:
    """Where the records and their surroundings sit in the document."""

    records: str  # ijson prefix of the record objects, e.g. "chats.list.item.messages.item"
    context: Mapping[str, str] = field(default_factory=dict)  # prefix of a scalar -> name
    resets: frozenset[str] = frozenset()  # prefixes whose start clears the context
    aliases: tuple[tuple[str, str], ...] = ()  # (prefix, same as prefix) e.g. left chats
    sides: frozenset[str] = frozenset()  # prefixes of small arrays' items built as objects
    # One record array after all of its context (a single chat, a channel, a hash set):
    # the context is read from the head and the records are built by ijson's C code alone.
    context_first: bool = False


@dataclass
class Stream:
    """Records with their context; side objects are collected in ``side``."""

    path: Path
    layout: Layout
    contexts: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    side: list[tuple[str, Any]] = field(default_factory=list)
    records: int = 0

    def __iter__(self) -> Iterator[Any]:
        with self.path.open("rb") as raw:
            counted = _Counting(raw)
            try:
                if self.layout.context_first:
                    self._head()
                    found = ijson.items(counted, self.layout.records, use_float=False)
                else:
                    found = self._routed(counted)
                for item in found:
                    self.records += 1
                    yield item
            except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
                raise SourceError(
                    self.path,
                    f"the JSON stops being readable after record {self.records} "
                    f"(between lines {counted.lines_before + 1} and {counted.lines + 1}): "
                    f"{_first_line(exc)}",
                    row=self.records + 1,
                ) from None

    def context(self, item: Any) -> dict[str, Any]:
        """The facts that stood before ``item`` (a record yielded by this stream)."""
        if isinstance(item, dict) and CONTEXT_KEY in item:
            return self.contexts[item.pop(CONTEXT_KEY)]
        return self.contexts[-1]

    def _head(self) -> None:
        """Context facts written before the record array (read with a second handle)."""
        if not self.layout.context:
            return
        array = self.layout.records.removesuffix(".item")
        ctx: dict[str, Any] = {}
        with self.path.open("rb") as fh:
            for prefix, event, value in ijson.parse(fh, use_float=False):
                if prefix == array and event == "start_array":
                    break
                if prefix in self.layout.context and event not in _CONTAINER_EVENTS:
                    ctx[self.layout.context[prefix]] = value
        self.contexts.append(ctx)

    def _routed(self, fh: _Counting) -> Iterator[Any]:
        """One Python loop over the parse events.

        It notes the context, builds side objects, and hands the record events to ijson's C
        item builder (tagged with their context).
        """
        lay = self.layout
        target = lay.records
        built = sendable_list()
        send = _BACKEND.items_basecoro(built, target).send
        ctx: dict[str, Any] = {}
        index = 0
        builder: ObjectBuilder | None = None
        side_prefix = ""
        for event_tuple in ijson.parse(fh, use_float=False):
            prefix, event, value = event_tuple
            for alias, same in lay.aliases:
                if prefix.startswith(alias):
                    prefix = same + prefix[len(alias) :]
                    event_tuple = (prefix, event, value)
                    break
            if builder is not None:
                builder.event(event, value)
                if prefix == side_prefix and event in ("end_map", "end_array"):
                    self.side.append((side_prefix, builder.value))
                    builder = None
                continue
            if prefix in lay.sides:
                if event in ("start_map", "start_array"):
                    builder, side_prefix = ObjectBuilder(), prefix
                    builder.event(event, value)
                elif event != "map_key":
                    self.side.append((prefix, value))
                continue
            if prefix in lay.context and event not in _CONTAINER_EVENTS:
                ctx = {**ctx, lay.context[prefix]: value}
                self.contexts.append(ctx)
                index = len(self.contexts) - 1
            elif event == "start_map" and prefix in lay.resets:
                ctx = {}
                self.contexts.append(ctx)
                index = len(self.contexts) - 1
            send(event_tuple)
            if event == "start_map" and prefix == target:
                send((target, "map_key", CONTEXT_KEY))
                send((target + "." + CONTEXT_KEY, "number", index))
            if built:
                yield from built
                del built[:]


def _first_line(exc: Exception) -> str:
    """The parser's own words, without the excerpt of the file it appends."""
    msg: Any = exc.args[0] if exc.args else ""
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    lines = str(msg).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def top_keys(path: Path, stop: frozenset[str]) -> list[str]:
    """The document's top-level keys in order, up to the first one in ``stop``."""
    keys: list[str] = []
    try:
        with path.open("rb") as fh:
            for prefix, event, value in ijson.parse(fh):
                if prefix != "":
                    continue
                if event == "map_key":
                    keys.append(str(value))
                    if value in stop:
                        break
                elif event != "start_map":
                    break
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(path, f"not readable as JSON: {_first_line(exc)}", row=1) from None
    return keys
