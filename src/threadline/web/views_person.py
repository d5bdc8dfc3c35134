"""Person profiles and evidence rows, with the policy applied and every read audited."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, Forbidden, NotFound
from threadline.web.policy import User
from threadline.web.workbench import SHA256, Workbench, jsonable, rows

TIMELINE_LIMIT = 200  # events a person's profile may carry (the rest: its paged timeline)
TIMELINE_SHOWN = 50  # events a profile carries unless asked for more
SESSIONS_SHOWN = 20  # sessions a profile lists (the rest: the sessions list, filtered)
Span = tuple[datetime | None, datetime | None]  # a timeline read's [since, before)
TIMELINE_ALL = 10**9  # the timeline query's per-kind bound: none in practice


def href(sha: Any, row: Any) -> str | None:
    """The link to one source row's evidence page, or None for a malformed hash or row."""
    if not isinstance(sha, str) or not SHA256.match(sha):
        return None
    try:
        return f"/evidence/{sha}/{int(row)}"
    except (TypeError, ValueError):
        return None


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _evidence_list(items: Any) -> list[dict[str, Any]]:
    out = []
    for e in items if isinstance(items, list) else []:
        if isinstance(e, dict):
            sha, row = e.get("source_sha256"), e.get("row")
            out.append(
                {
                    "source_sha256": sha,
                    "row": row,
                    "table": e.get("table"),
                    "note": e.get("note"),
                    "href": href(sha, row),
                }
            )
    return out


