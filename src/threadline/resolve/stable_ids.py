"""Stable person ids: an id follows its anchor member, and every change of id is recorded.

A person's **anchor** is the member its id was minted from: when a group of members first
becomes a person with no earlier id, its id is the hash of its smallest member key, and that
member is its anchor. Afterwards the id follows the anchor, whatever joins or leaves: new
ingests add members (never the anchor: it was seen first), a re-run re-forms the same
groups, an analyst merge joins two persons. The smallest key is the anchor of a new person
(rather than, say, the member with the earliest event) because it is content-derived, so
the same data gives the same ids on DuckDB and Spark and in any case; and once minted the
anchor is never re-chosen, so a later file of older chats cannot move it.

Two exceptions, both written down in ``person_history``:

- An analyst who splits the anchor itself off a person does not take the person away:
  the id stays with the piece holding most of the old members (the split moves the member,
  not the target row that cites the person). The same majority rule places the id of a
  person whose anchor is gone (a case made before anchors) or whose id had to be
  re-derived with a counter (below).
- When several persons end up in one (a merge), the one with the most members there keeps
  its id (ties: the one holding the smallest key); the others' ids retire.

An id is never reused for another person: a minted id that is already taken, now or in
the history, is re-derived with a counter.

History rows (``person_history`` and, through :func:`lineage`, ``network_history``) say
for each id that changed what became of it: ``merge`` (it joined another, ``new_id``),
``split`` (one row per successor; the piece that kept the id is a successor too),
``renamed`` (the same members under a new id) or ``dissolved`` (nothing left).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from threadline.store.engine import Engine, Rows, quote_ident
from threadline.store.exporter import iso

# Marks a baseline as taken (an analysis in flight), even when the case had no persons yet.
IN_FLIGHT = ""
MAX_EVIDENCE_MEMBERS = 50


def person_id(first_key: str) -> str:
    """Content-derived: the hash of the person's anchor (its smallest key when first formed)."""
    return "P" + hashlib.sha256(first_key.encode()).hexdigest()[:12]


def minted(key: str, taken: set[str], mint: Callable[[str], str]) -> str:
    """``mint(key)``, or ``mint(key + '#n')`` for the first n that is not ``taken``."""
    found, n = mint(key), 1
    while found in taken:
        n += 1
        found = mint(f"{key}#{n}")
    return found


def assign(
    nodes: list[str],
    membership: list[int],
    old: Mapping[str, str],
    leaving: Set[str] = frozenset(),
    taken: set[str] | None = None,
) -> dict[int, str]:
    """A person id per component of ``nodes`` (sorted keys), given each key's ``old`` id.

    ``leaving`` are members an analyst splits off now: they carry no id away. ``taken`` are
    ids that may not be minted again (retired ids); the old ids are added to it.
    """
    comp_of = dict(zip(nodes, membership, strict=True))
    first: dict[int, str] = {}
    for k, c in zip(nodes, membership, strict=True):
        if c not in first or k < first[c]:
            first[c] = k
    left = {comp_of[k] for k in leaving if k in comp_of}
    held: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    smallest: dict[tuple[str, int], str] = {}
    anchors: dict[str, int] = {}
    for k, c in comp_of.items():
        pid = old.get(k)
        if pid is None:
            continue
        held[pid][c] += 1
        if (pid, c) not in smallest or k < smallest[pid, c]:
            smallest[pid, c] = k
        if k not in leaving and person_id(k) == pid:
            anchors[pid] = c
    claims: dict[int, list[str]] = defaultdict(list)
    for pid, pieces in held.items():
        anchor = anchors.get(pid)
        if anchor is None:
            anchor = min(pieces, key=lambda c: (c in left, -pieces[c], first[c]))
        claims[anchor].append(pid)
    used = set(taken or ()) | set(old.values())
    ids: dict[int, str] = {}
    for comp in sorted(first, key=first.__getitem__):
        mine = claims.get(comp)
        if mine:
            ids[comp] = min(mine, key=lambda p: (-held[p][comp], smallest[p, comp]))
        else:
            ids[comp] = minted(first[comp], used, person_id)
            used.add(ids[comp])
    return ids


