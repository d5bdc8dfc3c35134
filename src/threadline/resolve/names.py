"""Person-name features for record linkage: folded text, sorted tokens, phonetic codes.

Computed in Python once per distinct written name (names repeat across payments), then
joined back as a lookup table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jellyfish
from anyascii import anyascii

_NOT_LETTERS = re.compile(r"[^a-z ]+")
# Honorifics and connectors that carry no identity.
_STOP = frozenset({"mr", "mrs", "ms", "miss", "dr", "jr", "sr", "de", "del", "dela", "la", "van"})


@dataclass(frozen=True)
class NameFeatures:
    """A written name's forms for comparison: folded, sorted, first and last, phonetic."""

    full: str  # folded, single-spaced, in written order
    sorted: str  # tokens sorted: robust to swapped order
    first: str
    last: str
    first_mp: str  # metaphone codes: robust to spelling variants
    last_mp: str
    tokens: tuple[str, ...]


def fold(raw: str) -> str:
    """Lower-case ASCII letters, single spaces: "José  DELA Cruz-Ruiz" -> "jose dela cruz ruiz"."""
    text = anyascii(raw).lower().replace("-", " ").replace(".", " ")
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


def features(raw: str) -> NameFeatures:
    """Features of one written name; idempotent on already folded names."""
    full = fold(raw)
    tokens = tuple(t for t in full.split() if t not in _STOP) or tuple(full.split())
    if not tokens:
        return NameFeatures("", "", "", "", "", "", ())
    first, last = tokens[0], tokens[-1]
    return NameFeatures(
        full=full,
        sorted=" ".join(sorted(tokens)),
        first=first,
        last=last,
        first_mp=jellyfish.metaphone(first),
        last_mp=jellyfish.metaphone(last),
        tokens=tuple(sorted(set(tokens))),
    )