def reasons(target: dict[str, Any] | None, role: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every reason behind the person's score and role, each with links to its evidence."""
    out: list[dict[str, Any]] = []
    for origin, row in (("score", target), ("role", role)):
        if not row:
            continue
        data = _json(row.get("reasons"))
        items = data if isinstance(data, list) else ([data] if data else [])
        for item in items:
            if isinstance(item, dict):
                signal = item.get("signal") or item.get("reason") or item.get("name") or "reason"
                out.append(
                    {
                        "origin": origin,
                        "signal": str(signal),
                        "weight": item.get("weight"),
                        "note": item.get("note") or item.get("detail"),
                        "evidence": _evidence_list(item.get("evidence")),
                    }
                )
            else:
                out.append(
                    {
                        "origin": origin,
                        "signal": str(item),
                        "weight": None,
                        "note": None,
                        "evidence": [],
                    }
                )
        if origin == "role" and row.get("evidence"):
            out.append(
                {
                    "origin": "role",
                    "signal": f"role: {row.get('role')}",
                    "weight": row.get("confidence"),
                    "note": "records the role decision rests on",
                    "evidence": _evidence_list(_json(row.get("evidence"))),
                }
            )
    return out


def close_links(wb: Workbench, user: User, links: list[dict[str, Any]]) -> None:
    """Blank the ``href`` of each evidence link to a row the user may not open (in place)."""
    refs = {(str(e["source_sha256"]), int(e["row"])) for e in links if e.get("href") is not None}
    if not refs:
        return
    open_ = wb.openable(user, refs)
    for e in links:
        if e.get("href") is not None and (str(e["source_sha256"]), int(e["row"])) not in open_:
            e["href"] = None


def with_own_links(item: dict[str, Any]) -> dict[str, Any]:
    """A copy of the item whose evidence links (its own and its reasons') can be closed.

    Cached items are shared by every user: :func:`close_links` blanks links in place, so
    it works on these copies.
    """
    copy = dict(item)
    if "evidence" in copy:
        copy["evidence"] = [dict(e) for e in copy["evidence"]]
    if "reasons" in copy:
        copy["reasons"] = [with_own_links(x) for x in copy["reasons"]]
    return copy


def reason_links(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every evidence link of a list of reasons (the dicts themselves, to be changed)."""
    return [e for item in items for e in item.get("evidence", [])]


def session_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored sessions as JSON values with their evidence parsed (before any redaction)."""
    out = rows(items)
    for s in out:
        s["evidence"] = _evidence_list(_json(s.get("evidence")))
    return out


def redact_sessions(wb: Workbench, user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions with a restricted party's handle, payments, addresses and records withheld.

    ``items`` come from :func:`session_rows` and are not changed.
    """
    out = []
    for row in items:
        s = dict(row)
        if not wb.record_visible(user, None, (s.get("buyer_person"), s.get("seller_person"))):
            # A finding about a restricted person: withheld whole but for the visible side.
            for key in ("session_id", "payment_transaction_ids", "login_ips", "start", "end"):
                s[key] = None
            s["evidence"], s["restricted"] = [], True
        for side in ("buyer", "seller"):
            pid = s.get(f"{side}_person")
            if wb.visible(user, pid):
                s[f"{side}_label"] = f"{s.get(f'{side}_platform')}:{s.get(f'{side}_account')}"
                continue
            s[f"{side}_label"] = wb.placeholder(pid)
            s[f"{side}_platform"] = s[f"{side}_account"] = s[f"{side}_person"] = None
        out.append(s)
    return out


def withheld_event(wb: Workbench, event: dict[str, Any]) -> dict[str, Any]:
    """A timeline event the user may not see: its kind and a placeholder for the party only."""
    other = event.get("other_person")
    return {
        "kind": event["kind"],
        "at": None,
        "source_sha256": None,
        "row": None,
        "direction": event.get("direction"),
        "other": wb.placeholder(other),
        "other_person": None,
        "detail": None,
        "source_agency": event.get("source_agency"),
        "href": None,
        "restricted": True,
    }


def _person_rows(r: Any, person_id: str) -> dict[str, Any]:
    """What a profile reads from the store (the same for every user; cached per person)."""
    link_ev = rows(web_sql.link_evidence(r, person_id))
    for e in link_ev:
        e["href"] = href(e["source_sha256"], e["row"])
    return {
        "members": rows(web_sql.person_members(r, person_id)),
        "links": rows(web_sql.person_links(r, person_id)),
        "link_evidence": link_ev,
        "role": web_sql.one_row(r, "person_roles", person_id),
        "target": web_sql.one_row(r, "targets", person_id),
        "rescue": web_sql.one_row(r, "rescue", person_id),
        "networks": rows(web_sql.person_networks(r, person_id)),
        # The newest events only: a facilitator can have a hundred thousand, read in full
        # only when the paged timeline asks for them.
        "timeline": rows(web_sql.timeline(r, person_id, TIMELINE_LIMIT)),
        "timeline_total": web_sql.timeline_count(r, person_id),
        "sessions": session_rows(web_sql.person_sessions(r, person_id, SESSIONS_SHOWN)),
        "session_counts": web_sql.person_session_counts(r, person_id),
        "locations": jsonable(web_sql.locations_summary(r, person_id)),
    }


def timeline_view(
    wb: Workbench, user: User, person_id: str, span: Span = (None, None)
) -> list[dict[str, Any]]:
    """A person's events in the ``span`` (all when open), newest first, as the user sees them.

    Read once per person and span and redacted once per record key (users of one key may
    open the same records), until the next merge or split; the rows are shared: copy to
    change them.
    """
    found = wb.cached(
        ("timeline-all", person_id, *span),
        lambda r: rows(web_sql.timeline(r, person_id, TIMELINE_ALL, *span)),
    )
    return wb.remember(  # type: ignore[no-any-return]
        timeline_key(wb, user, person_id, span), lambda: [_event(wb, user, row) for row in found]
    )


def timeline_key(
    wb: Workbench, user: User, person_id: str, span: Span = (None, None)
) -> tuple[Any, ...]:
    """What names the user's :func:`timeline_view` of the person among remembered values."""
    return ("timeline-view", person_id, *span, *wb.record_key(user))


def span_of(since: str | None, to: str | None) -> Span:
    """A read's bounds that hold every event a ``from``/``to`` date filter can keep.

    Loose by a day on each side (the filter itself keeps exactly the right events); a value
    that is no date leaves that side open.
    """

    def day(text: str | None) -> datetime | None:
        try:
            return datetime.fromisoformat(text[:10]) if text else None
        except ValueError:
            return None

    start, end = day(since), day(to)
    return (
        start - timedelta(days=1) if start else None,
        end + timedelta(days=2) if end else None,
    )


def _event(wb: Workbench, user: User, row: dict[str, Any]) -> dict[str, Any]:
    """One timeline event redacted for the user, with its links."""
    t = dict(row)
    other = t.get("other_person")
    parties = [other] if t["kind"] != "login" else []
    if not wb.record_visible(user, t["source_agency"], parties):
        t = withheld_event(wb, t)
    else:
        t["href"] = href(t.get("source_sha256"), t.get("row"))
        if other and not wb.visible(user, other):  # their own agency's record
            t["other"], t["other_person"] = wb.placeholder(other), None
        elif t["kind"] == "payment" and other:
            t["other"] = wb.label(other)
    links = {"at": t["href"]} if t.get("href") else {}
    if t.get("other_person"):
        links["other"] = f"/persons/{t['other_person']}"
    return t | {"_links": links}


def person(
    wb: Workbench, user: User, person_id: str, events: int = TIMELINE_SHOWN
) -> dict[str, Any]:
    """A person's profile, the newest ``events`` of their timeline and their newest sessions.

    The profile holds identities, role, score and reasons, and networks; ``timeline_total``
    and ``session_counts`` say how many there are in all (the paged timeline and the
    sessions list hold every one).
    """
    access = wb.require_person(user, person_id)
    data = wb.cached(("person", person_id), lambda r: _person_rows(r, person_id))
    role, target, rescue = data["role"], data["target"], data["rescue"]
    newest = data["timeline"][: max(0, min(events, TIMELINE_LIMIT))]
    timeline = [{k: v for k, v in _event(wb, user, t).items() if k != "_links"} for t in newest]
    agencies = {
        str(t["source_agency"])
        for t in timeline
        if t["source_agency"] and t["source_agency"] != user.agency
    }
    if rescue:
        rescue = jsonable(rescue)
        rescue["evidence"] = _evidence_list(_json(rescue.get("evidence")))
    messages = sum(1 for t in timeline if t["kind"] == "message")
    wb.audit(
        user,
        "view",
        "person",
        person_id,
        messages=messages,
        events=len(timeline),
        source_agencies=sorted(agencies),
    )
    shown_reasons = [with_own_links(x) for x in reasons(target, role)]
    shown_sessions = [with_own_links(x) for x in redact_sessions(wb, user, data["sessions"])]
    link_evidence = [dict(e) for e in data["link_evidence"]]
    close_links(
        wb,
        user,
        reason_links(shown_reasons)
        + reason_links(shown_sessions)
        + link_evidence
        + (rescue["evidence"] if rescue else []),
    )
    return {
        "person_id": person_id,
        "label": wb.label(person_id),
        "role": access.role,
        "jurisdictions": list(access.countries),
        "role_detail": {k: jsonable(role.get(k)) for k in ("role", "confidence", "overridden")}
        if role
        else None,
        "score": jsonable(
            {
                k: target.get(k)
                for k in ("rank", "priority", "confidence", "score", "country", "role")
            }
        )
        | {"country_rank": target.get("country_rank")}
        if target
        else None,
        "reasons": shown_reasons,
        "members": data["members"],
        "links": data["links"],
        "link_evidence": link_evidence,
        "networks": data["networks"],
        "timeline": timeline,
        "timeline_total": data["timeline_total"],
        "timeline_href": f"/api/persons/{person_id}/timeline",
        "sessions": shown_sessions,
        "session_counts": data["session_counts"],
        "locations": data["locations"],
        "rescue": rescue,
    }


def selectors(wb: Workbench, user: User, person_id: str) -> list[dict[str, Any]]:
    """The records showing each selector that joins the person's members (audited)."""
    wb.require_person(user, person_id)
    data = wb.cached(("person", person_id), lambda r: _person_rows(r, person_id))
    wb.audit(user, "view", "selectors", person_id, rows=len(data["link_evidence"]))
    found: list[dict[str, Any]] = [dict(e) for e in data["link_evidence"]]
    close_links(wb, user, found)
    return found


def evidence(wb: Workbench, user: User, source_sha256: str, row: int) -> dict[str, Any]:
    """The stored records behind one row of one source file, as the record rule allows.

    A record the user may not see (:meth:`Workbench.record_visible`) is left out whole and
    only counted; a row with no record left is refused. Reads are throttled per user, and
    each read or refusal is audited with the source's agency, so that agency sees it.
    """
    wb.require(user, "read")
    if not SHA256.match(source_sha256) or row < 0:
        raise BadRequest("evidence is named by a source file's sha256 and a row number")
    wb.throttle_reads(user)
    with wb.reader() as r:
        found = web_sql.evidence(r, source_sha256, row)
        if not found:
            raise NotFound(f"no stored record from row {row} of source {source_sha256[:12]}")
        records = []
        for f in found:
            rec = web_sql.record(r, f["table_name"], f["record_id"])
            if rec is None:
                continue
            keys = [k for k in (rec.pop("_a", None), rec.pop("_b", None)) if k]
            owners = web_sql.persons_of(r, keys) if keys else {}
            records.append((f, rec, keys, owners))
    out, withheld = [], []
    agency = str(found[0]["agency"])
    where = f"{source_sha256}:{row}"
    for f, rec, keys, owners in records:
        table = f["table_name"]
        parties = [owners.get(k) for k in keys]
        if not wb.record_visible(user, agency, parties):
            withheld.append(
                {
                    "table": table,
                    "parties": [wb.placeholder(p) for p in parties if not wb.visible(user, p)],
                }
            )
            continue
        what = {"messages": "message", "media": "media"}.get(table, "evidence")
        wb.audit(user, "view", what, where, table=table, source_agency=agency)
        out.append(
            {
                "table": table,
                "record_id": f["record_id"],
                "source": {k: jsonable(f[k]) for k in ("source_id", "kind", "agency", "seizure")}
                | {"sha256": source_sha256, "file": str(f["path"]).rsplit("/", 1)[-1]},
                "row": row,
                "record": jsonable(rec),
                "parties": {
                    k: owners.get(k) if wb.visible(user, owners.get(k)) else None for k in keys
                },
            }
        )
    if withheld and not out:
        wb.audit(user, "denied", "evidence", where, source_agency=agency)
        raise Forbidden("this row holds records of persons restricted to another country")
    return {"source_sha256": source_sha256, "row": row, "records": out, "withheld": withheld}