@dataclass(frozen=True)
class Change:
    """What became of one old id: ``change`` is merge, split, renamed or dissolved."""

    old_id: str
    new_id: str | None
    change: str
    members: tuple[str, ...]
    merged: tuple[str, ...]

    def evidence(self) -> str:
        """The members that went from the old id to the new one, and the ids merged there."""
        return json.dumps(
            {
                "members": list(self.members[:MAX_EVIDENCE_MEMBERS]),
                "members_moved": len(self.members),
                "old_ids_of_new": list(self.merged),
            }
        )


def lineage(before: Mapping[str, str], after: Mapping[str, str]) -> list[Change]:
    """Every id of ``before`` (member -> id) that ``after`` does not carry on unchanged.

    An id whose members all went to itself, with others joining it, is unchanged: the ids
    of those others are the ones recorded (merged into it).
    """
    went_to: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    sources: dict[str, set[str]] = defaultdict(set)
    for m, oid in before.items():
        nid = after.get(m)
        went_to[oid][nid].append(m)
        if nid is not None:
            sources[nid].add(oid)
    current = set(after.values())
    out: list[Change] = []
    for oid in sorted(went_to):
        went = went_to[oid]
        if len(went) == 1 and oid in went:
            continue  # all its members stayed with it (others may have joined)
        # Members no longer anywhere (a network's member who left it) go nowhere.
        moved = {n: ms for n, ms in went.items() if n is not None}
        if not moved:
            out.append(Change(oid, None, "dissolved", (), ()))
            continue
        if set(moved) == {oid}:
            continue
        if len(moved) > 1:
            kind = "split"
        elif oid not in current and len(sources[next(iter(moved))]) > 1:
            kind = "merge"
        else:
            kind = "renamed"
        for nid in sorted(moved):
            members = tuple(sorted(moved[nid]))
            out.append(Change(oid, nid, kind, members, tuple(sorted(sources[nid]))))
    return out


def write_history(
    engine: Engine, table: str, changes: list[Change], cause: str, decision: int | None = None
) -> int:
    """Append ``changes`` to ``table`` (person_history or network_history), stamped now."""
    if not changes:
        return 0
    rows = pa.table(
        {
            "old_id": pa.array([c.old_id for c in changes], pa.string()),
            "new_id": pa.array([c.new_id for c in changes], pa.string()),
            "change": pa.array([c.change for c in changes], pa.string()),
            "cause": pa.array([cause] * len(changes), pa.string()),
            "decision": pa.array([decision] * len(changes), pa.int64()),
            "evidence": pa.array([c.evidence() for c in changes], pa.string()),
        }
    )
    engine.register("_history", rows)
    try:
        engine.execute(
            f"INSERT INTO {table} SELECT old_id, new_id, change, now()::TIMESTAMP, cause, "
            "decision, evidence FROM _history"
        )
    finally:
        engine.unregister("_history")
    return len(changes)


def retired(engine: Rows, table: str) -> set[str]:
    """Every id ``table`` (a history table) names: none of them may be minted again."""
    return {
        str(i)
        for row in engine.query(f"SELECT old_id, new_id FROM {table}")
        for i in row
        if i is not None
    }


def successors(engine: Rows, table: str, old_id: str, current: set[str]) -> list[str]:
    """The current ids an old id became, following its history to the end (none if unknown)."""
    return successor_map(engine, table, [old_id], current)[old_id]


