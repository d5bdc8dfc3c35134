"""Column text in bulk: identifiers, decimals, IP addresses, and CSV / JSON Lines encoding.

Everything here works on whole numpy / pyarrow arrays so that writing ten million rows costs
a handful of C++ passes per column, never a Python loop per row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from threadline.synth.clock import fixed_width_strings

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_ALNUM = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", dtype=np.uint8)


def mix64(x: npt.ArrayLike, salt: int) -> U64:
    """A bijection on 64-bit integers (splitmix64 finaliser): unique in, unique out."""
    with np.errstate(over="ignore"):
        z = np.asarray(x, dtype=np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out: U64 = z ^ (z >> np.uint64(31))
        return out


def hex_matrix(values: U64, *, upper: bool = False) -> npt.NDArray[np.uint8]:
    """Each 64-bit value as 16 hex digits (an n x 16 byte matrix)."""
    b = np.asarray(values, dtype=">u8").view(np.uint8).reshape(-1, 8)
    lut = _HEX_UPPER if upper else _HEX
    out = np.empty((b.shape[0], 16), dtype=np.uint8)
    out[:, 0::2] = lut[b >> 4]
    out[:, 1::2] = lut[b & 15]
    return out


def hex_ids(values: U64, prefix: str = "", *, width: int = 16, upper: bool = False) -> pa.Array:
    """``prefix`` + the first ``width`` hex digits of each value."""
    m = hex_matrix(values, upper=upper)[:, :width]
    return _prefixed(m, prefix)


def alnum_ids(values: U64, width: int, prefix: str = "") -> pa.Array:
    """``prefix`` + ``width`` upper-case letters and digits derived from each value."""
    v = np.asarray(values, dtype=np.uint64)
    m = np.empty((v.shape[0], width), dtype=np.uint8)
    for k in range(width):
        if k and k % 12 == 0:
            v = mix64(v, k)
        m[:, k] = _ALNUM[(v >> np.uint64(5 * (k % 12))) & np.uint64(31)]
    return _prefixed(m, prefix)


def int_text(values: npt.ArrayLike, prefix: str = "") -> pa.Array:
    """Decimal text of integers, optionally prefixed."""
    t = pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, t, "") if prefix else t


def unique_ints(rng: np.random.Generator, n: int, lo: int, hi: int) -> I64:
    """``n`` distinct random integers in [lo, hi)."""
    out = rng.integers(lo, hi, n)
    while True:
        _, first = np.unique(out, return_index=True)
        if first.shape[0] == n:
            return out
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        out[dup] = rng.integers(lo, hi, int(dup.sum()))


def _prefixed(m: npt.NDArray[np.uint8], prefix: str) -> pa.Array:
    if prefix:
        p = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        m = np.concatenate([np.broadcast_to(p, (m.shape[0], p.shape[0])), m], axis=1)
    return fixed_width_strings(m)


def decimal_text(scaled: I64, places: npt.ArrayLike) -> pa.Array:
    """Integers scaled by 10**places written as plain decimals (``2500``, 2 -> ``25.00``)."""
    v = np.asarray(scaled, dtype=np.int64)
    p = np.broadcast_to(np.asarray(places, dtype=np.int64), v.shape)
    neg = v < 0
    a = np.abs(v)
    unit = 10**p
    whole = pa.array(a // unit).cast(pa.string())
    frac_digits = pa.array(a % unit + unit).cast(pa.string())  # a leading 1 keeps the zeros
    frac = pc.utf8_slice_codeunits(frac_digits, 1)
    body = pc.if_else(pa.array(p > 0), pc.binary_join_element_wise(whole, frac, "."), whole)
    return pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", body, ""), body)


def ipv4_text(ips: npt.NDArray[np.uint32]) -> pa.Array:
    """Dotted-quad text of IPv4 addresses held as uint32."""
    v = np.asarray(ips, dtype=np.uint32)
    parts = [
        pa.array((v >> np.uint32(s)) & np.uint32(255)).cast(pa.string()) for s in (24, 16, 8, 0)
    ]
    return pc.binary_join_element_wise(*parts, ".")


def take_text(table: pa.Array, idx: npt.ArrayLike) -> pa.Array:
    """Strings from a small table by index (a negative index gives null)."""
    i = np.asarray(idx, dtype=np.int64)
    mask = i < 0
    out = table.take(pa.array(np.where(mask, 0, i)))
    if mask.any():
        out = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), out)
    return out


_CSV_SPECIAL = '[,"\\r\\n]'


def csv_field(col: pa.Array) -> pa.Array:
    """RFC 4180 text of one column: quoted only when needed; null becomes empty."""
    col = col.cast(pa.string())
    needs = pc.match_substring_regex(col, _CSV_SPECIAL)
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    out = pc.if_else(needs, quoted, col)
    return pc.fill_null(out, "")


def csv_lines(cols: list[pa.Array]) -> pa.Array:
    """One CSV record per row, each ending in a newline."""
    fields = [csv_field(c) for c in cols]
    return pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")


def json_string(col: pa.Array) -> pa.Array:
    """JSON string literals of a text column (nulls stay null)."""
    s = col.cast(pa.string())
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        s = pc.replace_substring(s, a, b)
    return pc.binary_join_element_wise('"', s, '"', "")


def json_objects(
    names: list[str], cols: list[pa.Array], raw: frozenset[str] = frozenset()
) -> pa.Array:
    """One JSON object text per row, keys in the given order; null fields are left out.

    Columns named in ``raw`` already hold JSON text (numbers, nested objects, arrays).
    """
    parts = []
    for name, col in zip(names, cols, strict=True):
        value = col.cast(pa.string()) if name in raw else json_string(col)
        parts.append(pc.binary_join_element_wise(f'"{name}": ', value, ""))
    body = pc.binary_join_element_wise(*parts, ", ", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "")


def jsonl_lines(
    names: list[str], cols: list[pa.Array], raw: frozenset[str] = frozenset()
) -> pa.Array:
    """One JSON object per row, each ending in a newline."""
    return pc.binary_join_element_wise(json_objects(names, cols, raw), "\n", "")


def concat_bytes(lines: pa.Array) -> memoryview:
    """The concatenated text of a string array (zero-copy view of its data buffer)."""
    if len(lines) == 0:
        return memoryview(b"")
    bufs = lines.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=len(lines) + 1, offset=4 * lines.offset)
    return memoryview(bufs[2])[int(offsets[0]) : int(offsets[-1])]
