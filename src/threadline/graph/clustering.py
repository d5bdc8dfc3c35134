"""From ties to networks: facilitators are grouped first, their pickups attached after.

A network is its facilitators. Its cash-pickup identities (mules) are many and grow with the
case: every new spelling of a pickup name the buyers type is one more payment identity, so
a network of three facilitators comes with three pickups at one scale and thirty at the
next. Clustering facilitators and pickups together lets that count decide: a density
threshold (CPM) on thirty-odd nodes asks for more ties than the facilitators have and splits
the network (measured: two of six planted networks split at ``small``). So Leiden runs on
facilitators alone, on their direct ties plus the pickups they share, and each pickup then
joins the network it is tied to most.

A shared pickup ties two facilitators only by money evidence (buyers who negotiated with one
and paid the pickup, a shared phone or account), never by chat alone: a shop or forwarder
that chats with two unrelated facilitators is no shared pickup. And a person tied to many
facilitators (a merged blob of several people, a busy hub) spreads its weight over them
rather than bridging them all with full weight, as in the resource-allocation index.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

import igraph as ig
import leidenalg

SEED = 20240601
# Facilitators are tied by at least one whole observation: a message, a shared selector, one
# payer beyond what chance predicts.
MIN_TIE = 1.0
# A chat-then-pay tie bonds two facilitators only when chance makes it this improbable
# (Poisson upper tail). At ``medium`` the excess alone of one or two payers over chance tied
# five planted networks to others: tens of thousands of (seller, pickup) pairs are tested,
# so excesses of that size arise by chance. Pickups are still placed by weaker ties.
BOND_ALPHA = 1e-4
WEAK = "chat_then_pay_weak"
Ties = Mapping[tuple[str, str], Mapping[str, float]]


def is_money(kind: str) -> bool:
    """Whether a kind of tie is evidence of shared money handling (not only of chat)."""
    return kind.startswith("selector:") or kind == "chat_then_pay"


def bonds(kind: str) -> bool:
    """Whether a kind of tie may bond two facilitators into one network."""
    return kind != WEAK


def tie_weight(w: float) -> float:
    """Log-scaled weight of ``w`` observations; below one observation it stays below one."""
    return 1.0 + math.log(w) if w >= 1.0 else max(w, 0.0)


def shared_pickups(
    ties: Ties, roles: Mapping[str, str], min_tie: float = MIN_TIE
) -> list[tuple[str, str, str, float]]:
    """(facilitator a, facilitator b, pickup, observations): pickups tying two facilitators.

    A pickup tied by money to facilitators ``a`` and ``b`` gives the weaker of its two ties
    (the evidence is only as strong as its weaker side), divided by the number of other
    facilitators it is tied to. Only money ties of at least ``min_tie`` observations count:
    a pickup paid by one buyer more than chance predicts. Below that, a chat-then-pay excess
    is a fraction of a payer, and at ``medium`` hundreds of pickup fragments each carry a
    few such fractions to facilitators of other networks; excesses are never negative, so
    summed over the fragments they add up to ties (measured: 5-7 observations) that chance
    alone made.
    """
    money: dict[str, dict[str, float]] = defaultdict(dict)
    for (a, b), kinds in ties.items():
        w = sum(v for k, v in kinds.items() if is_money(k))
        if w < min_tie:
            continue
        ra, rb = roles.get(a), roles.get(b)
        if ra == "facilitator" and rb == "mule":
            money[b][a] = w
        elif rb == "facilitator" and ra == "mule":
            money[a][b] = w
    out = []
    for pickup, sellers in sorted(money.items()):
        if len(sellers) < 2:
            continue
        share = 1.0 / (len(sellers) - 1)
        ordered = sorted(sellers)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                out.append((a, b, pickup, min(sellers[a], sellers[b]) * share))
    return out


def facilitator_ties(
    ties: Ties, roles: Mapping[str, str], min_tie: float = MIN_TIE
) -> dict[tuple[str, str], float]:
    """Observations tying each pair of facilitators: direct ties plus pickups they share."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    for (a, b), kinds in ties.items():
        w = sum(v for k, v in kinds.items() if bonds(k))
        if w > 0 and roles.get(a) == "facilitator" and roles.get(b) == "facilitator":
            out[(a, b)] += w
    for a, b, _pickup, w in shared_pickups(ties, roles, min_tie):
        out[(a, b)] += w
    return dict(out)


