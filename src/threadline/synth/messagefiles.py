"""Message rows per platform and the stream that writes them in time order.

Rows carry platform-style ids, conversation ids and attachments; the stream also writes the
second device's copy of some chats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from threadline.synth.chats import Episodes, Messages, PhraseTable
from threadline.synth.textcols import concat_bytes, hex_ids, int_text, json_string, mix64
from threadline.synth.world import PLATFORMS
from threadline.synth.writer import SourceWriter

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Batch:
    """Messages ready to write: times, accounts, phrase entry, conversation pair, text."""

    t: I64
    platform: I64
    sender: I64
    recipient: I64
    entry: I64
    pair: I64
    text: pa.Array

    @staticmethod
    def of(msgs: Messages, eps: Episodes, text: pa.Array, platform_of: I64) -> Batch:
        """A batch of generated messages with their platform, conversation pair and text."""
        return Batch(
            msgs.t,
            platform_of[msgs.sender],
            msgs.sender,
            msgs.recipient,
            msgs.entry,
            eps.pair[msgs.episode],
            text,
        )

    def take(self, idx: I64) -> Batch:
        """The messages at the given positions."""
        return Batch(
            self.t[idx],
            self.platform[idx],
            self.sender[idx],
            self.recipient[idx],
            self.entry[idx],
            self.pair[idx],
            self.text.take(pa.array(idx)),
        )

    def __add__(self, other: Batch) -> Batch:
        def cat(a: I64, b: I64) -> I64:
            return np.concatenate([a, b])

        return Batch(
            cat(self.t, other.t),
            cat(self.platform, other.platform),
            cat(self.sender, other.sender),
            cat(self.recipient, other.recipient),
            cat(self.entry, other.entry),
            cat(self.pair, other.pair),
            pa.concat_arrays([self.text, other.text]),
        )


def message_ids(platform: str, counter: I64, t: I64, seed: int) -> pa.Array:
    """Message ids as each platform writes them.

    Unique per platform because rows come in time order with a running counter (equal seconds
    are neighbours).
    """
    if platform == "facebook":
        return hex_ids(mix64(counter, seed * 11 + 1), "mid.$")
    if platform == "whatsapp":
        return hex_ids(mix64(counter, seed * 11 + 2), "3EB0", upper=True)
    if platform == "skype":  # millisecond timestamps
        return int_text(t * 1000 + counter % 1000)
    if platform == "viber":
        return int_text(5 * 10**18 + t * 10**6 + counter % 10**6)
    return int_text(counter + 1000)  # telegram: a running number


def conversation_ids(platform: str, pair: I64, seed: int) -> pa.Array:
    """Conversation ids as the platform writes them, one per conversation pair."""
    if platform == "facebook":
        return hex_ids(mix64(pair, seed * 11 + 5), "t_")
    return int_text((mix64(pair, seed * 11 + 6) % np.uint64(9 * 10**9)).astype(np.int64) + 10**9)


def columns(
    platform: str, b: Batch, table: PhraseTable, account_ids: pa.Array, counter: int, seed: int
) -> dict[str, object]:
    """Text columns for one platform's messages (already in time order)."""
    n = int(b.t.shape[0])
    counters = np.arange(counter, counter + n, dtype=np.int64)
    photo = table.photo[b.entry]
    with_photo = counters[photo]
    digest = [hex_ids(mix64(with_photo, seed * 13 + k)) for k in range(4)]
    sha = pc.binary_join_element_wise(*digest, "")
    name = pc.binary_join_element_wise(
        "IMG_", hex_ids(mix64(with_photo, seed * 13 + 9), width=8), ".jpg", ""
    )
    mask = pa.array(photo)
    empty = pa.nulls(n, pa.string())
    return {
        "platform": pa.array([platform] * n, pa.string()),
        "message_id": message_ids(platform, counters, b.t, seed),
        "sent_at": b.t,
        "sender": account_ids.take(pa.array(b.sender)),
        "recipient": account_ids.take(pa.array(b.recipient)),
        "text": b.text,
        "conversation_id": conversation_ids(platform, b.pair, seed),
        "attachment_sha256": pc.replace_with_mask(empty, mask, sha),
        "attachment_name": pc.replace_with_mask(empty, mask, name),
    }


class MessageStream:
    """Writes message batches in global time order: rows past a slice's end wait for the next."""

    def __init__(
        self,
        writers: dict[str, SourceWriter],
        duplicate: SourceWriter,
        duplicate_platform: str,
        duplicate_pairs: npt.NDArray[np.bool_],
        duplicates_log: BinaryIO,
        table: PhraseTable,
        account_ids: pa.Array,
        seed: int,
    ) -> None:
        self.writers = writers
        self.duplicate = duplicate
        self.duplicate_platform = duplicate_platform
        self.duplicate_pairs = duplicate_pairs
        self.log = duplicates_log
        self.table = table
        self.account_ids = account_ids
        self.seed = seed
        self.counters = dict.fromkeys(PLATFORMS, 0)
        self.carry: Batch | None = None
        self.duplicates = 0

    def push(self, batch: Batch, until: int) -> None:
        """Add a slice's messages; write those before ``until``, keep the rest."""
        if self.carry is not None:
            batch = self.carry + batch
        order = np.argsort(batch.t, kind="stable")
        split = int(np.searchsorted(batch.t[order], until, side="left"))
        self._write(batch.take(order[:split]))
        self.carry = batch.take(order[split:])

    def flush(self) -> None:
        """Write the messages still held back."""
        if self.carry is not None:
            self._write(self.carry)
            self.carry = None

    def _write(self, b: Batch) -> None:
        for p, platform in enumerate(PLATFORMS):
            rows = np.flatnonzero(b.platform == p)
            part = b.take(rows)
            cols = columns(
                platform, part, self.table, self.account_ids, self.counters[platform], self.seed
            )
            self.counters[platform] += int(rows.shape[0])
            written = self.writers[platform].write(cols)
            if platform == self.duplicate_platform and rows.shape[0]:
                mask = pa.array(self.duplicate_pairs[part.pair])
                sub = [c.filter(mask) for c in written]
                self.duplicate.write(dict(zip(self.duplicate.source.columns, sub, strict=True)))
                self.duplicates += len(sub[0])
                self.log.write(concat_bytes(self._log_lines(sub[1])))

    def _log_lines(self, message_ids: pa.Array) -> pa.Array:
        head = f'{{"key": [{json.dumps(self.duplicate_platform)}, '
        paths = [self.writers[self.duplicate_platform].source.path, self.duplicate.source.path]
        tail = f'], "kind": "messages", "paths": {json.dumps(paths)}}}\n'
        return pc.binary_join_element_wise(head, json_string(message_ids), tail, "")
