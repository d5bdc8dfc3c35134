"""Persons: accounts and payment identities joined by strong selectors, linkage and analysts.

Graph-scale work (after aggregation) on one node with igraph: connected components of the
link graph, minus the links an analyst split off, plus the merges an analyst confirmed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

import igraph as ig
import pyarrow as pa

from threadline.errors import UsageError
from threadline.resolve import crowding, linkage, names, sql
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
    max_accounts_per_ip: int = 3
    min_name_similarity: float = 0.9
    max_name_holders: int = crowding.MAX_HOLDERS

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return {
            "strong_selectors": list(self.strong_selectors),
            "max_accounts_per_selector": self.max_accounts_per_selector,
            "match_threshold": self.match_threshold,
            "max_accounts_per_ip": self.max_accounts_per_ip,
            "min_name_similarity": self.min_name_similarity,
            "max_name_holders": self.max_name_holders,
        }


def person_id(first_key: str) -> str:
    """Content-derived: the hash of the person's smallest member key."""
    return "P" + hashlib.sha256(first_key.encode()).hexdigest()[:12]


def resolve(engine: Engine, params: Parameters | None = None) -> dict[str, Any]:
    """Rebuild selectors, links and persons from the stored records and analyst decisions."""
    p = params or Parameters()
    sql.build_selectors(engine)
    sql.build_identities(engine)
    engine.execute("DELETE FROM person_links")
    sql.shared_selector_links(engine, p.strong_selectors, p.max_accounts_per_selector)
    sql.add_links(
        engine, crowding.ip_and_name_links(engine, p.max_accounts_per_ip, p.min_name_similarity)
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
    first: dict[int, str] = {}
    for i, comp in enumerate(membership):
        first.setdefault(comp, node_list[i][0])  # nodes are sorted: first seen is smallest
    return pa.table(
        {
            "person_id": [person_id(first[c]) for c in membership],
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
