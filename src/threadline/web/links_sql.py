"""SQL behind link analysis: who is linked to whom, by what kind of link, in a date range.

Needs the :data:`threadline.web.sql.PARTY_INDEX` tables registered on the read connection.
"""

from __future__ import annotations

from datetime import datetime

from threadline.store.engine import Rows

EDGE_KINDS = ("message", "payment", "session", "selector")
# A selector value shared by more persons than this (a carrier's NAT address, a shop's
# Wi-Fi) links nobody in particular: it is not drawn as a link.
SELECTOR_SHARED_MAX = 20

Edge = tuple[str, str, str, int]


def edges(r: Rows, since: datetime | None, until: datetime | None) -> list[Edge]:
    """(person a, person b, kind, count) with a < b, counting records in the date range."""
    rows = r.query(
        f"""WITH s AS (
              SELECT DISTINCT m.person_id AS p, s.selector_type AS t, s.value AS v
              FROM selectors s JOIN person_members m ON m.member_key = s.entity_key
              WHERE ($1::TIMESTAMP IS NULL OR s."at" IS NULL OR s."at" >= $1)
                AND ($2::TIMESTAMP IS NULL OR s."at" IS NULL OR s."at" <= $2)),
             shared AS (SELECT t, v FROM s GROUP BY t, v
                        HAVING count(*) BETWEEN 2 AND {SELECTOR_SHARED_MAX}),
             e AS (
               SELECT least(sp, rp) AS a, greatest(sp, rp) AS b, 'message' AS kind
               FROM _msg_parties WHERE sp <> rp
                 AND ($1::TIMESTAMP IS NULL OR "at" >= $1) AND ($2::TIMESTAMP IS NULL OR "at" <= $2)
               UNION ALL SELECT least(sp, rp), greatest(sp, rp), 'payment'
               FROM _pay_parties WHERE sp <> rp
                 AND ($1::TIMESTAMP IS NULL OR "at" >= $1) AND ($2::TIMESTAMP IS NULL OR "at" <= $2)
               UNION ALL SELECT least(buyer_person, seller_person),
                                greatest(buyer_person, seller_person), 'session'
               FROM sessions WHERE buyer_person <> seller_person
                 AND ($1::TIMESTAMP IS NULL OR "start" >= $1)
                 AND ($2::TIMESTAMP IS NULL OR "start" <= $2)
               UNION ALL SELECT x.p, y.p, 'selector'
               FROM s x JOIN s y ON x.t = y.t AND x.v = y.v AND x.p < y.p
               JOIN shared ON shared.t = x.t AND shared.v = x.v)
           SELECT a, b, kind, count(*) FROM e WHERE a IS NOT NULL AND b IS NOT NULL
           GROUP BY a, b, kind ORDER BY a, b, kind""",
        [since, until],
    )
    return [(str(a), str(b), str(k), int(n)) for a, b, k, n in rows]


def measures(r: Rows) -> dict[str, tuple[int, float]]:
    """Each person's (paid sessions as buyer or seller, total amount paid), for node sizes."""
    rows = r.query(
        """WITH s AS (SELECT buyer_person AS p FROM sessions
                      UNION ALL SELECT seller_person FROM sessions),
             sc AS (SELECT p, count(*) AS n FROM s WHERE p IS NOT NULL GROUP BY p),
             sp AS (SELECT pp.sp AS p, sum(pay.amount) AS spend FROM _pay_parties pp
                    JOIN payments pay ON pay.rowid = pp.rid WHERE pp.sp IS NOT NULL
                    GROUP BY pp.sp)
           SELECT coalesce(sc.p, sp.p), coalesce(sc.n, 0), coalesce(sp.spend, 0)
           FROM sc FULL JOIN sp ON sc.p = sp.p"""
    )
    return {str(p): (int(n), float(spend)) for p, n, spend in rows}


def activity(
    r: Rows, persons: list[str], since: datetime | None, until: datetime | None
) -> list[dict[str, object]]:
    """Messages, payments and logins per month in which any of ``persons`` is a party."""
    return r.query_dicts(
        """WITH ev AS (
             SELECT "at", 'messages' AS kind FROM _msg_parties
             WHERE list_contains($1, sp) OR list_contains($1, rp)
             UNION ALL SELECT "at", 'payments' FROM _pay_parties
             WHERE list_contains($1, sp) OR list_contains($1, rp)
             UNION ALL SELECT "at", 'logins' FROM _login_parties WHERE list_contains($1, p))
           SELECT date_trunc('month', "at") AS month, kind, count(*) AS n FROM ev
           WHERE "at" IS NOT NULL AND ($2::TIMESTAMP IS NULL OR "at" >= $2)
             AND ($3::TIMESTAMP IS NULL OR "at" <= $3)
           GROUP BY 1, 2 ORDER BY 1, 2""",
        [persons, since, until],
    )
