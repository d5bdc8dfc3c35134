"""Case-wide views: dashboard, networks and their graphs, targets per country."""

from __future__ import annotations

import re
from typing import Any

from threadline.score import sql as score_sql
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, Forbidden, NotFound
from threadline.web.policy import User
from threadline.web.views_person import (
    reasons,
)
from threadline.web.workbench import COUNTRY, Workbench, jsonable, rows

NETWORK_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


def dashboard(wb: Workbench, user: User) -> dict[str, Any]:
    """Case overview: record counts, findings, sources, quarantine reasons, monthly activity."""
    wb.require(user, "read")

    def make(r: Any) -> dict[str, Any]:
        return {
            "counts": web_sql.counts(r, web_sql.COUNTED),
            "findings": web_sql.counts(r, web_sql.FINDINGS) | {"persons": web_sql.persons_count(r)},
            "sources": rows(web_sql.sources(r)),
            "quarantine": rows(web_sql.quarantine_by_reason(r)),
            "activity": rows(web_sql.activity(r)),
        }

    data: dict[str, Any] = wb.cached(("dashboard",), make)
    data = dict(data)
    data["sources"] = [s | {"file": str(s["path"]).rsplit("/", 1)[-1]} for s in data["sources"]]
    data["case"] = str(wb.case.info.get("name"))
    data["read_only"] = wb.read_only
    return data


def _network_jurisdictions(wb: Workbench, members: list[dict[str, Any]]) -> set[str]:
    return {c for m in members for c in wb.access(m["person_id"]).countries}


def _check_network(wb: Workbench, user: User, members: list[dict[str, Any]]) -> None:
    if not wb.policy.sees(user, "networks", _network_jurisdictions(wb, members)):
        raise Forbidden("networks are not visible to you under this case's policy")


def networks(wb: Workbench, user: User) -> list[dict[str, Any]]:
    """The networks the user may see, without their member lists."""
    wb.require(user, "read")

    def make(r: Any) -> list[dict[str, Any]]:
        out = []
        for n in rows(web_sql.networks(r)):
            n["members"] = web_sql.network_members(r, n["network_id"])
            out.append(n)
        return out

    found = wb.cached(("networks",), make)

    def view() -> list[dict[str, Any]]:
        return [
            {k: v for k, v in n.items() if k != "members"}
            for n in found
            if wb.policy.sees(user, "networks", _network_jurisdictions(wb, n["members"]))
        ]

    shown: list[dict[str, Any]] = wb.remember(("networks-view", *wb.view_key(user)), view)
    return shown


def network_graph(wb: Workbench, user: User, network_id: str) -> dict[str, Any]:
    """Cytoscape elements: persons coloured by role and sized by centrality."""
    wb.require(user, "read")
    if not NETWORK_ID.match(network_id):
        raise BadRequest(f"{network_id!r} is not a network id")

    def make(r: Any) -> tuple[Any, Any]:
        net = web_sql.network(r, network_id)
        if net is None:
            return None, []
        return jsonable(net), web_sql.network_members(r, network_id)

    net, members = wb.cached(("graph", network_id), make)
    edges = wb.cached(("edges",), web_sql.person_edges)
    if net is None:
        raise NotFound(f"no network {network_id}")
    _check_network(wb, user, members)
    elements = wb.cached(
        ("graph-view", network_id, *wb.view_key(user)),
        lambda r: _elements(wb, user, members, edges),
    )
    nodes = elements["nodes"]
    wb.audit(user, "view", "network", network_id, persons=len(nodes))
    return {"network": net, "elements": elements}


def _elements(
    wb: Workbench,
    user: User,
    members: list[dict[str, Any]],
    edges: list[tuple[str, str, int, int, int]],
) -> dict[str, list[dict[str, Any]]]:
    """Nodes and edges as this user may see them (the same for every user of one view key)."""
    ids: dict[str, str] = {}
    nodes = []
    for i, m in enumerate(members):
        pid = str(m["person_id"])
        a = wb.access(pid)
        show = wb.visible(user, pid)
        ids[pid] = pid if show else f"restricted-{i}"
        nodes.append(
            {
                "data": {
                    "id": ids[pid],
                    "label": wb.label(pid) if show else wb.placeholder(pid),
                    "role": m["role"] or a.role,
                    "centrality": float(m["centrality"] or 0.0),
                    "bridge": bool(m["bridge"]),
                    "restricted": not show,
                    "href": f"/persons/{pid}" if show else None,
                }
            }
        )
    links: list[dict[str, Any]] = []
    for one, two, n_msg, n_pay, n_sess in edges:
        if one in ids and two in ids:
            links.append(
                {
                    "data": {
                        "id": f"e{len(links)}",
                        "source": ids[one],
                        "target": ids[two],
                        "messages": n_msg,
                        "payments": n_pay,
                        "sessions": n_sess,
                    }
                }
            )
    return {"nodes": nodes, "edges": links}


def targets(wb: Workbench, user: User, country: str) -> dict[str, Any]:
    """A country's ranked targets; persons the user may not see are only counted.

    The targets are shared by every user of one view key (``share`` names them): their
    reasons' evidence links are still to be closed for the user, on copies.
    """
    wb.require(user, "read")
    if not COUNTRY.match(country):
        raise BadRequest(f"{country!r} is not an ISO 3166-1 alpha-2 country code")

    def make(r: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        found = rows(score_sql.targets(r, country))
        for t in found:
            t["reasons"] = reasons(t, None)
        return found, rows(score_sql.target_countries(r))

    found, countries = wb.cached(("targets", country), make)

    def view() -> tuple[list[dict[str, Any]], int]:
        shown, hidden = [], 0
        for t in found:
            pid = t["person_id"]
            if not wb.visible(user, pid):
                hidden += 1
                continue
            shown.append(
                t
                | {
                    "label": wb.label(pid),
                    "signals": [x["signal"] for x in t["reasons"]],
                    "_links": {"label": f"/persons/{pid}"},
                }
            )
        return shown, hidden

    key = ("targets-view", country, *wb.view_key(user))
    shown, hidden = wb.remember(key, view)
    wb.audit(user, "view", "targets", country, shown=len(shown), restricted=hidden)
    return {
        "country": country,
        "own": wb.policy.sees_country(user, country),
        "targets": shown,
        "restricted": hidden,
        "countries": countries,
        "share": key,
    }
