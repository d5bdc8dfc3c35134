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
from collections.abc import Iterable
from datetime import date, datetime, time
from operator import itemgetter
from typing import Any

from threadline.web import links_sql
from threadline.web.errors import BadRequest, NotFound
from threadline.web.policy import User
from threadline.web.workbench import Workbench

MAX_HOPS = 3
MAX_NODES = 600
Link = tuple[str, str, dict[str, Any], tuple[int, int]]  # a < b, drawn data, rank
_RANK = {"session": 0, "payment": 1, "message": 2, "selector": 3}  # strongest kind first
# Links drawn at most: a two-hop view of the medium case reaches 8,376 (83% shared
# selectors), which cost Chromium ~0.6 s of CPU and ~1 s to draw; the rest are counted.
MAX_LINKS = 2500
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
    """The filtered links of the whole case, built once per generation and shared by users.

    Nothing in it depends on who asks: each person's neighbours (sorted, so walks are
    repeatable), the count of each kind of link, role and node-size measures. A request
    only walks it and redacts the persons it reaches for its user.
    """

    def __init__(
        self,
        found: list[links_sql.Edge],
        kinds: frozenset[str],
        roles: dict[str, str],
        measures: dict[str, tuple[int, float]],
    ) -> None:
        adj: dict[str, dict[str, dict[str, int]]] = {}
        for a, b, kind, n in found:
            if kind not in kinds:
                continue
            adj.setdefault(a, {}).setdefault(b, {})[kind] = n
            adj.setdefault(b, {}).setdefault(a, {})[kind] = n
        self.adj = {p: dict(sorted(near.items())) for p, near in adj.items()}
        # Each link once, under its smaller person id, with what the view draws of it.
        self.later = {
            a: [(b, *_edge_data(kk)) for b, kk in near.items() if a < b]
            for a, near in self.adj.items()
        }
        self.roles = {p: roles.get(p, "other") for p in self.adj}
        self.measures = measures

    def neighbours(self, person: str) -> dict[str, dict[str, int]]:
        """The persons linked to ``person`` (in id order) with the count of each kind of link."""
        return self.adj.get(person, {})

    def role(self, person: str) -> str:
        """The person's role as the filters name it (``other`` when it is none of them)."""
        role = self.roles.get(person, "other")
        return role if role in ROLES else "other"


def _edge_data(kinds: dict[str, int]) -> tuple[dict[str, Any], tuple[int, int]]:
    # What the view draws: the main kind (colour, dash) and the weight (width); the count of
    # each kind present for the analyst. Zero counts and the id (source~target) are left out:
    # they were half of a 1,800-link answer. Then the link's rank among others (strongest
    # first: by kind, then by count) for when not all are drawn.
    main = next((k for k in _RANK if k in kinds), "")
    weight = sum(kinds.values())
    data = {"kind": main, **{k: kinds[k] for k in links_sql.EDGE_KINDS if k in kinds}}
    return {**data, "weight": weight}, (_RANK.get(main, len(_RANK)), -weight)


def link_graph(wb: Workbench, kinds: frozenset[str], since: Any, until: Any) -> LinkGraph:
    """The case's links of these kinds in this date range (cached until the next merge or split)."""
    # The graph's key names the generation its links were read in as well as the one it is
    # stored under: built from links read before a merge, it is never served after it.
    read_in = wb.generation
    found = wb.cached(("links", since, until), lambda r: links_sql.edges(r, since, until))
    measures = wb.cached(("measures",), links_sql.measures)
    return wb.cached(  # type: ignore[no-any-return]
        ("link-graph", read_in, kinds, since, until),
        lambda _r: LinkGraph(found, kinds, _roles(wb, found), measures),
    )


def _roles(wb: Workbench, found: list[links_sql.Edge]) -> dict[str, str]:
    return {p: wb.access(p).role for a, b, _, _ in found for p in (a, b)}


