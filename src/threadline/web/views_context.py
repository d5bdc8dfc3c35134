"""Evidence in context: a message's conversation, a session's time axis, related payments.

A payment is shown beside the other payments of its sender and receiver.

Each record is shown or withheld by :meth:`Workbench.record_visible`, as on the evidence
page; reads are throttled and audited like evidence reads.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from threadline.web import context_sql
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest, Forbidden, NotFound
from threadline.web.policy import User
from threadline.web.views_person import href, redact_sessions, session_rows
from threadline.web.workbench import SHA256, Workbench, jsonable

AROUND = 25  # messages shown before and after the one opened
RELATED_LIMIT = 500
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")
# Indicator tokens: synthetic data writes anything explicit as a neutral bracketed token.
TOKEN = re.compile(r"(\[[A-Z][A-Z_]{1,30}\])")
BEFORE = timedelta(hours=24)  # negotiation before a session's live part
AFTER = timedelta(hours=6)
LANES = ("message", "payment", "login buyer", "login seller")
AXIS_WIDTH, LANE_HEIGHT, AXIS_LEFT = 720.0, 26.0, 110.0


def segments(text: Any) -> list[dict[str, Any]]:
    """Message text cut into plain parts and indicator tokens (marked in the page)."""
    if not isinstance(text, str) or not text:
        return []
    return [
        {"text": part, "token": bool(TOKEN.fullmatch(part))} for part in TOKEN.split(text) if part
    ]


def _owners(r: Any, items: list[dict[str, Any]]) -> dict[str, str]:
    keys = sorted({str(k) for i in items for k in (i.get("_a"), i.get("_b")) if k})
    return web_sql.persons_of(r, keys) if keys else {}


def _parties(item: dict[str, Any], owners: dict[str, str]) -> list[str | None]:
    return [owners.get(str(k)) for k in (item.get("_a"), item.get("_b")) if k]


def _check_ref(source_sha256: str, row: int) -> None:
    if not SHA256.match(source_sha256) or row < 0:
        raise BadRequest("a record is named by a source file's sha256 and a row number")


def conversation(wb: Workbench, user: User, source_sha256: str, row: int) -> dict[str, Any]:
    """The message from one source row with the messages before and after it, both sides."""
    wb.require(user, "read")
    _check_ref(source_sha256, row)
    wb.throttle_reads(user)
    with wb.reader() as r:
        rid = context_sql.record_at(r, "messages", source_sha256, row)
        if rid is None:
            raise NotFound(f"no message from row {row} of source {source_sha256[:12]}")
        found = context_sql.conversation(r, rid, AROUND)
        owners = _owners(r, found)
    where = f"{source_sha256}:{row}"
    anchor = next(m for m in found if m["anchor"])
    if not wb.record_visible(user, anchor["source_agency"], _parties(anchor, owners)):
        wb.audit(user, "denied", "evidence", where, source_agency=anchor["source_agency"])
        raise Forbidden("this message is between persons restricted to another country")
    first_sender = anchor["_a"]
    out, agencies = [], set()
    for m in found:
        side = "a" if m["_a"] == first_sender else "b"
        if not wb.record_visible(user, m["source_agency"], _parties(m, owners)):
            out.append({"restricted": True, "side": side, "anchor": False})
            continue
        if m["source_agency"] != user.agency:
            agencies.add(str(m["source_agency"]))
        sender = owners.get(str(m["_a"]))
        out.append(
            {
                "restricted": False,
                "side": side,
                "anchor": bool(m["anchor"]),
                "at": jsonable(m["sent_at"]),
                "sender": m["sender"],
                "recipient": m["recipient"],
                "sender_href": f"/persons/{sender}" if wb.visible(user, sender) else None,
                "text": m["text"],
                "segments": segments(m["text"]),
                "message_id": m["message_id"],
                "attachment_sha256": m["attachment_sha256"],
                "href": href(m["source_sha256"], m["row"]),
                "context_href": f"/conversation/{m['source_sha256']}/{int(m['row'])}",
            }
        )
    shown = sum(1 for m in out if not m["restricted"])
    wb.audit(
        user,
        "view",
        "conversation",
        where,
        messages=shown,
        withheld=len(out) - shown,
        source_agency=anchor["source_agency"],
        source_agencies=sorted(agencies),
    )
    return {
        "source_sha256": source_sha256,
        "row": row,
        "platform": anchor["platform"],
        "conversation_id": anchor["conversation_id"],
        "between": [anchor["sender"], anchor["recipient"]],
        "around": AROUND,
        "messages": out,
    }


def _axis(start: datetime, end: datetime, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Positions on one time axis: the live part as a band, each event as a mark in its lane."""
    times = [e["at_dt"] for e in events if e.get("at_dt") is not None]
    lo = min([start - timedelta(minutes=30), *times])
    hi = max([end + timedelta(minutes=30), *times])
    span = max((hi - lo).total_seconds(), 60.0)

    def x(t: datetime) -> float:
        return round(
            float(AXIS_LEFT + (AXIS_WIDTH - AXIS_LEFT - 10) * (t - lo).total_seconds() / span), 1
        )

    marks = []
    for e in events:
        if e.get("at_dt") is None:
            continue
        lane = e["kind"] if e["kind"] != "login" else f"login {e['side']}"
        marks.append(
            {
                "x": x(e["at_dt"]),
                "y": 8 + LANES.index(lane) * LANE_HEIGHT,
                "kind": e["kind"],
                "title": f"{e['at']} {e['kind']}",
            }
        )
    ticks = [lo + (hi - lo) * i / 4 for i in range(5)]
    return {
        "width": AXIS_WIDTH,
        "height": 20 + len(LANES) * LANE_HEIGHT + 18,
        "band": {"x": x(start), "width": max(2.0, x(end) - x(start))},
        "lanes": [{"name": n, "y": 8 + i * LANE_HEIGHT} for i, n in enumerate(LANES)],
        "marks": marks,
        "ticks": [{"x": x(t), "label": t.strftime("%Y-%m-%d %H:%M")} for t in ticks],
        "bottom": 8 + len(LANES) * LANE_HEIGHT,
    }


