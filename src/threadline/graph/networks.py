"""Facilitator networks: who works together, whom they serve, and who bridges networks.

Ties between facilitators and mules come from shared phones, devices, e-mails and payment
accounts, from messages between them, and from buyers who negotiated with one and then paid
the other (counted by their excess over chance). :mod:`threadline.graph.clustering` groups
the facilitators with Leiden (Constant Potts Model: modularity's resolution limit merges
small groups in a large graph — measured: 1,000 planted groups of 100 came out as about
300 — while CPM's resolution is a density threshold that does not depend on the size of
the whole graph) and then places each pickup in the network it is tied to most. The ties
inside each network are stored in ``network_ties``: every membership has its evidence.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import igraph as ig

from threadline.graph import clustering, significance, sql, stable_ids
from threadline.store.engine import Engine


@dataclass(frozen=True)
class NetworkRules:
    """Settings of network detection, audited with every run."""

    # CPM density threshold on log-weighted facilitator ties: low enough that a chain of five
    # facilitators, each chatting with the next, holds (a cut saves 0.1 * 2 * 3 < one tie).
    resolution: float = 0.1
    min_tie: float = clustering.MIN_TIE  # observations below which two facilitators are untied
    pay_window_hours: int = 24
    selector_types: tuple[str, ...] = ("phone", "device", "email", "payment_account")
    tie_alpha: float = significance.ALPHA  # optional improbability gate (1.0: off)
    # Improbability a chat-then-pay tie needs to bond two facilitators (directly or through
    # a shared pickup); weaker ones still place a pickup in its network.
    bond_alpha: float = clustering.BOND_ALPHA
    # A facilitator holding more accounts than this many times the case's median facilitator
    # (and at least ``blob_min_accounts``) is likely several people merged: it joins the
    # network it is tied to most instead of bridging networks.
    blob_factor: float = 2.0
    blob_min_accounts: int = 6

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)


def build(
    engine: Engine, roles: dict[str, str], rules: NetworkRules | None = None
) -> dict[str, Any]:
    """Group facilitators and mules into networks, attach their buyers and write the tables.

    ``roles`` maps each person to the role found for it; returns counts of networks,
    bridges (buyers served by more than one network) and members.
    """
    r = rules or NetworkRules()
    found_ties = ties(engine, roles, r)
    found = clustering.partition(
        found_ties, roles, r.resolution, r.min_tie, loose=blobs(engine, roles, r)
    )
    summary, net_of = _describe(engine, roles, dict(enumerate(found)))
    # The stable id each group was given (a group without a facilitator is no network).
    ids = [net_of.get(g[0]) if g else None for g in found]
    sql.write_network_ties(
        engine,
        [
            {"network_id": ids[g], "a": a, "b": b, "kind": kind, "via": via, "observations": w}
            for g, a, b, kind, via, w in clustering.explanation(found_ties, roles, found, r.min_tie)
            if ids[g] is not None
        ],
    )
    return summary


def blobs(engine: Engine, roles: dict[str, str], rules: NetworkRules | None = None) -> set[str]:
    """Facilitators holding implausibly many accounts for one person (see ``NetworkRules``).

    The bar is relative to the case's own median facilitator, which does not grow with the
    case, so it holds at every scale.
    """
    r = rules or NetworkRules()
    held = {
        str(f["person_id"]): int(f["accounts"] or 0)  # type: ignore[call-overload]
        for f in sql.features(engine)
        if roles.get(str(f["person_id"])) == "facilitator"
    }
    if not held:
        return set()
    bar = max(r.blob_min_accounts, r.blob_factor * statistics.median(held.values()))
    return {p for p, n in held.items() if n > bar}


def ties(
    engine: Engine, roles: dict[str, str], rules: NetworkRules | None = None
) -> dict[tuple[str, str], dict[str, float]]:
    """Every tie between two facilitators or mules, by kind of evidence: observations.

    Keys are ordered person pairs; kinds are ``selector:<type>``, ``message`` and the
    excess over chance of chat-then-pay payers: ``chat_then_pay`` when chance makes it
    less likely than ``bond_alpha``, else ``chat_then_pay_weak``.
    """
    r = rules or NetworkRules()
    core = sorted(p for p, role in roles.items() if role in ("facilitator", "mule"))
    sellers = [p for p in core if roles[p] == "facilitator"]
    members = set(core)
    kinds: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def tie(a: str, b: str, kind: str, w: float) -> None:
        if a in members and b in members and a != b:
            kinds[(min(a, b), max(a, b))][kind] += w

    for a, b, kind, n in sql.shared_selector_ties(engine, core, r.selector_types):
        tie(a, b, f"selector:{kind}", 2.0 * n)
    for a, b, _kind, n, _ in sql.edges(engine, ("message",)):
        tie(a, b, "message", float(n))
    observed = sql.chat_then_pay_ties(engine, sellers, core, r.pay_window_hours)
    for a, b, o in chat_then_pay_significance(engine, sellers, core, observed, r.tie_alpha):
        kind = "chat_then_pay" if o.p_value < r.bond_alpha else clustering.WEAK
        tie(a, b, kind, o.excess)
    return {k: dict(v) for k, v in kinds.items()}


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
) -> tuple[dict[str, Any], dict[str, str]]:
    """Attach buyers, bridges, centrality and activity to each group; write the tables.

    Returns the counts and each core member's (stable) network id.
    """
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
    }, net_of
