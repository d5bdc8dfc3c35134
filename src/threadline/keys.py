"""Case keys: how strong a key must be to encrypt a case, and how to make one.

DuckDB derives the encryption key from whatever text it is given, so a short or repetitive
key is a guessable one. A new encrypted case therefore needs a key that carries at least
128 bits of entropy by a simple, documented estimate (docs/store.md):

- 32 or more hexadecimal digits (``threadline keygen`` writes 64), counted at 4 bits each
  when they do not repeat a few digits (at least 2 bits of Shannon entropy per digit); or
- at least 16 printable characters whose estimate reaches 128 bits: the length times the
  smaller of (a) log2 of the size of the character classes used (lower case 26, upper
  case 26, digits 10, anything else 33) and (b) the Shannon entropy per character of the
  key itself, so repeating a few characters does not count as strength.

It is an estimate that refuses obviously weak keys, not a proof of strength: a long phrase
anyone could guess passes. ``threadline keygen`` makes keys that need no estimate.
"""

from __future__ import annotations

import math
import os
import secrets
import string
from collections import Counter
from pathlib import Path

from threadline.errors import KeyRequiredError, UsageError

MIN_BITS = 128
MIN_CHARS = 16
HEX = frozenset(string.hexdigits)
_CLASSES = (
    (frozenset(string.ascii_lowercase), 26),
    (frozenset(string.ascii_uppercase), 26),
    (frozenset(string.digits), 10),
)
_OTHER = 33  # printable ASCII punctuation and space


def entropy_bits(key: str) -> float:
    """The estimated entropy of a key in bits, by the rule in this module's docstring."""
    if not key:
        return 0.0
    shannon = -sum(n / len(key) * math.log2(n / len(key)) for n in Counter(key).values())
    if len(key) >= 32 and set(key) <= HEX and shannon >= 2.0:
        return 4.0 * len(key)
    pool = sum(size for chars, size in _CLASSES if any(c in chars for c in key))
    if any(not any(c in chars for chars, _ in _CLASSES) for c in key):
        pool += _OTHER
    return len(key) * min(math.log2(pool), shannon)


def check_key(key: str) -> None:
    """Refuse a key for a new encrypted case that carries less than 128 bits by the estimate."""
    bits = entropy_bits(key)
    if len(key) < MIN_CHARS or bits < MIN_BITS:
        raise KeyRequiredError(
            f"the key is too weak to encrypt a case: about {bits:.0f} bits of entropy in "
            f"{len(key)} characters, {MIN_BITS} needed (at least {MIN_CHARS} characters, or "
            "32 hex digits); make one with `threadline keygen --out FILE`"
        )


def generate_key(path: Path) -> Path:
    """Write a new random 256-bit case key (64 hex digits) readable by its owner only."""
    if path.exists():
        raise UsageError(f"{path} exists; refusing to overwrite a key")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start (and never over an existing file), so no other user can
    # read the key even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path
