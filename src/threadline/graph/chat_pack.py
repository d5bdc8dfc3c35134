"""Chat indicator packs: named categories of terms, loaded from YAML files.

Matching is done on folded text (lower case, accents removed, spacing collapsed, common
digit-for-letter swaps undone), so ``H0W  MUCH`` and ``how much`` are the same term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from anyascii import anyascii

from threadline.datafile import load_yaml
from threadline.errors import UsageError

LEET_FROM, LEET_TO = "013457@$", "oieastas"
LEET = str.maketrans(LEET_FROM, LEET_TO)


@dataclass(frozen=True)
class Category:
    """A named category of chat terms and what it stands for."""

    name: str
    description: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class ChatPack:
    """A chat indicator pack: its categories of terms and the published sources behind them."""

    name: str
    categories: tuple[Category, ...]
    sources: tuple[str, ...]

    def patterns(self) -> dict[str, str]:
        """Category -> one regular expression over folded text."""
        return {c.name: "|".join(re.escape(fold(t)) for t in c.terms) for c in self.categories}


def fold(text: str) -> str:
    """The form both terms and messages are compared in (the SQL side does the same)."""
    folded = anyascii(text.lower()).translate(LEET)
    return " ".join(folded.split())


def load(path: Path | None = None) -> ChatPack:
    """Load a pack file; without a path, the default pack shipped with Threadline."""
    data, where = load_yaml(path, "threadline.graph", "packs/default.yaml", "default pack")
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise UsageError(f"{where}: a chat pack needs a 'categories' mapping")
    cats = []
    for name, body in data["categories"].items():
        terms = body.get("terms") if isinstance(body, dict) else None
        if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
            raise UsageError(f"{where}: category {name!r} needs a non-empty list of 'terms'")
        cats.append(Category(str(name), str(body.get("description", "")), tuple(terms)))
    return ChatPack(str(data.get("name", where)), tuple(cats), tuple(data.get("sources", [])))
