"""The rescue worklist and the offline map: location fixes and facilitators' home estimates."""

from __future__ import annotations

import json
from typing import Any

from threadline.web import map_sql, places
from threadline.web.policy import User
from threadline.web.views_person import _evidence_list, close_links, with_own_links
from threadline.web.workbench import Workbench, jsonable

FIXES_LIMIT = 2000


def _round(value: Any, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _metres(value: Any) -> int | None:
    return None if value is None else round(float(value))


def _home(row: dict[str, Any], place: str) -> dict[str, Any]:
    return {
        "lat": _round(row["lat"], 4),
        "lon": _round(row["lon"], 4),
        "radius_m": _metres(row["radius_m"]),
        "place": place,
        "province": row["admin_area"],
        "country": row["country"],
    }


def _rescue_rows(r: Any) -> list[dict[str, Any]]:
    found = map_sql.rescue_rows(r)
    names = places.nearest(
        [(x["lat"], x["lon"]) for x in found if x["lat"] is not None and x["lon"] is not None]
    )
    it = iter(names)
    out = []
    for i, x in enumerate(found, start=1):
        located = x["lat"] is not None and x["lon"] is not None
        evidence = json.loads(x["evidence"]) if isinstance(x["evidence"], str) else []
        out.append(
            {
                "rank": i,
                "person_id": x["person_id"],
                "home": _home(x, next(it)) if located else None,
                "sessions": int(x["sessions"]),
                "buyers": int(x["buyers"]),
                "last_activity": jsonable(x["last_activity"]),
                "last_session": jsonable(x["last_session"]),
                "priority": _round(x["priority"], 2),
                "evidence": _evidence_list(evidence),
            }
        )
    return out


def rescue(wb: Workbench, user: User) -> dict[str, Any]:
    """Facilitators in rescue priority order: home estimate, province, sessions, buyers, evidence.

    A facilitator the user may not see is counted, not listed.
    """
    wb.require(user, "read")
    found = wb.cached(("rescue",), _rescue_rows)

    def view() -> dict[str, Any]:
        shown, hidden = [], 0
        for x in found:
            if not wb.visible(user, x["person_id"]):
                hidden += 1
                continue
            shown.append(with_own_links(x) | {"label": wb.label(x["person_id"])})
        close_links(wb, user, [e for x in shown for e in x["evidence"]])
        homes = [(x["home"]["lat"], x["home"]["lon"]) for x in shown if x["home"]]
        return {"facilitators": shown, "restricted": hidden, "places": places.around(homes)}

    # The same for every user who may open the same records: worked out once for them.
    answer: dict[str, Any] = wb.remember(("rescue-view", *wb.record_key(user)), view)
    wb.audit(
        user,
        "view",
        "rescue",
        "all",
        shown=len(answer["facilitators"]),
        restricted=answer["restricted"],
    )
    return answer


def person_map(wb: Workbench, user: User, person_id: str) -> dict[str, Any]:
    """A person's location fixes and, for a facilitator, the home estimate with its radius."""
    wb.require_person(user, person_id)
    with wb.reader() as r:
        fixes = map_sql.person_fixes(r, person_id, FIXES_LIMIT)
    rescue_row = next(
        (x for x in wb.cached(("rescue",), _rescue_rows) if x["person_id"] == person_id), None
    )
    shown, withheld = [], 0
    for f in fixes:
        if not wb.record_visible(user, f["source_agency"], [person_id]):
            withheld += 1
            continue
        shown.append(f)
    # Nearby places for distinct rounded spots only: a phone reports the same room many times.
    spots = sorted({(round(f["lat"], 2), round(f["lon"], 2)) for f in shown})
    named = dict(zip(spots, places.nearest(spots), strict=True))
    out = [
        {
            "at": jsonable(f["at"]),
            "lat": _round(f["lat"], 5),
            "lon": _round(f["lon"], 5),
            "accuracy_m": _metres(f["accuracy_m"]),
            "subject_type": f["subject_type"],
            "note": f["source_note"],
            "place": named[round(f["lat"], 2), round(f["lon"], 2)],
            "href": f"/evidence/{f['source_sha256']}/{int(f['row'])}",
        }
        for f in shown
    ]
    wb.audit(user, "view", "locations", person_id, fixes=len(out), withheld=withheld)
    home = None
    if rescue_row and rescue_row["home"]:
        home = dict(rescue_row["home"], evidence=[dict(e) for e in rescue_row["evidence"]])
        close_links(wb, user, home["evidence"])
    spots_all = [(f["lat"], f["lon"]) for f in out] + ([(home["lat"], home["lon"])] if home else [])
    return {
        "person_id": person_id,
        "label": wb.label(person_id),
        "places": places.around(spots_all),
        "fixes": out,
        "withheld": withheld,
        "limit": FIXES_LIMIT,
        "home": home,
    }
