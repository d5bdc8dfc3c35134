"""Names that several people demonstrably share in one place link nobody by name alone.

A name and a city agreeing is evidence of one person only while few people of that name
live there. In a small case "Maria Santos, Manila" may be one receiver; in a case ten times
larger it is a dozen, and a phoneless "Maria Santos, Manila" written at a cash-pickup
counter could be any of them: linked to each by name and city, it would chain them all into
one person. The case itself shows how crowded a name is: the payment identities written
with that name in that city carry different phones (or different accounts on one
provider), each a different person. Where they do, a link that rests on name and city
alone is dropped; links on a shared phone or account stand.
"""

from __future__ import annotations

from collections import defaultdict

import jellyfish
import pyarrow as pa

from threadline.resolve import names, sql
from threadline.store.engine import Engine

# More people than this behind one name in one city make name-and-city links ambiguous.
MAX_HOLDERS = 1
# An address links two accounts only when both were seen on it within this many days: a
# home address passes to another subscriber over the years, and over twelve years and
# thousands of accounts two strangers who held one address years apart are common (at the
# europol scale nearly all wrong IP-and-name links were such pairs; right ones are hours
# apart).
IP_WINDOW_DAYS = 30.0


def holders(
    rows: list[tuple[str, str, str, str | None, str | None, str]],
) -> dict[tuple[str, str], int]:
    """(sorted folded name, city) -> how many different people provably carry it there.

    Different people are told apart by different phones, or by different accounts on the
    same provider; the count is the larger of the two.
    """
    phones: dict[tuple[str, str], set[str]] = defaultdict(set)
    accounts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    cache: dict[str, str] = {}
    for _key, provider, name, phone, account, city in rows:
        if name not in cache:
            cache[name] = names.features(name).sorted
        group = (cache[name], city)
        if phone:
            phones[group].add(phone)
        if account:
            accounts[(*group, provider)].add(account)
    out: dict[tuple[str, str], int] = {g: len(v) for g, v in phones.items()}
    for (n, c, _), accs in accounts.items():
        out[(n, c)] = max(out.get((n, c), 0), len(accs))
    return out


def names_agree(a: str, b: str, min_similarity: float) -> tuple[bool, float]:
    """Whether two display names can name one person: no disagreeing surname, similar.

    Jaro-Winkler rewards a shared prefix, so "Timothy Walter Harris" and "Timothy Adams"
    score above 0.9; with more people behind each block of addresses (more buyers, more
    Timothys) such pairs grew with the case. Two full names must agree on the surname; a
    one-word name must be the other's first word; two one-word names ("Donald", "Donald")
    are what strangers on one address block share, and do not agree. An initial
    ("Timothy H.") agrees with the words it starts.
    """
    fa, fb = names.fold(a).split(), names.fold(b).split()
    if not fa or not fb:
        return False, 0.0
    if len(fa) > 1 and len(fb) > 1 and not _same_word(fa[-1], fb[-1]):
        return False, 0.0
    if len(fa) == 1 and len(fb) == 1:
        return False, 0.0  # two bare first names: on a busy address block, chance
    if (len(fa) == 1 or len(fb) == 1) and fa[0] != fb[0]:
        return False, 0.0
    sim = float(jellyfish.jaro_winkler_similarity(" ".join(fa), " ".join(fb)))
    return sim >= min_similarity, sim


def _same_word(x: str, y: str) -> bool:
    return x == y or (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))


def ip_and_name_links(
    engine: Engine,
    max_accounts_per_ip: int,
    min_similarity: float,
    window_days: float | None = IP_WINDOW_DAYS,
) -> pa.Table:
    """Links between accounts seen close in time on an uncrowded IP whose names agree.

    See names_agree for the names and sql.quiet_ip_name_pairs for the time window.
    """
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for a, b, ip, na, nb in sql.quiet_ip_name_pairs(engine, max_accounts_per_ip, window_days):
        ok, sim = names_agree(na, nb, min_similarity)
        if ok and sim > best.get((a, b), (-1.0, ""))[0]:
            best[(a, b)] = (sim, ip)
    pairs = sorted(best)
    return pa.table(
        {
            "a": pa.array([a for a, _ in pairs], pa.string()),
            "b": pa.array([b for _, b in pairs], pa.string()),
            "rule": pa.array(["ip_and_name"] * len(pairs), pa.string()),
            "confidence": pa.array([best[k][0] for k in pairs], pa.float64()),
            "selector_type": pa.array(["ip"] * len(pairs), pa.string()),
            "value": pa.array([best[k][1] for k in pairs], pa.string()),
        }
    )


def drop_crowded(engine: Engine, pairs: pa.Table, max_holders: int = MAX_HOLDERS) -> pa.Table:
    """Remove pairs linked only by name and city where that name is crowded in that city."""
    if pairs.num_rows == 0:
        return pairs
    rows = sql.identity_contacts(engine)
    crowd = holders(rows)
    info = {r[0]: r for r in rows}
    keep = []
    for left, right in zip(
        pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist(), strict=True
    ):
        lrow, rrow = info[left], info[right]
        strong = (lrow[3] and lrow[3] == rrow[3]) or (
            lrow[1] == rrow[1] and lrow[4] and lrow[4] == rrow[4]
        )
        if strong:
            keep.append(True)
            continue
        groups = [(names.features(r[2]).sorted, r[5]) for r in (lrow, rrow)]
        keep.append(all(crowd.get(g, 0) <= max_holders for g in groups))
    return pairs.filter(pa.array(keep, pa.bool_()))
