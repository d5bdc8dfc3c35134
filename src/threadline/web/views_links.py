"""Link analysis: a person's ego network one hop at a time, and shortest paths between two.

Links are messages, payments, paid sessions and shared selectors (a phone, e-mail, device
or address held by two persons), filtered by kind, by date range and by the roles of the
persons reached. Persons the user may not see appear as placeholders under an opaque id
that is stable for the server's life (so expanding twice meets the same node) and says
nothing of the person; they cannot be expanded or opened.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from collections import deque
from datetime import date, datetime, time
from typing import Any

from threadline.web import links_sql
from threadline.web.errors import BadRequest, NotFound
from threadline.web.policy import User
from threadline.web.workbench import Workbench

MAX_HOPS = 3
MAX_NODES = 600
MAX_PATH = 8
ROLES = ("seller", "facilitator", "buyer", "mule", "hub", "other")
_KEY = secrets.token_bytes(16)  # placeholder ids mean nothing outside this server process


def opaque(person_id: str) -> str:
    """A restricted person's node id: stable per server, not reversible to the person."""
    return "r-" + hmac.new(_KEY, person_id.encode(), hashlib.sha256).hexdigest()[:16]


def parse_filters(
    kinds: str | None, roles: str | None, since: str | None, until: str | None
) -> tuple[frozenset[str], frozenset[str], datetime | None, datetime | None]:
    """Edge kinds, roles and a date range from query text; an unknown value is a bad request."""
    k = frozenset(x for x in (kinds or ",".join(links_sql.EDGE_KINDS)).split(",") if x)
    if bad := k - set(links_sql.EDGE_KINDS):
        raise BadRequest(f"unknown link kind(s): {', '.join(sorted(bad))}")
    r = frozenset(x for x in (roles or ",".join(ROLES)).split(",") if x)
    if bad := r - set(ROLES):
        raise BadRequest(f"unknown role(s): {', '.join(sorted(bad))}")
    return k, r, _day(since, time.min), _day(until, time.max)


def _day(text: str | None, at: time) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), at)
    except ValueError:
        raise BadRequest(f"{text!r} is not a date (YYYY-MM-DD)") from None


class LinkGraph:
    """The filtered links of the whole case as adjacency lists (cached per date range)."""

    def __init__(self, wb: Workbench, kinds: frozenset[str], since: Any, until: Any) -> None:
        found = wb.cached(("links", since, until), lambda r: links_sql.edges(r, since, until))
        self.adj: dict[str, dict[str, dict[str, int]]] = {}
        for a, b, kind, n in found:
            if kind not in kinds:
                continue
            self.adj.setdefault(a, {}).setdefault(b, {})[kind] = n
            self.adj.setdefault(b, {}).setdefault(a, {})[kind] = n
        self.measures: dict[str, tuple[int, float]] = wb.cached(("measures",), links_sql.measures)

    def neighbours(self, person: str) -> dict[str, dict[str, int]]:
        """The persons linked to ``person`` with the count of each kind of link."""
        return self.adj.get(person, {})


def _node(wb: Workbench, user: User, g: LinkGraph, pid: str, hop: int) -> dict[str, Any]:
    a = wb.access(pid)
    show = wb.visible(user, pid)
    sessions, spend = g.measures.get(pid, (0, 0.0))
    return {
        "data": {
            "id": pid if show else opaque(pid),
            "label": wb.label(pid) if show else wb.placeholder(pid),
            "role": a.role,
            "restricted": not show,
            "hop": hop,
            "sessions": sessions if show else None,
            "spend": round(spend, 2) if show else None,
            "href": f"/persons/{pid}" if show else None,
        }
    }


def _edge(wb: Workbench, user: User, a: str, b: str, kinds: dict[str, int]) -> dict[str, Any]:
    ida = a if wb.visible(user, a) else opaque(a)
    idb = b if wb.visible(user, b) else opaque(b)
    one, two = sorted((ida, idb))
    main = next((k for k in ("session", "payment", "message", "selector") if k in kinds), "")
    return {
        "data": {
            "id": f"{one}~{two}",
            "source": one,
            "target": two,
            "kind": main,
            **{k: kinds.get(k, 0) for k in links_sql.EDGE_KINDS},
            "weight": sum(kinds.values()),
        }
    }


def ego(
    wb: Workbench,
    user: User,
    person_id: str,
    hops: int = 1,
    kinds: str | None = None,
    roles: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """The persons within ``hops`` links of one person, as Cytoscape elements (audited)."""
    wb.require_person(user, person_id)
    if not 1 <= hops <= MAX_HOPS:
        raise BadRequest(f"hops must be 1 to {MAX_HOPS}")
    k, r, lo, hi = parse_filters(kinds, roles, since, until)
    g = LinkGraph(wb, k, lo, hi)
    hop_of = {person_id: 0}
    queue = deque([person_id])
    truncated = False
    while queue:
        p = queue.popleft()
        if hop_of[p] >= hops:
            continue
        for q in sorted(g.neighbours(p)):
            role = wb.access(q).role
            if q in hop_of or (role if role in ROLES else "other") not in r:
                continue
            if len(hop_of) >= MAX_NODES:
                truncated = True
                break
            hop_of[q] = hop_of[p] + 1
            queue.append(q)
    nodes = [_node(wb, user, g, p, h) for p, h in hop_of.items()]
    edges = [
        _edge(wb, user, a, b, kk)
        for a in hop_of
        for b, kk in g.neighbours(a).items()
        if b in hop_of and a < b
    ]
    wb.audit(user, "view", "links", person_id, hops=hops, persons=len(nodes))
    return {
        "person_id": person_id,
        "hops": hops,
        "elements": {"nodes": nodes, "edges": edges},
        "truncated": truncated,
        "max_nodes": MAX_NODES,
    }


def path(
    wb: Workbench,
    user: User,
    a: str,
    b: str,
    kinds: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """A shortest chain of links from one person to another (audited)."""
    wb.require_person(user, a)
    wb.require_person(user, b)
    k, _, lo, hi = parse_filters(kinds, None, since, until)
    g = LinkGraph(wb, k, lo, hi)
    prev: dict[str, str | None] = {a: None}
    queue = deque([(a, 0)])
    while queue and b not in prev:
        p, d = queue.popleft()
        if d >= MAX_PATH:
            continue
        for q in sorted(g.neighbours(p)):
            if q not in prev:
                prev[q] = p
                queue.append((q, d + 1))
    wb.audit(user, "view", "path", f"{a}>{b}", found=b in prev)
    if b not in prev:
        raise NotFound(f"no chain of at most {MAX_PATH} links joins these persons")
    chain = [b]
    while (step := prev[chain[-1]]) is not None:
        chain.append(step)
    chain.reverse()
    nodes = [_node(wb, user, g, p, i) for i, p in enumerate(chain)]
    edges = [_edge(wb, user, x, y, g.neighbours(x)[y]) for x, y in itertools.pairwise(chain)]
    return {
        "from": a,
        "to": b,
        "length": len(chain) - 1,
        "elements": {"nodes": nodes, "edges": edges},
    }
