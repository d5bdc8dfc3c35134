"""Reads throttled per user: a token bucket, so nobody walks a case row by row.

Each user holds ``burst`` tokens, refilled at ``rate_per_s``; a read takes one. An analyst
opening evidence by hand never waits; a script enumerating every row of a source gets
``429`` with ``Retry-After`` once the burst is spent, and then about ``rate_per_s`` rows a
second.
"""

from __future__ import annotations

import math
import threading
import time

EVIDENCE_BURST = 300
EVIDENCE_RATE_PER_S = 2.0


class ReadBucket:
    """A token bucket per user name."""

    def __init__(self, burst: int = EVIDENCE_BURST, rate_per_s: float = EVIDENCE_RATE_PER_S):
        self.burst = burst
        self.rate_per_s = rate_per_s
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # user -> (tokens, at)

    def take(self, user: str) -> int | None:
        """Take one token; None when taken, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._state.get(user, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate_per_s)
            if tokens >= 1.0:
                self._state[user] = (tokens - 1.0, now)
                return None
            self._state[user] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate_per_s))
