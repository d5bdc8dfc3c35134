"""Conversations: episodes expanded into messages in bulk.

Episodes are a session, some small talk or a logistics exchange. An episode is a pair of
accounts, a kind and a start time; each kind has a script of segments (opening, body,
closing; for paid sessions: greeting, negotiation, payment, live, goodbye), each drawing a
random number of lines from phrase banks. Expansion is vectorised over all episodes of a
time slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from threadline.synth import phrases
from threadline.synth.scales import END

I64 = npt.NDArray[np.int64]
MIN = 60

SESSION, WINDOW, CHATTER, CONTACT, NETWORK, FAMILY, HUB = range(7)
EPISODE_KINDS = ("session", "window", "chatter", "contact", "network", "family", "hub")


@dataclass(frozen=True)
class Segment:
    """One part of an episode's script: each side's phrase bank, how many lines, who starts."""

    bank_a: str  # lines when the initiator speaks
    bank_b: str  # lines when the other account speaks
    n: tuple[int, int]  # messages, inclusive range
    first: int  # who speaks first: 0 initiator, 1 the other, 2 either
    opening: str | None = None  # the segment's first line, when fixed


_OPEN_BODY_CLOSE = {
    WINDOW: (
        Segment("greet_buyer", "greet_seller", (1, 2), 0),
        Segment("window_buyer", "window_seller", (2, 8), 0),
        Segment("after_buyer", "window_seller", (0, 2), 2),
    ),
    CHATTER: (
        Segment("greet_buyer", "greet_seller", (1, 2), 2),
        Segment("chat_buyer", "chat_seller", (1, 8), 2),
        Segment("after_buyer", "after_seller", (0, 2), 2),
    ),
    CONTACT: (
        Segment("contact", "contact", (1, 2), 0),
        Segment("contact", "contact", (1, 12), 2),
        Segment("contact", "contact", (0, 2), 2),
    ),
    NETWORK: (
        Segment("network_boss", "network_helper", (0, 1), 0),
        Segment("network_boss", "network_helper", (2, 8), 0),
        Segment("network_boss", "network_helper", (0, 1), 1),
    ),
    FAMILY: (
        Segment("family_abroad", "family_home", (1, 2), 0),
        Segment("family_abroad", "family_home", (2, 10), 2),
        Segment("family_abroad", "family_home", (0, 2), 2),
    ),
    HUB: (
        Segment("hub_customer", "hub_business", (1, 1), 0),
        Segment("hub_customer", "hub_business", (1, 5), 0),
        Segment("hub_customer", "hub_business", (0, 1), 1),
    ),
}
_SESSION = (
    Segment("greet_buyer", "greet_seller", (1, 2), 0),
    Segment("neg_buyer", "neg_seller", (2, 8), 0),
    Segment("pay_buyer", "pay_seller", (1, 3), 0),
    Segment("live_buyer", "live_seller", (3, 25), 2, opening="[LIVE]"),
    Segment("after_buyer", "after_seller", (0, 3), 2),
)
# Minutes an episode of each kind lasts (uniform range).
DURATION_MIN = {
    WINDOW: (5, 40),
    CHATTER: (10, 60),
    CONTACT: (5, 120),
    NETWORK: (5, 60),
    FAMILY: (10, 90),
    HUB: (5, 60),
}


class PhraseTable:
    """Every phrase split around its fill slot, as arrays the expansion indexes into."""

    def __init__(self) -> None:
        flat, self.spans = phrases.entries()
        prefix, suffix, slot, photo = [], [], [], []
        for text in flat:
            has_photo = "{photo}" in text
            text = text.replace(" {photo}", "").replace("{photo}", "")
            kind = 1 if "{name}" in text else 2 if "{code}" in text else 0
            head, _, tail = (
                text.partition("{name}" if kind == 1 else "{code}") if kind else (text, "", "")
            )
            prefix.append(head)
            suffix.append(tail)
            slot.append(kind)
            photo.append(has_photo)
        self.prefix = pa.array(prefix, pa.string())
        self.suffix = pa.array(suffix, pa.string())
        self.slot = np.array(slot, dtype=np.int64)
        self.photo = np.array(photo, dtype=bool)

    def bank(self, name: str) -> tuple[int, int]:
        """A phrase bank's (first index, count) in the table."""
        return self.spans[name]

    def find(self, bank: str, text: str) -> int:
        """Index of a phrase in a bank."""
        start, _ = self.spans[bank]
        return start + phrases.BANKS[bank].index(text)


@dataclass(frozen=True)
class Episodes:
    """Conversation episodes as arrays: kind, pair, initiator and other account, start, session."""

    kind: I64
    pair: I64
    a: I64  # initiator account
    b: I64
    t0: I64  # start (sessions: negotiation start)
    session: I64  # session index for paid sessions, else -1


@dataclass(frozen=True)
class Messages:
    """Generated messages as arrays: time, sender, recipient, phrase entry and episode."""

    t: I64
    sender: I64
    recipient: I64
    entry: I64
    episode: I64


