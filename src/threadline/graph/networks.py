"""Facilitator networks: who works together, whom they serve, and who bridges networks.

Ties between facilitators and mules come from shared phones, devices, e-mails and payment
accounts, from messages between them, and from buyers who negotiated with one and then paid
the other. Communities are found with Leiden using the Constant Potts Model: modularity's
resolution limit merges small groups in a large graph (measured: 1,000 planted groups of
100 came out as about 300), while CPM's resolution is a density threshold that does not
depend on the size of the whole graph. On a tie graph whose weights are counts of
independent observations, a threshold of one observation per pair inside a group asks
that a network be held together by evidence, not by a single chance contact.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import igraph as ig
import leidenalg

from threadline.graph import significance, sql, stable_ids
from threadline.store.engine import Engine

SEED = 20240601


@dataclass(frozen=True)
class NetworkRules:
    """Settings of network detection, audited with every run."""

    resolution: float = 0.05  # CPM density threshold on log-weighted ties
    pay_window_hours: int = 24
    selector_types: tuple[str, ...] = ("phone", "device", "email", "payment_account")
    tie_alpha: float = significance.ALPHA  # optional improbability gate (1.0: off)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)


def network_id(members: list[str]) -> str:
    """A new network's id, derived from its sorted member persons (see stable_ids)."""
    return "N" + hashlib.sha256("|".join(sorted(members)).encode()).hexdigest()[:10]


def build(
    engine: Engine, roles: dict[str, str], rules: NetworkRules | None = None
) -> dict[str, Any]:
    """Group facilitators and mules into networks, attach their buyers and write the tables.

    ``roles`` maps each person to the role found for it; returns counts of networks,
    bridges (buyers served by more than one network) and members.
    """
    r = rules or NetworkRules()
    core = sorted(p for p, role in roles.items() if role in ("facilitator", "mule"))
    sellers = [p for p in core if roles[p] == "facilitator"]
    index = {p: i for i, p in enumerate(core)}
    weights: dict[tuple[int, int], float] = defaultdict(float)

    def tie(a: str, b: str, w: float) -> None:
        if a in index and b in index and a != b:
            key = (min(index[a], index[b]), max(index[a], index[b]))
            weights[key] += w

    for a, b, n in sql.shared_selector_ties(engine, core, r.selector_types):
        tie(a, b, 2.0 * n)
    for a, b, _kind, n, _ in sql.edges(engine, ("message",)):
        tie(a, b, float(n))
    observed = sql.chat_then_pay_ties(engine, sellers, core, r.pay_window_hours)
    for a, b, o in chat_then_pay_significance(engine, sellers, core, observed, r.tie_alpha):
        tie(a, b, o.excess)
    graph = ig.Graph(n=len(core), edges=list(weights))
    graph.es["weight"] = [tie_weight(w) for w in weights.values()]
    if core:
        part = leidenalg.find_partition(
            graph,
            leidenalg.CPMVertexPartition,
            weights="weight",
            resolution_parameter=r.resolution,
            seed=SEED,
        )
        membership = list(part.membership)
    else:
        membership = []
    groups: dict[int, list[str]] = defaultdict(list)
    for i, g in enumerate(membership):
        groups[g].append(core[i])
    return _describe(engine, roles, groups)


def tie_weight(w: float) -> float:
    """Log-scaled weight of ``w`` observations; below one observation it stays below one."""
    return 1.0 + math.log(w) if w >= 1.0 else max(w, 0.0)


