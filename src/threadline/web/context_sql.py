"""SQL behind evidence in context: conversations, session time axes, payment counterparts.

Every query returns the member keys of each record's parties (``_a``, ``_b``) and the
source's agency, so the view can apply :meth:`Workbench.record_visible` to each record.
Queries over ``_msg_parties``/``_pay_parties``/``_login_parties`` need the
:data:`threadline.web.sql.PARTY_INDEX` tables registered on the read connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from threadline.resolve.sql import account_key
from threadline.store.engine import Rows
from threadline.web.sql import (
    LOGIN_ACCOUNT,
    RECEIVER_IDENTITY,
    RECIPIENT_ACCOUNT,
    SENDER_ACCOUNT,
    SENDER_IDENTITY,
)


def record_at(r: Rows, table: str, source_sha256: str, row: int) -> str | None:
    """The record id of the ``table`` record that came from one row of one source, or None."""
    if table not in ("messages", "payments"):
        raise ValueError(table)
    found = r.query(
        f"""SELECT t.record_id FROM {table} t JOIN sources s USING (source_id)
            WHERE s.sha256 = ? AND t."row" = ? ORDER BY t.record_id LIMIT 1""",
        [source_sha256, row],
    )
    return str(found[0][0]) if found else None


def conversation(r: Rows, record_id: str, around: int) -> list[dict[str, Any]]:
    """The messages of the anchor's conversation, ``around`` before and after it, in order.

    A conversation is the anchor's ``conversation_id`` on its platform; without one, every
    message between the same two accounts, both ways.
    """
    return r.query_dicts(
        f"""WITH a AS (SELECT * FROM messages WHERE record_id = $1 LIMIT 1),
             c AS (
               SELECT m.*, row_number() OVER (ORDER BY m.sent_at, m.source_id, m."row",
                                                       m.record_id) AS n
               FROM messages m, a
               WHERE m.platform = a.platform AND CASE
                 WHEN a.conversation_id IS NOT NULL THEN m.conversation_id = a.conversation_id
                 ELSE (m.sender = a.sender AND m.recipient = a.recipient)
                   OR (m.sender = a.recipient AND m.recipient = a.sender) END),
             pos AS (SELECT n FROM c WHERE record_id = $1)
           SELECT c.record_id, c.message_id, c.sent_at, c.platform, c.sender, c.recipient,
                  c.text, c.conversation_id, c.attachment_sha256, c."row",
                  src.sha256 AS source_sha256, src.agency AS source_agency,
                  {account_key("c.platform", "c.sender")} AS _a,
                  {account_key("c.platform", "c.recipient")} AS _b,
                  c.record_id = $1 AS anchor, c.n AS position
           FROM c JOIN sources src USING (source_id), pos
           WHERE c.n BETWEEN pos.n - $2 AND pos.n + $2
           ORDER BY c.n""",
        [record_id, around],
    )


def session_row(r: Rows, session_id: str) -> dict[str, Any] | None:
    """One stored session, or None."""
    found = r.query_dicts("SELECT * FROM sessions WHERE session_id = ? LIMIT 1", [session_id])
    return found[0] if found else None


def session_events(
    r: Rows, buyer: str, seller: str, start: datetime, end: datetime, txids: list[str]
) -> list[dict[str, Any]]:
    """Messages between the two persons, payments and both sides' logins in a time window.

    Payments are those between the two persons in the window or named by the session.
    """
    return r.query_dicts(
        f"""WITH mp AS (SELECT rid FROM _msg_parties
                        WHERE ((sp = $1 AND rp = $2) OR (sp = $2 AND rp = $1))
                          AND "at" BETWEEN $3 AND $4),
             pp AS (SELECT rid FROM _pay_parties
                    WHERE ((sp = $1 AND rp = $2) OR (sp = $2 AND rp = $1))
                      AND "at" BETWEEN $3 AND $4),
             lp AS (SELECT rid, p FROM _login_parties
                    WHERE p IN ($1, $2) AND "at" BETWEEN $3 AND $4),
             ev AS (
           SELECT 'message' AS kind, m.sent_at AS "at", m.text AS detail,
                  m.sender AS who, m.source_id, m."row", {SENDER_ACCOUNT} AS _a,
                  {RECIPIENT_ACCOUNT} AS _b, NULL AS side
           FROM messages m WHERE m.rowid IN (SELECT rid FROM mp)
           UNION ALL
           SELECT 'payment', p.sent_at,
                  p.provider || ' ' || regexp_replace(CAST(p.amount AS VARCHAR), '\\.?0+$', '')
                      || ' ' || p.currency,
                  p.transaction_id, p.source_id, p."row", {SENDER_IDENTITY},
                  {RECEIVER_IDENTITY}, NULL
           FROM payments p
           WHERE p.rowid IN (SELECT rid FROM pp) OR list_contains($5, p.transaction_id)
           UNION ALL
           SELECT 'login', l."at", l.ip || coalesce(' ' || l.device_id, ''), l.account_id,
                  l.source_id, l."row", {LOGIN_ACCOUNT}, NULL,
                  CASE WHEN lp.p = $1 THEN 'buyer' ELSE 'seller' END
           FROM logins l JOIN lp ON l.rowid = lp.rid)
           SELECT ev.*, src.sha256 AS source_sha256, src.agency AS source_agency
           FROM ev JOIN sources src USING (source_id) ORDER BY ev."at", ev."row", ev.kind""",
        [buyer, seller, start, end, txids],
    )


def related_payments(r: Rows, record_id: str, limit: int) -> list[dict[str, Any]]:
    """The payment and every other payment of its sender or its receiver, oldest first."""
    return r.query_dicts(
        f"""WITH a AS (SELECT {SENDER_IDENTITY} AS sk, {RECEIVER_IDENTITY} AS rk
                       FROM payments p WHERE record_id = $1 LIMIT 1),
             x AS (SELECT p.*, {SENDER_IDENTITY} AS _a, {RECEIVER_IDENTITY} AS _b
                   FROM payments p)
           SELECT x.record_id, x.transaction_id, x.sent_at, x.provider, x.amount, x.currency,
                  x.sender_name, x.receiver_name, x.sender_country, x.receiver_country,
                  x.receiver_city, x.narrative, x."row", src.sha256 AS source_sha256,
                  src.agency AS source_agency, x._a, x._b, x.record_id = $1 AS anchor,
                  CASE WHEN x._a = a.sk AND x._b = a.rk THEN 'both'
                       WHEN x._a = a.sk THEN 'same sender'
                       WHEN x._b = a.rk THEN 'same receiver'
                       WHEN x._a = a.rk THEN 'receiver paying'
                       ELSE 'sender receiving' END AS relation
           FROM x JOIN sources src USING (source_id), a
           WHERE (x._a IN (a.sk, a.rk) OR x._b IN (a.sk, a.rk))
           ORDER BY x.sent_at, x.record_id LIMIT $2""",
        [record_id, limit],
    )