def _segment(
    rng: np.random.Generator, table: PhraseTable, seg: Segment, ep: I64, lo: I64, hi: I64
) -> tuple[I64, I64, I64, I64]:
    """Messages of one segment for episodes ``ep`` in [lo, hi]: (episode, t, speaker, entry)."""
    counts = np.asarray(rng.integers(seg.n[0], seg.n[1] + 1, ep.shape[0]), dtype=np.int64)
    idx = np.repeat(np.arange(ep.shape[0]), counts)
    total = int(idx.shape[0])
    first = np.repeat(np.cumsum(counts) - counts, counts)
    j = np.arange(total) - first
    span = (hi - lo)[idx].astype(np.float64)
    t = lo[idx] + ((j + rng.random(total)) / counts[idx] * span).astype(np.int64)
    start_speaker = np.asarray(
        rng.integers(0, 2, ep.shape[0]) if seg.first == 2 else np.full(ep.shape[0], seg.first),
        dtype=np.int64,
    )
    # A quarter of the lines follow one by the same speaker instead of alternating.
    same: I64 = np.cumsum(rng.random(total) < 0.25)
    speaker = (start_speaker[idx] + j + same - same[first]) % 2
    a0, an = table.bank(seg.bank_a)
    b0, bn = table.bank(seg.bank_b)
    u = rng.random(total)
    entry = np.where(speaker == 0, a0 + (u * an).astype(np.int64), b0 + (u * bn).astype(np.int64))
    if seg.opening is not None:
        opening = np.where(
            speaker == 0, table.find(seg.bank_a, seg.opening), table.find(seg.bank_b, seg.opening)
        )
        entry = np.where(j == 0, opening, entry)
    return ep[idx], t, speaker, entry


def expand(
    rng: np.random.Generator,
    table: PhraseTable,
    eps: Episodes,
    neg: I64,
    pay: I64,
    start: I64,
    end: I64,
) -> Messages:
    """All messages of the episodes, ordered by time. ``neg``..``end`` are the sessions' times."""
    parts: list[tuple[I64, I64, I64, I64]] = []
    sess = np.flatnonzero(eps.kind == SESSION)
    if sess.shape[0]:
        si = eps.session[sess]
        windows = (
            (neg[si], neg[si] + 3 * MIN),
            (neg[si] + 3 * MIN, pay[si]),
            (pay[si], start[si]),
            (start[si], end[si]),
            (end[si], end[si] + 10 * MIN),
        )
        for seg, (lo, hi) in zip(_SESSION, windows, strict=True):
            parts.append(_segment(rng, table, seg, sess, lo, np.maximum(hi, lo + 1)))
    for kind, segs in _OPEN_BODY_CLOSE.items():
        these = np.flatnonzero(eps.kind == kind)
        if these.shape[0] == 0:
            continue
        lo_m, hi_m = DURATION_MIN[kind]
        dur = rng.integers(lo_m * MIN, hi_m * MIN + 1, these.shape[0])
        t0 = eps.t0[these]
        cuts = (
            (t0, t0 + dur // 10),
            (t0 + dur // 10, t0 + dur * 9 // 10),
            (t0 + dur * 9 // 10, t0 + dur),
        )
        for seg, (lo, hi) in zip(segs, cuts, strict=True):
            parts.append(_segment(rng, table, seg, these, lo, np.maximum(hi, lo + 1)))
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return Messages(z, z, z, z, z)
    ep = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    speaker = np.concatenate([p[2] for p in parts])
    entry = np.concatenate([p[3] for p in parts])
    keep = t < END
    ep, t, speaker, entry = ep[keep], t[keep], speaker[keep], entry[keep]
    order = np.lexsort((ep, t))
    ep, t, speaker, entry = ep[order], t[order], speaker[order], entry[order]
    a, b = eps.a[ep], eps.b[ep]
    sender = np.where(speaker == 0, a, b)
    recipient = np.where(speaker == 0, b, a)
    return Messages(t, sender, recipient, entry, ep)


def plant_multiline(
    rng: np.random.Generator,
    table: PhraseTable,
    msgs: Messages,
    eps: Episodes,
    rate: float,
    minimum: int = 0,
) -> None:
    """Replace a few contact lines by multi-line ones (quoted newlines in CSV)."""
    cand = np.flatnonzero(eps.kind[msgs.episode] == CONTACT)
    if cand.shape[0] == 0:
        return
    k = min(max(int(rng.binomial(cand.shape[0], rate)), minimum), cand.shape[0])
    m0, mn = table.bank("contact_multiline")
    pick = rng.choice(cand, size=k, replace=False)
    msgs.entry[pick] = m0 + rng.integers(0, mn, k)


def texts(
    table: PhraseTable, msgs: Messages, eps: Episodes, name_fill: pa.Array, code_fill: pa.Array
) -> pa.Array:
    """The text of each message: phrase, with its slot filled from the message's session."""
    entry = pa.array(msgs.entry)
    prefix = table.prefix.take(entry)
    suffix = table.suffix.take(entry)
    slot = table.slot[msgs.entry]
    if not (slot > 0).any():
        return prefix
    sess = np.maximum(eps.session[msgs.episode], 0)
    names = name_fill.take(pa.array(sess)) if len(name_fill) else pa.nulls(len(entry), pa.string())
    codes = code_fill.take(pa.array(sess)) if len(code_fill) else pa.nulls(len(entry), pa.string())
    fill = pc.if_else(pa.array(slot == 1), names, pc.if_else(pa.array(slot == 2), codes, ""))
    fill = pc.fill_null(fill, "")
    return pc.binary_join_element_wise(prefix, fill, suffix, "")