def explanation(
    ties: Ties, roles: Mapping[str, str], groups: list[list[str]], min_tie: float = MIN_TIE
) -> list[tuple[int, str, str, str, str | None, float]]:
    """Why each member is in its group: (group, a, b, kind, via, observations).

    Every tie whose two ends are in one group, by kind, and the shared pickups (``via`` the
    pickup) that tie two of its facilitators.
    """
    group_of = {p: i for i, g in enumerate(groups) for p in g}
    rows: list[tuple[int, str, str, str, str | None, float]] = []
    for (a, b), kinds in sorted(ties.items()):
        if a in group_of and group_of[a] == group_of.get(b):
            rows.extend((group_of[a], a, b, k, None, w) for k, w in sorted(kinds.items()))
    for a, b, pickup, w in shared_pickups(ties, roles, min_tie):
        if a in group_of and group_of[a] == group_of.get(b):
            rows.append((group_of[a], a, b, "shared_pickup", pickup, w))
    return rows


def communities(
    facilitators: list[str],
    weights: Mapping[tuple[str, str], float],
    resolution: float,
    min_tie: float = MIN_TIE,
) -> list[list[str]]:
    """Leiden (CPM) groups of facilitators: density of log-weighted ties above ``resolution``.

    Pairs tied by fewer than ``min_tie`` observations are no tie at all: a chance excess of a
    fraction of a payer, or a pickup's weight spread over many facilitators.
    """
    if not facilitators:
        return []
    index = {p: i for i, p in enumerate(facilitators)}
    pairs = sorted(k for k in weights if k[0] in index and k[1] in index and weights[k] >= min_tie)
    graph = ig.Graph(n=len(facilitators), edges=[(index[a], index[b]) for a, b in pairs])
    graph.es["weight"] = [tie_weight(weights[k]) for k in pairs]
    part = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=SEED,
    )
    groups: dict[int, list[str]] = defaultdict(list)
    for i, g in enumerate(part.membership):
        groups[g].append(facilitators[i])
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def attach(ties: Ties, groups: list[list[str]], persons: Iterable[str]) -> dict[str, int]:
    """Each of ``persons``' group: the one its ties weigh most with.

    Persons tied only to others being attached join in later rounds, through those already
    placed; one tied to nobody placed stays out. Ties are compared in log-weight, ties
    broken by the group's index so the result is deterministic.
    """
    placed: dict[str, int] = {p: i for i, g in enumerate(groups) for p in g}
    neighbours: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (a, b), kinds in ties.items():
        w = tie_weight(sum(kinds.values()))
        neighbours[a].append((b, w))
        neighbours[b].append((a, w))
    pending = sorted(p for p in set(persons) if p in neighbours and p not in placed)
    attached: dict[str, int] = {}
    while pending:
        chosen: dict[str, int] = {}
        for m in pending:
            score: dict[int, float] = defaultdict(float)
            for other, w in neighbours[m]:
                if other in placed:
                    score[placed[other]] += w
            if score:
                chosen[m] = max(score, key=lambda g: (score[g], -g))
        if not chosen:
            break
        placed.update(chosen)
        attached.update(chosen)
        pending = [m for m in pending if m not in chosen]
    return attached


def partition(
    ties: Ties,
    roles: Mapping[str, str],
    resolution: float,
    min_tie: float = MIN_TIE,
    loose: Collection[str] = (),
) -> list[list[str]]:
    """Networks as lists of persons: facilitator groups with their pickups attached.

    ``loose`` facilitators (persons holding implausibly many accounts, likely several people
    merged) take no part in grouping: they join the group they are tied to most, like a
    pickup, so one blob cannot bridge two networks; one tied to no group is a network alone.
    """
    facilitators = sorted(p for p, r in roles.items() if r == "facilitator")
    anchors = [p for p in facilitators if p not in set(loose)]
    groups = communities(anchors, facilitator_ties(ties, roles, min_tie), resolution, min_tie)
    out = [list(g) for g in groups]
    blobs = attach(ties, groups, (p for p in facilitators if p not in anchors))
    for p in facilitators:
        if p not in anchors and p not in blobs:
            out.append([p])
    placed = [list(g) for g in out]
    for p, g in blobs.items():
        placed[g].append(p)
    mules = (p for p, r in roles.items() if r == "mule")
    for mule, g in sorted(attach(ties, placed, mules).items()):
        out[g].append(mule)
    for p, g in blobs.items():
        out[g].append(p)
    return [sorted(g) for g in out]
