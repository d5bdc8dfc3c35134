"""Who talks to whom, on which accounts, and when: the world's conversation pairs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from threadline.synth.scales import DAY

BUYER_SELLER = 0
CONTACT = 1
NETWORK = 2
FAMILY = 3
HUB = 4
PAIR_KINDS = ("buyer_seller", "contact", "network", "family", "hub")

I64 = npt.NDArray[np.int64]


@dataclass
class PairList:
    """Pairs collected while the world is built (one append per pair, not per event)."""

    a: list[int] = field(default_factory=list)
    b: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    window: list[int] = field(default_factory=list)  # window-shopping episodes planned

    def add(self, a: int, b: int, kind: int, start: int, end: int, window: int = 0) -> int:
        """Record that account ``a`` talks to account ``b`` during [start, end]; -1 if too short."""
        if end - start < DAY or a == b:
            return -1
        self.a.append(a)
        self.b.append(b)
        self.kind.append(kind)
        self.start.append(start)
        self.end.append(end)
        self.window.append(window)
        return len(self.a) - 1

    def arrays(self) -> Pairs:
        """The recorded pairs as arrays."""

        def arr(x: list[int]) -> I64:
            return np.array(x, dtype=np.int64)

        return Pairs(
            arr(self.a),
            arr(self.b),
            arr(self.kind),
            arr(self.start),
            arr(self.end),
            arr(self.window),
        )


@dataclass(frozen=True)
class Pairs:
    """Conversation pairs as arrays: accounts a (initiator) and b, kind, active interval."""

    a: I64
    b: I64
    kind: I64
    start: I64
    end: I64
    window: I64

    def __len__(self) -> int:
        return int(self.a.shape[0])