def successor_map(
    engine: Rows, table: str, old: list[str], current: set[str]
) -> dict[str, list[str]]:
    """For each id of ``old``: itself if current, else the current ids its history leads to."""
    nxt: dict[str, set[str]] = defaultdict(set)
    for o, n in engine.query(f"SELECT old_id, new_id FROM {table} WHERE new_id IS NOT NULL"):
        if o != n:
            nxt[str(o)].add(str(n))
    out: dict[str, list[str]] = {}
    for start in old:
        if start in current:
            out[start] = [start]
            continue
        found: set[str] = set()
        seen, todo = {start}, [start]
        while todo:
            i = todo.pop()
            if i in current:
                found.add(i)
                continue
            for n in nxt.get(i, ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        out[start] = sorted(found)
    return out


def history_of(engine: Rows, table: str, ident: str) -> list[dict[str, Any]]:
    """The history rows naming ``ident`` as old or new id, oldest first."""
    return engine.query_dicts(
        f'SELECT old_id, new_id, change, "at", cause, decision, evidence FROM {table} '
        'WHERE old_id = ? OR new_id = ? ORDER BY "at", old_id, new_id',
        [ident, ident],
    )


# -- the baseline: the persons as they were published before an analysis began ----------------
# The analysis re-forms persons twice (resolve, then relink after sessions); ids and history
# are reckoned against the persons before the analysis, so that the in-between state (payers
# not yet joined to their chat accounts) neither takes an id nor leaves a history row.


def take_baseline(engine: Engine) -> None:
    """Keep the current persons as the baseline, unless an analysis already holds one."""
    if engine.scalar("SELECT count(*) FROM person_id_baseline"):
        return  # an interrupted analysis: its baseline is still the published persons
    engine.execute(
        "INSERT INTO person_id_baseline SELECT member_key, person_id FROM person_members"
    )
    engine.execute("INSERT INTO person_id_baseline VALUES (?, ?)", [IN_FLIGHT, IN_FLIGHT])


def old_ids(engine: Engine) -> dict[str, str]:
    """Each member's id before this analysis: the baseline if one is held, else the stored."""
    rows = engine.query("SELECT member_key, person_id FROM person_id_baseline")
    if not rows:
        rows = engine.query("SELECT member_key, person_id FROM person_members")
    return {str(k): str(p) for k, p in rows if k != IN_FLIGHT}


def settle(engine: Engine, cause: str) -> int:
    """Record what became of the baseline's ids in ``person_history``; drop the baseline."""
    held = engine.scalar("SELECT count(*) FROM person_id_baseline")
    if not held:
        return 0
    before = old_ids(engine)
    after = members_now(engine)
    written = write_history(engine, "person_history", lineage(before, after), cause)
    engine.execute("DELETE FROM person_id_baseline")
    return written


def members_now(engine: Engine) -> dict[str, str]:
    """Each stored member's person id."""
    return {
        str(k): str(p) for k, p in engine.query("SELECT member_key, person_id FROM person_members")
    }


def record_decision(
    engine: Engine,
    before: list[tuple[str, str, str, float, str]],
    after: list[tuple[str, str, str, float, str]],
    cause: str,
    decision: int,
) -> int:
    """Record what an analyst decision (or its undo) did to the ids of the persons it touched."""
    was = {m[2]: m[0] for m in before}
    now = {m[2]: m[0] for m in after}
    return write_history(engine, "person_history", lineage(was, now), cause, decision)


# -- looking up an old id ------------------------------------------------------------------------
# kind -> (history table, SQL giving which of a list of ids are current)
KINDS = {
    "person": (
        "person_history",
        "SELECT DISTINCT person_id FROM person_members WHERE list_contains(?, person_id)",
    ),
    "network": (
        "network_history",
        "SELECT network_id FROM networks WHERE list_contains(?, network_id)",
    ),
}


def lookup(engine: Rows, ident: str) -> dict[str, Any]:
    """What became of a person (``P...``) or network (``N...``) id.

    ``current`` says whether it names a person or network now; ``successors`` are the
    current ids it became (itself when current); ``history`` its rows, oldest first.
    """
    kind = "person" if ident.startswith("P") else "network"
    table, current_sql = KINDS[kind]
    nxt: dict[str, set[str]] = defaultdict(set)
    for o, n in engine.query(f"SELECT old_id, new_id FROM {table} WHERE new_id IS NOT NULL"):
        nxt[str(o)].add(str(n))
    reach, todo = {ident}, [ident]
    while todo:
        for n in nxt.get(todo.pop(), ()):
            if n not in reach:
                reach.add(n)
                todo.append(n)
    current = {str(i) for (i,) in engine.query(current_sql, [sorted(reach)])}
    return {
        "id": ident,
        "kind": kind,
        "current": ident in current,
        "successors": successor_map(engine, table, [ident], current)[ident],
        "history": history_of(engine, table, ident),
    }


def history_export_sql(table: str) -> str:
    """The export contract's ``<table>.jsonl``: a history table, oldest change first."""
    return (
        f"SELECT old_id, new_id, change, {iso(quote_ident('at'))} AS {quote_ident('at')}, "
        f"cause, decision, json(evidence) AS evidence FROM {table} "
        f"ORDER BY {table}.{quote_ident('at')}, old_id, new_id"
    )