def session(wb: Workbench, user: User, session_id: str) -> dict[str, Any]:
    """A paid session: negotiation, payments, live part and logins lined up on one axis."""
    wb.require(user, "read")
    if not SESSION_ID.match(session_id):
        raise BadRequest(f"{session_id!r} is not a session id")
    with wb.reader() as r:
        row = context_sql.session_row(r, session_id)
        if row is None:
            raise NotFound(f"no session {session_id}")
        buyer, seller = row.get("buyer_person"), row.get("seller_person")
        if not wb.record_visible(user, None, (buyer, seller)):
            wb.audit(user, "denied", "session", session_id)
            raise Forbidden("this session involves a person restricted to another country")
        start, end = row["start"], row["end"] or row["start"]
        events = context_sql.session_events(
            r,
            str(buyer),
            str(seller),
            start - BEFORE,
            end + AFTER,
            [str(t) for t in row.get("payment_transaction_ids") or []],
        )
        owners = _owners(r, events)
    shown: list[dict[str, Any]] = []
    withheld = 0
    for e in events:
        if not wb.record_visible(user, e["source_agency"], _parties(e, owners)):
            withheld += 1
            continue
        shown.append(
            {
                "kind": e["kind"],
                "at": jsonable(e["at"]),
                "at_dt": e["at"],
                "phase": _phase(e["at"], start, end),
                "who": e["who"],
                "side": e["side"],
                "detail": e["detail"],
                "segments": segments(e["detail"]) if e["kind"] == "message" else [],
                "href": href(e["source_sha256"], e["row"]),
                "context_href": (
                    f"/conversation/{e['source_sha256']}/{int(e['row'])}"
                    if e["kind"] == "message"
                    else f"/payments/{e['source_sha256']}/{int(e['row'])}"
                    if e["kind"] == "payment"
                    else None
                ),
            }
        )
    axis = _axis(start, end, shown)
    for e in shown:
        e.pop("at_dt")
    info = redact_sessions(wb, user, session_rows([row]))[0]
    wb.audit(user, "view", "session", session_id, events=len(shown), withheld=withheld)
    return {
        "session": info,
        "buyer_href": f"/persons/{buyer}" if wb.visible(user, buyer) else None,
        "seller_href": f"/persons/{seller}" if wb.visible(user, seller) else None,
        "events": shown,
        "withheld": withheld,
        "window": [jsonable(start - BEFORE), jsonable(end + AFTER)],
        "axis": axis,
    }


def _phase(at: datetime | None, start: datetime, end: datetime) -> str:
    if at is None:
        return "unknown"
    if at < start:
        return "before"
    return "live" if at <= end else "after"


def payment(wb: Workbench, user: User, source_sha256: str, row: int) -> dict[str, Any]:
    """A payment with every other payment of its sender and of its receiver."""
    wb.require(user, "read")
    _check_ref(source_sha256, row)
    wb.throttle_reads(user)
    with wb.reader() as r:
        rid = context_sql.record_at(r, "payments", source_sha256, row)
        if rid is None:
            raise NotFound(f"no payment from row {row} of source {source_sha256[:12]}")
        found = context_sql.related_payments(r, rid, RELATED_LIMIT)
        owners = _owners(r, found)
    where = f"{source_sha256}:{row}"
    anchor = next(p for p in found if p["anchor"])
    if not wb.record_visible(user, anchor["source_agency"], _parties(anchor, owners)):
        wb.audit(user, "denied", "evidence", where, source_agency=anchor["source_agency"])
        raise Forbidden("this payment is between persons restricted to another country")
    out, withheld = [], 0
    for p in found:
        if not wb.record_visible(user, p["source_agency"], _parties(p, owners)):
            withheld += 1
            continue
        item = {
            k: jsonable(p[k])
            for k in (
                "transaction_id",
                "sent_at",
                "provider",
                "amount",
                "currency",
                "sender_name",
                "receiver_name",
                "sender_country",
                "receiver_country",
                "receiver_city",
                "narrative",
                "relation",
                "anchor",
            )
        }
        item["amount"] = _amount(p["amount"])
        item["href"] = href(p["source_sha256"], p["row"])
        item["context_href"] = f"/payments/{p['source_sha256']}/{int(p['row'])}"
        out.append(item)
    wb.audit(
        user,
        "view",
        "payments",
        where,
        payments=len(out),
        withheld=withheld,
        source_agency=anchor["source_agency"],
    )
    sender, receiver = (owners.get(str(anchor[k])) for k in ("_a", "_b"))
    return {
        "source_sha256": source_sha256,
        "row": row,
        "payment": next(p for p in out if p["anchor"]),
        "sender_href": f"/persons/{sender}" if wb.visible(user, sender) else None,
        "receiver_href": f"/persons/{receiver}" if wb.visible(user, receiver) else None,
        "payments": out,
        "withheld": withheld,
        "limit": RELATED_LIMIT,
    }


def _amount(value: Any) -> str | None:
    """An exact amount without trailing zeros (35.00000000 -> 35.00)."""
    if value is None:
        return None
    return (
        f"{value:.2f}"
        if value == value.quantize(value.__class__("0.01"))
        else str(value.normalize())
    )
