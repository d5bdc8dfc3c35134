"""Time: growing activity over the twelve years, local offsets, ISO 8601 text in bulk.

Timestamps are int64 epoch seconds everywhere inside the generator; they become text only
when a source file is written, in that source's clock (UTC ``Z``, a zone's offsets with DST,
or naive local time for sources whose manifest names their timezone).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from threadline.synth.scales import DAY, END, GROWTH, START

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def rng_for(seed: int, *tags: str | int) -> np.random.Generator:
    """A generator for one component, independent of how much the others draw."""
    words = [seed & 0xFFFFFFFF, seed >> 32]
    for tag in tags:
        words.append(zlib.crc32(tag.encode()) if isinstance(tag, str) else int(tag))
    return np.random.default_rng(words)


def growth_times(
    rng: np.random.Generator, lo: I64 | int, hi: I64 | int, n: int | None = None
) -> I64:
    """Times in [lo, hi] drawn with density growing as exp(GROWTH * t / twelve years)."""
    lo_a = np.asarray(lo, dtype=np.float64)
    hi_a = np.asarray(hi, dtype=np.float64)
    size = n if n is not None else np.broadcast(lo_a, hi_a).shape
    span = float(END - START)
    u = rng.random(size)
    a = np.exp(GROWTH * (lo_a - START) / span)
    b = np.exp(GROWTH * (hi_a - START) / span)
    x = np.log(a + u * (b - a)) / GROWTH * span + START
    out: I64 = np.clip(x, lo_a, hi_a).astype(np.int64)
    return out


def local_hour_times(
    rng: np.random.Generator, days_utc: I64, utc_offset_h: F64, profile: F64
) -> I64:
    """Times on the given days at local hours drawn from a 24-bin profile."""
    cdf = np.cumsum(profile / profile.sum())
    hour = np.searchsorted(cdf, rng.random(days_utc.shape[0]), side="right")
    sec = hour * 3600 + rng.integers(0, 3600, days_utc.shape[0])
    day0 = (days_utc // DAY) * DAY
    return (day0 + sec - (utc_offset_h * 3600).astype(np.int64)).astype(np.int64)


# Hour-of-day profiles (local time): evenings for buyers, waking hours for everyone else.
EVENING = np.array(
    [3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 6, 8, 10, 10, 8, 5], dtype=np.float64
)
DAYTIME = np.array(
    [1, 0.5, 0.3, 0.3, 0.3, 0.5, 2, 4, 5, 6, 6, 6, 7, 6, 6, 6, 6, 6, 7, 8, 8, 6, 4, 2],
    dtype=np.float64,
)


@lru_cache(maxsize=64)
def _offset_table(zone: str) -> tuple[I64, I64]:
    """Change times and the UTC offsets (seconds) that start at them, over the data range."""
    tz = ZoneInfo(zone)

    def off(t: int) -> int:
        delta = datetime.fromtimestamp(t, UTC).astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    lo, hi = START - 400 * DAY, END + 400 * DAY
    changes = [lo]
    offsets = [off(lo)]
    t = lo
    while t < hi:
        nxt = t + 7 * DAY  # zones change offset at most twice a year
        if off(nxt) != offsets[-1]:
            a, b = t, nxt  # the change lies in (a, b]; find it to the second
            while b - a > 1:
                mid = (a + b) // 2
                if off(mid) == offsets[-1]:
                    a = mid
                else:
                    b = mid
            changes.append(b)
            offsets.append(off(b))
        t = nxt
    return np.array(changes, dtype=np.int64), np.array(offsets, dtype=np.int64)


def utc_offsets(zone: str, t: I64) -> I64:
    """The zone's UTC offset in seconds at each time."""
    if zone == "UTC":
        return np.zeros(t.shape[0], dtype=np.int64)
    changes, offsets = _offset_table(zone)
    idx = np.searchsorted(changes, t, side="right") - 1
    return offsets[np.clip(idx, 0, offsets.shape[0] - 1)]


def fixed_width_strings(matrix: npt.NDArray[np.uint8]) -> pa.Array:
    """A pyarrow string array whose i-th value is row i of an ASCII byte matrix."""
    n, width = matrix.shape
    offsets = np.arange(0, n * width + 1, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _digits(out: npt.NDArray[np.uint8], col: int, value: I64, width: int) -> None:
    for k in range(width):
        out[:, col + width - 1 - k] = 48 + (value // (10**k)) % 10


def civil(days: I64) -> tuple[I64, I64, I64]:
    """Year, month, day of days since 1970-01-01 (proleptic Gregorian, vectorised)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y.astype(np.int64), m.astype(np.int64), d.astype(np.int64)


def iso_text(t: I64, zone: str, *, naive: bool = False) -> pa.Array:
    """ISO 8601 text of epoch seconds in a zone: ``Z`` for UTC, else ``+hh:mm``.

    With ``naive`` the local time is written without any offset (a source whose manifest
    entry names the zone).
    """
    t = np.asarray(t, dtype=np.int64)
    off = utc_offsets(zone, t)
    local = t + off
    days = local // DAY
    sec = local - days * DAY
    y, mo, d = civil(days)
    utc_z = zone == "UTC" and not naive
    width = 19 if naive else (20 if utc_z else 25)
    m = np.empty((t.shape[0], width), dtype=np.uint8)
    _digits(m, 0, y, 4)
    m[:, 4] = m[:, 7] = 45  # '-'
    _digits(m, 5, mo, 2)
    _digits(m, 8, d, 2)
    m[:, 10] = 84  # 'T'
    _digits(m, 11, sec // 3600, 2)
    m[:, 13] = m[:, 16] = 58  # ':'
    _digits(m, 14, (sec // 60) % 60, 2)
    _digits(m, 17, sec % 60, 2)
    if utc_z:
        m[:, 19] = 90  # 'Z'
    elif not naive:
        m[:, 19] = np.where(off < 0, 45, 43)  # '-' or '+'
        a = np.abs(off)
        _digits(m, 20, a // 3600, 2)
        m[:, 22] = 58
        _digits(m, 23, (a // 60) % 60, 2)
    return fixed_width_strings(m)


def iso_utc(t: int) -> str:
    """One timestamp as ISO 8601 UTC text, for truth files."""
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
