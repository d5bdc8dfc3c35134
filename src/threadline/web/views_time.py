"""Timelines over a date range: a person's or a network's monthly activity with axes."""

from __future__ import annotations

from typing import Any

from threadline.web import charts, links_sql
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, NotFound
from threadline.web.policy import User
from threadline.web.views_case import NETWORK_ID, _check_network
from threadline.web.views_links import parse_filters
from threadline.web.workbench import Workbench, rows


def person_activity(
    wb: Workbench, user: User, person_id: str, since: str | None, until: str | None
) -> dict[str, Any]:
    """A person's messages, payments and logins per month over a date range (counts only)."""
    wb.require_person(user, person_id)
    _, _, lo, hi = parse_filters(None, None, since, until)
    with wb.reader() as r:
        found = rows(links_sql.activity(r, [person_id], lo, hi))
    wb.audit(user, "view", "activity", person_id, since=since, until=until)
    return {
        "what": wb.label(person_id),
        "href": f"/persons/{person_id}",
        "since": since,
        "until": until,
        "activity": found,
        "chart": charts.activity_bars(found),
    }


def network_activity(
    wb: Workbench, user: User, network_id: str, since: str | None, until: str | None
) -> dict[str, Any]:
    """A network's members' messages, payments and logins per month over a date range."""
    wb.require(user, "read")
    if not NETWORK_ID.match(network_id):
        raise BadRequest(f"{network_id!r} is not a network id")
    _, _, lo, hi = parse_filters(None, None, since, until)
    with wb.reader() as r:
        members = web_sql.network_members(r, network_id)
        if not members:
            raise NotFound(f"no network {network_id}")
        _check_network(wb, user, members)
        found = rows(links_sql.activity(r, [str(m["person_id"]) for m in members], lo, hi))
    wb.audit(user, "view", "activity", network_id, since=since, until=until)
    return {
        "what": f"network {network_id}",
        "href": f"/networks/{network_id}",
        "since": since,
        "until": until,
        "activity": found,
        "chart": charts.activity_bars(found),
    }