def chat_then_pay_significance(
    engine: Engine,
    sellers: list[str],
    receivers: list[str],
    observed: list[tuple[str, str, int]],
    alpha: float = significance.ALPHA,
) -> list[tuple[str, str, significance.Overlap]]:
    """Keep the chat-then-pay ties that chance does not explain, each with its excess.

    A buyer who uses two networks negotiates with one and pays the other now and then; the
    more buyers, the more such coincidences. Chance predicts about ``n_A * m_R / N`` payers
    shared by seller A (``n_A`` payers negotiated with her) and receiver R (``m_R`` payers
    paid him) among the ``N`` payers who did both with anyone: only the excess over that
    is a tie.
    """
    seller_set, receiver_set = set(sellers), set(receivers)
    negotiated: dict[str, set[str]] = defaultdict(set)
    for a, b, category, _ in sql.hit_edges(engine):
        if category not in ("price", "payment_logistics"):
            continue
        if a in seller_set:
            negotiated[a].add(b)
        if b in seller_set:
            negotiated[b].add(a)
    paid: dict[str, set[str]] = defaultdict(set)
    for a, b, _, _, _ in sql.edges(engine, ("payment",)):
        if b in receiver_set:
            paid[b].add(a)
    universe = set().union(*negotiated.values()) & set().union(*paid.values())
    left = {s: len(p & universe) for s, p in negotiated.items()}
    right = {r: len(p & universe) for r, p in paid.items()}
    return significance.significant_ties(observed, left, right, len(universe), alpha)


def _describe(
    engine: Engine, roles: dict[str, str], groups: dict[int, list[str]]
) -> dict[str, Any]:
    """Attach buyers, bridges, centrality and activity to each group; write the tables."""
    net_of: dict[str, str] = {}
    named: dict[str, list[str]] = {}
    # A mule with no facilitator tie is no network.
    kept = [sorted(m) for m in groups.values() if any(roles[x] == "facilitator" for x in m)]
    for nid, members in zip(stable_ids.assign(engine, kept), kept, strict=True):
        named[nid] = members
        for m in members:
            net_of[m] = nid
    customers: dict[str, set[str]] = defaultdict(set)
    all_edges = sql.edges(engine, ("message", "payment"))
    for a, b, _, _, _ in all_edges:
        for x, y in ((a, b), (b, a)):
            if y in net_of and roles.get(x) == "buyer":
                customers[net_of[y]].add(x)
    bridges: dict[str, int] = defaultdict(int)
    for served in customers.values():
        for b in served:
            bridges[b] += 1
    graph_nodes = sorted(set(net_of) | {b for s in customers.values() for b in s})
    idx = {p: i for i, p in enumerate(graph_nodes)}
    g = ig.Graph(
        n=len(graph_nodes),
        edges=[(idx[a], idx[b]) for a, b, _, _, _ in all_edges if a in idx and b in idx],
    )
    rank = g.pagerank() if graph_nodes else []
    act = sql.activity(engine)
    networks, members_rows = [], []
    for nid, members in sorted(named.items()):
        buyers = sorted(customers[nid])
        firsts = [act[m][0] for m in members + buyers if act.get(m, (None, None))[0]]
        lasts = [act[m][1] for m in members + buyers if act.get(m, (None, None))[1]]
        sellers = [m for m in members if roles[m] == "facilitator"]
        networks.append(
            {
                "network_id": nid,
                "size": len(members) + len(buyers),
                "sellers": len(sellers),
                "buyers": len(buyers),
                "first_activity": min(firsts) if firsts else None,  # type: ignore[type-var]
                "last_activity": max(lasts) if lasts else None,  # type: ignore[type-var]
                "summary": f"{len(sellers)} facilitator(s), "
                f"{len(members) - len(sellers)} mule(s), {len(buyers)} buyer(s)",
            }
        )
        for p in members + buyers:
            members_rows.append(
                {
                    "network_id": nid,
                    "person_id": p,
                    "role": roles[p],
                    "centrality": float(rank[idx[p]]) if p in idx else 0.0,
                    "bridge": bridges.get(p, 0) > 1,
                }
            )
    sql.write_networks(engine, networks, members_rows)
    return {
        "networks": len(networks),
        "bridges": sum(1 for v in bridges.values() if v > 1),
        "members": len(members_rows),
    }
