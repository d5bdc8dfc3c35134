"""Persons: accounts and payment identities joined by strong selectors, linkage and analysts.

Graph-scale work (after aggregation) on one node with igraph: connected components of the
link graph, minus the links an analyst split off, plus the merges an analyst confirmed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import igraph as ig
import pyarrow as pa

from threadline.errors import UsageError
from threadline.resolve import crowding, linkage, names, sql, stable_ids
from threadline.store.engine import Engine

# Selectors that identify one person when held by few accounts.
STRONG = ("phone", "email", "device", "payment_account")
# Beyond this many accounts one selector is a shared resource (family phone, shop device).
MAX_ACCOUNTS_PER_SELECTOR = 4


@dataclass(frozen=True)
class Parameters:
    """Settings of identity resolution: strong selectors, their limits and thresholds."""

    strong_selectors: tuple[str, ...] = STRONG
    max_accounts_per_selector: int = MAX_ACCOUNTS_PER_SELECTOR
    match_threshold: float = linkage.MATCH_THRESHOLD
    max_accounts_per_ip: int = 5  # more on one address (seen close in time): a shared network
    min_name_similarity: float = 0.9
    max_name_holders: int = crowding.MAX_HOLDERS
    ip_window_days: float = crowding.IP_WINDOW_DAYS

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return {
            "strong_selectors": list(self.strong_selectors),
            "max_accounts_per_selector": self.max_accounts_per_selector,
            "match_threshold": self.match_threshold,
            "max_accounts_per_ip": self.max_accounts_per_ip,
            "min_name_similarity": self.min_name_similarity,
            "max_name_holders": self.max_name_holders,
            "ip_window_days": self.ip_window_days,
        }


def person_id(first_key: str) -> str:
    """Content-derived: the hash of the person's anchor member key (see stable_ids)."""
    return stable_ids.person_id(first_key)


def resolve(engine: Engine, params: Parameters | None = None) -> dict[str, Any]:
    """Rebuild selectors, links and persons from the stored records and analyst decisions."""
    p = params or Parameters()
    stable_ids.take_baseline(engine)
    sql.build_selectors(engine)
    sql.build_identities(engine)
    engine.execute("DELETE FROM person_links")
    sql.shared_selector_links(engine, p.strong_selectors, p.max_accounts_per_selector)
    sql.add_links(
        engine,
        crowding.ip_and_name_links(
            engine, p.max_accounts_per_ip, p.min_name_similarity, p.ip_window_days
        ),
    )
    spec = replace(linkage.PAYMENT_IDENTITIES, threshold=p.match_threshold)
    scored, model = linkage.link(engine, _identity_records(engine), spec)
    pairs = crowding.drop_crowded(engine, sql.corroborated(engine, scored), p.max_name_holders)
    sql.add_links(
        engine,
        pa.table(
            {
                "a": pairs["unique_id_l"],
                "b": pairs["unique_id_r"],
                "rule": pa.array(["splink"] * pairs.num_rows, pa.string()),
                "confidence": pairs["match_probability"],
                "selector_type": pa.array(["name"] * pairs.num_rows, pa.string()),
                "value": pa.array([None] * pairs.num_rows, pa.string()),
            }
        ),
    )
    members = _components(engine)
    sql.replace_members(engine, members)
    persons = len(set(members["person_id"].to_pylist()))
    return {
        "persons": persons,
        "members": members.num_rows,
        "links": int(engine.scalar("SELECT count(*) FROM person_links")),
        "splink_pairs_scored": model.pairs_compared,
        "splink_pairs_above_threshold": model.pairs_linked,
        "splink_pairs_linked": pairs.num_rows,
    }


def _identity_records(engine: Engine) -> pa.Table:
    raw = sql.identity_names(engine)
    feats = [names.features(r) for r in raw]
    table = pa.table(
        {
            "raw": pa.array(raw, pa.string()),
            "full": [f.full or None for f in feats],
            "sorted": [f.sorted or None for f in feats],
            "first_mp": [f.first_mp or None for f in feats],
            "last_mp": [f.last_mp or None for f in feats],
            "tokens": pa.array([list(f.tokens) for f in feats], pa.list_(pa.string())),
        }
    )
    return sql.identity_records(engine, table)