class _Redaction:
    """One user's view of the persons a request reaches: shown as themselves or as opaque ids."""

    def __init__(self, wb: Workbench, user: User) -> None:
        self.wb, self.user = wb, user
        self.ids: dict[str, str] = {}

    def id(self, pid: str) -> str:
        """The node id the user sees for ``pid``."""
        if (shown := self.ids.get(pid)) is None:
            shown = self.ids[pid] = pid if self.wb.visible(self.user, pid) else opaque(pid)
        return shown

    def node(self, g: LinkGraph, pid: str, hop: int) -> dict[str, Any]:
        """A person as a Cytoscape node: identity, role and size measures, or a placeholder."""
        nid = self.id(pid)
        show = nid == pid
        sessions, spend = g.measures.get(pid, (0, 0.0))
        return {
            "data": {
                "id": nid,
                "label": self.wb.label(pid) if show else self.wb.placeholder(pid),
                "role": self.wb.access(pid).role,
                "restricted": not show,
                "hop": hop,
                "sessions": sessions if show else None,
                "spend": round(spend, 2) if show else None,
                "href": f"/persons/{pid}" if show else None,
            }
        }

    def edges(self, pairs: list[Link]) -> list[dict[str, Any]]:
        """Links as Cytoscape edges between the ids the user sees."""
        out = []
        for a, b, data, _ in pairs:
            ia, ib = self.id(a), self.id(b)
            one, two = (ia, ib) if ia < ib else (ib, ia)
            out.append({"data": {"source": one, "target": two, **data}})
        return out


def links_among(g: LinkGraph, persons: Iterable[str]) -> list[Link]:
    """Every link between two of ``persons`` (a < b) with what the view draws of it."""
    order = list(persons)
    inside = set(order)
    return [(a, *link) for a in order for link in g.later.get(a, ()) if link[0] in inside]


def strongest(pairs: list[Link], reached_by: dict[str, str], limit: int) -> list[Link]:
    """At most ``limit`` links: first those each person was reached by, then the strongest.

    Strongest is by kind (session, payment, message, shared selector), then by count. The
    links each person was reached by are always kept (at most ``MAX_NODES - 1``), so every
    person drawn stays joined to the one it was reached from.
    """
    if len(pairs) <= limit:
        return pairs
    tree = {(min(q, p), max(q, p)) for q, p in reached_by.items()}
    first = [x for x in pairs if (x[0], x[1]) in tree]
    rest = sorted((x for x in pairs if (x[0], x[1]) not in tree), key=itemgetter(3))
    return first + rest[: max(0, limit - len(first))]


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
    g = link_graph(wb, k, lo, hi)
    hop_of = {person_id: 0}
    reached_by: dict[str, str] = {}
    queue = deque([person_id])
    truncated = False
    while queue:
        p = queue.popleft()
        if hop_of[p] >= hops:
            continue
        for q in g.neighbours(p):
            if q in hop_of or g.role(q) not in r:
                continue
            if len(hop_of) >= MAX_NODES:
                truncated = True
                break
            hop_of[q] = hop_of[p] + 1
            reached_by[q] = p
            queue.append(q)
    see = _Redaction(wb, user)
    nodes = [see.node(g, p, h) for p, h in hop_of.items()]
    pairs = links_among(g, hop_of)
    edges = see.edges(strongest(pairs, reached_by, MAX_LINKS))
    wb.audit(user, "view", "links", person_id, hops=hops, persons=len(nodes))
    return {
        "person_id": person_id,
        "hops": hops,
        "elements": {"nodes": nodes, "edges": edges},
        "truncated": truncated,
        "max_nodes": MAX_NODES,
        "links": len(pairs),
        "links_truncated": len(pairs) > len(edges),
        "max_links": MAX_LINKS,
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
    g = link_graph(wb, k, lo, hi)
    prev: dict[str, str | None] = {a: None}
    queue = deque([(a, 0)])
    while queue and b not in prev:
        p, d = queue.popleft()
        if d >= MAX_PATH:
            continue
        for q in g.neighbours(p):
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
    see = _Redaction(wb, user)
    nodes = [see.node(g, p, i) for i, p in enumerate(chain)]
    edges = see.edges(
        [link for x, y in itertools.pairwise(chain) for link in links_among(g, (x, y))]
    )
    return {
        "from": a,
        "to": b,
        "length": len(chain) - 1,
        "elements": {"nodes": nodes, "edges": edges},
    }
