"""Old person and network ids: where a link to an id that merged or split now leads."""

from __future__ import annotations

from typing import Any

from threadline.resolve import stable_ids
from threadline.web.errors import BadRequest
from threadline.web.policy import User
from threadline.web.views_case import NETWORK_ID
from threadline.web.workbench import PERSON_ID, Workbench


def moved(wb: Workbench, user: User, kind: str, ident: str) -> dict[str, Any] | None:
    """None when ``ident`` names a current person or network, or never named one.

    Otherwise (audited) the current ids it became, each with a label only when the user may
    see that person, and its history rows.
    """
    pattern = PERSON_ID if kind == "person" else NETWORK_ID
    if not pattern.match(ident):
        raise BadRequest(f"{ident!r} is not a {kind} id")
    if kind == "network" and ident.startswith("P"):
        return None  # not a network id at all: the network view says so
    found = wb.cached(("lineage", ident), lambda r: stable_ids.lookup(r, ident))
    if found["current"] or not found["history"]:
        return None
    wb.audit(user, "view", f"{kind}_history", ident, successors=len(found["successors"]))
    return {
        "kind": kind,
        "id": ident,
        "successors": [
            {
                "id": s,
                "label": wb.label(s) if kind == "person" and wb.visible(user, s) else None,
            }
            for s in found["successors"]
        ],
        "history": [
            {k: str(v) if v is not None else None for k, v in h.items() if k != "evidence"}
            for h in found["history"]
        ],
    }
