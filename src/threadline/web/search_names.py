"""The written names of a case indexed for the name search: one lookup per reading.

:func:`name_match` says how well one written name matches a query. Scanning every name of
the case with it costs tens of milliseconds of Python per query at ``medium`` (all of it
holding the GIL), so :class:`NameIndex` keeps the names by folded full form, sorted form,
token and metaphone pair, and finds the similar spellings with rapidfuzz's Jaro-Winkler (C++)
over the distinct sorted forms. Only the few candidates are then scored by :func:`name_match`,
so the matches and their scores are exactly the scan's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import jellyfish
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from threadline.resolve.names import NameFeatures

FUZZY = 0.9  # Jaro-Winkler of folded names at least this counts as a fuzzy match
# Candidates are taken a little below FUZZY: the exact score comes from name_match.
_MARGIN = 0.01


def name_match(q: NameFeatures, name: NameFeatures) -> tuple[float, str] | None:
    """How well a written name matches the query: (score, how), or None."""
    if not q.full or not name.full:
        return None
    if q.full == name.full:
        return 1.0, "same name"
    if q.sorted == name.sorted:
        return 0.97, "same name, other order"
    if set(q.tokens) <= set(name.tokens):
        return 0.9, "part of the name"
    if len(q.tokens) > 1 and (q.first_mp, q.last_mp) == (name.first_mp, name.last_mp):
        return 0.88, "sounds alike"
    similarity = jellyfish.jaro_winkler_similarity(q.sorted, name.sorted)
    if similarity >= FUZZY:
        return round(similarity * 0.95, 3), "similar spelling"
    return None


@dataclass
class NameIndex:
    """Names (with any payload per name) indexed by each way :func:`name_match` can match."""

    names: list[NameFeatures] = field(default_factory=list)
    _full: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _sorted: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _token: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    _sounds: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    _spellings: list[str] = field(default_factory=list)  # distinct sorted forms

    @classmethod
    def of(cls, names: Iterable[NameFeatures]) -> NameIndex:
        """The index of ``names``; matches are given as positions in this order."""
        index = cls()
        for i, name in enumerate(names):
            index.names.append(name)
            if not name.full:
                continue  # an empty name matches nothing
            index._full[name.full].append(i)
            index._sorted[name.sorted].append(i)
            for token in set(name.tokens):
                index._token[token].append(i)
            index._sounds[name.first_mp, name.last_mp].append(i)
        index._spellings = sorted(index._sorted)
        return index

    def candidates(self, q: NameFeatures) -> set[int]:
        """Positions of every name :func:`name_match` could match to ``q`` (a superset)."""
        if not q.full:
            return set()
        found = set(self._full.get(q.full, ())) | set(self._sorted.get(q.sorted, ()))
        tokens = set(q.tokens)
        if tokens:
            # "Part of the name": every query token is a token of the name.
            parts = [set(self._token.get(t, ())) for t in tokens]
            found |= set.intersection(*parts)
        if len(q.tokens) > 1:
            found |= set(self._sounds.get((q.first_mp, q.last_mp), ()))
        similar = process.extract(
            q.sorted,
            self._spellings,
            scorer=JaroWinkler.normalized_similarity,
            score_cutoff=FUZZY - _MARGIN,
            limit=None,
        )
        for spelling, _score, _pos in similar:
            found.update(self._sorted[spelling])
        return found

    def matches(self, q: NameFeatures) -> list[tuple[int, float, str]]:
        """(position, score, how) of every name matching ``q``, in index order."""
        found = []
        for i in sorted(self.candidates(q)):
            m = name_match(q, self.names[i])
            if m is not None:
                found.append((i, m[0], m[1]))
        return found