def _components(engine: Engine) -> pa.Table:
    node_list = sql.nodes(engine)
    index = {k: i for i, (k, _) in enumerate(node_list)}
    decisions = sql.decisions(engine)
    isolated = {str(d["member_key"]) for d in decisions if d["action"] == "split"}
    edges: list[tuple[int, int]] = []
    via: dict[int, set[str]] = {}
    conf: dict[int, float] = {}
    for a, b, rule, c in sql.links(engine):
        if a not in index or b not in index or a in isolated or b in isolated:
            continue
        edges.append((index[a], index[b]))
        for n in (index[a], index[b]):
            via.setdefault(n, set()).add(rule)
            conf[n] = max(conf.get(n, 0.0), c)
    for d in decisions:
        if d["action"] == "merge" and d["member_key"] in index and d["other_key"] in index:
            ia, ib = index[str(d["member_key"])], index[str(d["other_key"])]
            edges.append((ia, ib))
            for n in (ia, ib):
                via.setdefault(n, set()).add("analyst")
                conf[n] = 1.0
    graph = ig.Graph(n=len(node_list), edges=edges)
    membership = graph.connected_components().membership
    ids = stable_ids.assign(
        [k for k, _ in node_list],
        membership,
        stable_ids.old_ids(engine),
        taken=stable_ids.retired(engine, "person_history"),
    )
    return pa.table(
        {
            "person_id": [ids[c] for c in membership],
            "member_type": [t for _, t in node_list],
            "member_key": [k for k, _ in node_list],
            "confidence": [conf.get(i, 1.0) for i in range(len(node_list))],
            "via": [",".join(sorted(via.get(i, {"self"}))) for i in range(len(node_list))],
        }
    )


def recompute_members(engine: Engine) -> int:
    """Re-form persons from the stored links and all analyst decisions (no re-linking)."""
    members = _components(engine)
    sql.replace_members(engine, members)
    stable_ids.settle(engine, "analyze:relink")
    return len(set(members["person_id"].to_pylist()))


def member_key(engine: Engine, key: str) -> str:
    """Accept a member key (``platform:handle``, ``id:...``) or a person id."""
    if key.startswith("P") and ":" not in key:
        found = engine.scalar(
            "SELECT min(member_key) FROM person_members WHERE person_id = ?", [key]
        )
        if found is None:
            raise UsageError(f"no person {key!r}; run `threadline analyze` first")
        return str(found)
    if sql.person_of(engine, key.lower() if not key.startswith("id:") else key) is None:
        raise UsageError(f"no account or payment identity {key!r} in this case")
    return key.lower() if not key.startswith("id:") else key


# -- analyst decisions, scoped to the persons they are about ----------------------------------
# (person_id, member_type, member_key, confidence, via): one row of person_members.
Member = tuple[str, str, str, float, str]


def held_by(engine: Engine, keys: list[str]) -> list[Member]:
    """Every member of the persons that hold any of ``keys``, in key order."""
    rows = engine.query(
        """SELECT person_id, member_type, member_key, confidence, via FROM person_members
           WHERE person_id IN (SELECT person_id FROM person_members
                               WHERE list_contains(?, member_key))
           ORDER BY member_key""",
        [keys],
    )
    return [(str(p), str(t), str(k), float(c), str(v)) for p, t, k, c, v in rows]


def regroup(
    engine: Engine, keys: list[str], decisions: list[dict[str, Any]] | None = None
) -> tuple[list[Member], list[Member]]:
    """(before, after): the persons holding ``keys``, re-formed from their own links only.

    Only the members of those persons are re-formed, from the links between them, minus the
    members an analyst split off, plus the merges an analyst confirmed (``decisions``, by
    default the stored ones); every other person keeps its id and members. A re-formed
    person keeps its id when it holds that person's anchor (:mod:`stable_ids`); a split-off
    anchor takes no id away, so a split leaves the person (and its target row) in place and
    only the split-off member moves.
    """
    before = held_by(engine, keys)
    types = {k: t for _, t, k, _, _ in before}
    nodes = sorted(types)
    index = {k: i for i, k in enumerate(nodes)}
    decided = sql.decisions(engine) if decisions is None else decisions
    isolated = {str(d["member_key"]) for d in decided if d["action"] == "split"}
    edges: list[tuple[int, int]] = []
    via: dict[int, set[str]] = {}
    conf: dict[int, float] = {}
    for a, b, rule, c in engine.query(
        """SELECT a, b, rule, confidence FROM person_links
           WHERE list_contains($1, a) AND list_contains($1, b) AND NOT list_contains($2, rule)
           ORDER BY a, b, rule""",
        [nodes, list(sql.NOT_JOINING)],
    ):
        if a in isolated or b in isolated:
            continue
        edges.append((index[a], index[b]))
        for n in (index[a], index[b]):
            via.setdefault(n, set()).add(str(rule))
            conf[n] = max(conf.get(n, 0.0), float(c))
    for d in decided:
        ka, kb = str(d["member_key"]), str(d.get("other_key"))
        if d["action"] == "merge" and ka in index and kb in index:
            edges.append((index[ka], index[kb]))
            for n in (index[ka], index[kb]):
                via.setdefault(n, set()).add("analyst")
                conf[n] = 1.0
    membership = ig.Graph(n=len(nodes), edges=edges).connected_components().membership
    leaving = isolated & set(keys)
    old = {k: p for p, _, k, _, _ in before}
    ids = stable_ids.assign(
        nodes, membership, old, leaving, stable_ids.retired(engine, "person_history")
    )
    after = [
        (ids[membership[i]], types[k], k, conf.get(i, 1.0), ",".join(sorted(via.get(i, {"self"}))))
        for i, k in enumerate(nodes)
    ]
    return before, after


