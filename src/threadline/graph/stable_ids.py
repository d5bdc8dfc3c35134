"""Stable network ids: a network keeps its id while it keeps most of its people.

A network is re-detected on every run, so its members can change with every file and
decision. Its id is carried over by **overlap**: each group found now takes the id of the
old network it shares the most core members (facilitators and mules) with, greedily from
the largest overlap down (ties: the smaller old id), each old id going to one group at
most. Members are compared as persons, an old person followed to its successors through
``person_history`` (a person merged into another counts as that other). A group sharing
no one with any old network is new: its id is the hash of its sorted member ids, as
before, re-derived with a counter when that id was ever used.

Largest overlap rather than one anchor member (the earliest facilitator, say) because a
network is a group: an anchor facilitator who is reclassified, split off or arrested and
silent would rename a network whose other twenty members are unchanged.

Like persons, ids are reckoned against the networks before the analysis in flight (the
graph stage runs before and after persons are re-linked); what became of each old id is
written to ``network_history`` once persons are final.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from threadline.resolve import stable_ids
from threadline.store.engine import Engine

IN_FLIGHT = stable_ids.IN_FLIGHT


def network_id(key: str) -> str:
    """A new network's id: the hash of its sorted member ids joined by ``|``."""
    return "N" + hashlib.sha256(key.encode()).hexdigest()[:10]


def take_baseline(engine: Engine) -> None:
    """Keep the current networks' core members as the baseline, unless one is held."""
    if engine.scalar("SELECT count(*) FROM network_id_baseline"):
        return
    engine.execute(
        "INSERT INTO network_id_baseline SELECT network_id, person_id FROM network_members "
        "WHERE role <> 'buyer'"
    )
    engine.execute("INSERT INTO network_id_baseline VALUES (?, ?)", [IN_FLIGHT, IN_FLIGHT])


def _old_members(engine: Engine) -> dict[str, set[str]]:
    """Each old network's core members, as the current persons they became."""
    rows = engine.query("SELECT network_id, person_id FROM network_id_baseline")
    if not rows:
        rows = engine.query(
            "SELECT network_id, person_id FROM network_members WHERE role <> 'buyer'"
        )
    rows = [(str(n), str(p)) for n, p in rows if n != IN_FLIGHT]
    current = {str(p) for (p,) in engine.query("SELECT DISTINCT person_id FROM person_members")}
    now = stable_ids.successor_map(engine, "person_history", sorted({p for _, p in rows}), current)
    old: dict[str, set[str]] = defaultdict(set)
    for n, p in rows:
        old[n].update(now[p])
    return old


def assign(engine: Engine, groups: list[list[str]]) -> list[str]:
    """An id for each group of core member person ids, in the order given."""
    old = _old_members(engine)
    holders: dict[str, list[str]] = defaultdict(list)
    for n, core in old.items():
        for p in core:
            holders[p].append(n)
    overlap: dict[tuple[str, int], int] = defaultdict(int)
    for g, group in enumerate(groups):
        for p in group:
            for n in holders.get(p, ()):
                overlap[n, g] += 1
    ids: dict[int, str] = {}
    claimed: set[str] = set()
    for (n, g), _ in sorted(overlap.items(), key=lambda x: (-x[1], x[0][0], x[0][1])):
        if n not in claimed and g not in ids:
            ids[g] = n
            claimed.add(n)
    used = set(old) | stable_ids.retired(engine, "network_history")
    for g, group in enumerate(groups):
        if g not in ids:
            ids[g] = stable_ids.minted("|".join(sorted(group)), used, network_id)
            used.add(ids[g])
    return [ids[g] for g in range(len(groups))]


def settle(engine: Engine, cause: str = "analyze:graph") -> int:
    """Once persons are final, record what became of the baseline's networks; drop it.

    While the persons of the analysis in flight are not final (relink still to come), the
    baseline is kept for the graph run that follows.
    """
    if engine.scalar("SELECT count(*) FROM person_id_baseline"):
        return 0
    if not engine.scalar("SELECT count(*) FROM network_id_baseline"):
        return 0
    before = {p: n for n, core in _old_members(engine).items() for p in sorted(core)}
    after = {
        str(p): str(n)
        for n, p in engine.query(
            "SELECT network_id, person_id FROM network_members WHERE role <> 'buyer'"
        )
    }
    changes = stable_ids.lineage(before, after)
    written = stable_ids.write_history(engine, "network_history", changes, cause)
    engine.execute("DELETE FROM network_id_baseline")
    return written
