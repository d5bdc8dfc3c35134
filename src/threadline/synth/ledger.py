"""Payment rows as columns of integers pointing into one table of strings.

Session payments, family remittances and domestic transfers are each built per person with
numpy, appended here, and turned into text only when a provider's file is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

I64 = npt.NDArray[np.int64]

SESSION, FAMILY, FORWARD, DOMESTIC = 0, 1, 2, 3
PAYMENT_KINDS = ("session", "family", "forward", "domestic")
# Columns of a payment row that hold string-table indices (-1: empty).
TEXT_COLUMNS = (
    "sender_name",
    "receiver_name",
    "currency",
    "sender_account",
    "sender_phone",
    "sender_country",
    "sender_city",
    "receiver_account",
    "receiver_phone",
    "receiver_country",
    "receiver_city",
    "narrative",
)
NUMBER_COLUMNS = (
    "provider",
    "t",
    "amount",  # scaled by 10**places
    "places",
    "sender_person",
    "receiver_person",
    "session",
    "facilitator",  # the facilitator a session payment is for
    "kind",
    "ref",  # order of addition; sessions refer to their payments by it
)


class Strings:
    """Interned strings: each distinct text stored once, referred to by index."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._values: list[str] = []

    def __call__(self, text: str | None) -> int:
        """The index of a text, storing it when new; -1 for None."""
        if text is None:
            return -1
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self._values)
            self._values.append(text)
        return i

    def many(self, texts: list[str]) -> I64:
        """The indices of several texts, storing new ones."""
        return np.array([self(t) for t in texts], dtype=np.int64)

    def value(self, i: int) -> str:
        """The text stored at an index."""
        return self._values[i]

    def array(self) -> pa.Array:
        """Every stored text in index order, as an Arrow array."""
        return pa.array(self._values, pa.string())


@dataclass
class Ledger:
    """All payments; ``add`` takes equal-length arrays for every column."""

    strings: Strings = field(default_factory=Strings)
    _parts: list[dict[str, I64]] = field(default_factory=list)
    columns: dict[str, I64] = field(default_factory=dict)
    position: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    _added: int = 0

    def add(self, **cols: npt.ArrayLike) -> I64:
        """Append rows; returns their refs."""
        n = int(np.asarray(cols["t"]).shape[0])
        refs = np.arange(self._added, self._added + n, dtype=np.int64)
        self._added += n
        cols = {**cols, "ref": refs}
        part = {}
        for name in (*TEXT_COLUMNS, *NUMBER_COLUMNS):
            value = cols.get(name, -1)
            part[name] = np.broadcast_to(np.asarray(value, dtype=np.int64), (n,)).copy()
        self._parts.append(part)
        return refs

    def freeze(self) -> None:
        """Concatenate the parts, ordered by time (stable, so ties keep build order)."""
        names = (*TEXT_COLUMNS, *NUMBER_COLUMNS)
        parts = ([self.columns] if self.columns else []) + self._parts
        if not parts:
            self.columns = {n: np.zeros(0, dtype=np.int64) for n in names}
            return
        cols = {n: np.concatenate([p[n] for p in parts]) for n in names}
        order = np.argsort(cols["t"], kind="stable")
        self.columns = {n: v[order] for n, v in cols.items()}
        self._parts = []
        self.position = np.empty_like(order)
        self.position[self.columns["ref"]] = np.arange(order.shape[0])

    def __len__(self) -> int:
        return int(self.columns["t"].shape[0]) if self.columns else 0