def replace_scope(engine: Engine, before: list[Member], after: list[Member]) -> None:
    """Put ``after`` in place of the members of ``before`` (and of ``after``)."""
    keys = sorted({m[2] for m in before} | {m[2] for m in after})
    engine.execute("DELETE FROM person_members WHERE list_contains(?, member_key)", [keys])
    if not after:
        return
    cols = ("person_id", "member_type", "member_key", "confidence", "via")
    engine.register("_scope", pa.table({c: [m[i] for m in after] for i, c in enumerate(cols)}))
    try:
        engine.execute(
            "INSERT INTO person_members SELECT person_id, member_type, member_key, confidence, "
            "via FROM _scope"
        )
    finally:
        engine.unregister("_scope")


def recorded_effect(engine: Engine, seq: int) -> tuple[dict[str, Any], list[Member], list[Member]]:
    """(decision, before, after) of a stored decision, read from its audit entry.

    Refused when the decision is unknown, has no recorded effect, or a later change moved
    any of the members it touched (its ``after`` is no longer what is stored).
    """
    found = engine.query_dicts("SELECT * FROM decisions WHERE seq = ?", [seq])
    if not found:
        raise UsageError(f"no decision {seq} in this case")
    taken = engine.query(
        "SELECT details FROM audit WHERE action LIKE 'decision:%' "
        "AND action <> 'decision:undo' AND json_extract_string(details, '$.decision') = ? "
        "ORDER BY seq DESC LIMIT 1",
        [str(seq)],
    )
    if not taken:
        raise UsageError(f"decision {seq} has no recorded effect to undo")
    details = json.loads(taken[0][0]) if isinstance(taken[0][0], str) else taken[0][0]
    before: list[Member] = [_member(m) for m in details.get("before", [])]
    after: list[Member] = [_member(m) for m in details.get("after", [])]
    keys = sorted({m[2] for m in before} | {m[2] for m in after})
    now = engine.query(
        "SELECT person_id, member_key FROM person_members WHERE list_contains(?, member_key)",
        [keys],
    )
    if {(str(p), str(k)) for p, k in now} != {(m[0], m[2]) for m in after}:
        raise UsageError(f"decision {seq}: its persons changed since; undo the later first")
    return found[0], before, after


def _member(m: list[Any]) -> Member:
    return (str(m[0]), str(m[1]), str(m[2]), float(m[3]), str(m[4]))


def changes(engine: Engine, before: list[Member], after: list[Member]) -> dict[str, Any]:
    """What going from ``before`` to ``after`` does: persons created, merged, emptied, moved."""
    old: dict[str, set[str]] = {}
    new: dict[str, set[str]] = {}
    for p, _, k, _, _ in before:
        old.setdefault(p, set()).add(k)
    for p, _, k, _, _ in after:
        new.setdefault(p, set()).add(k)
    was = {k: p for p, _, k, _, _ in before}
    now = {k: p for p, _, k, _, _ in after}
    moved = sorted(
        (k, was.get(k), now.get(k)) for k in was.keys() | now.keys() if was.get(k) != now.get(k)
    )
    merged = sorted(p for p, ks in new.items() if len({was.get(k) for k in ks}) > 1)
    touched = sorted({p for _, a, b in moved for p in (a, b) if p})
    targets = engine.query_dicts(
        "SELECT person_id, rank, country, role FROM targets WHERE list_contains(?, person_id) "
        "ORDER BY country, rank",
        [touched],
    )
    return {
        "persons_before": len(old),
        "persons_after": len(new),
        "created": sorted(set(new) - set(old)),
        "emptied": sorted(set(old) - set(new)),
        "merged": merged,
        "moved": [{"member": k, "from": a, "to": b} for k, a, b in moved],
        "targets": targets,
    }
