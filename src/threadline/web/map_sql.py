"""SQL behind the map and the rescue worklist: location fixes and home estimates."""

from __future__ import annotations

from typing import Any

from threadline.store.engine import Rows


def person_fixes(r: Rows, person_id: str, limit: int) -> list[dict[str, Any]]:
    """The location fixes of the person's accounts, phones and devices, newest first."""
    return r.query_dicts(
        """WITH k AS (SELECT member_key FROM person_members WHERE person_id = $1),
             subj AS (
               SELECT 'account' AS t, member_key AS v FROM k
               UNION SELECT selector_type, value FROM selectors
               WHERE entity_key IN (SELECT member_key FROM k)
                 AND selector_type IN ('phone', 'device'))
           SELECT l."at", l.lat, l.lon, l.accuracy_m, l.subject_type, l.source_note,
                  l."row", src.sha256 AS source_sha256, src.agency AS source_agency
           FROM locations l JOIN subj ON subj.t = l.subject_type
             AND subj.v = CASE WHEN l.subject_type = 'phone' THEN l.subject
                               ELSE lower(trim(l.subject)) END
           JOIN sources src USING (source_id)
           WHERE l.lat IS NOT NULL AND l.lon IS NOT NULL
           ORDER BY l."at" DESC NULLS LAST, l."row" LIMIT $2""",
        [person_id, limit],
    )


def rescue_rows(r: Rows) -> list[dict[str, Any]]:
    """Every home estimate with the person's sessions sold and distinct buyers, by priority."""
    return r.query_dicts(
        """WITH s AS (SELECT seller_person AS p, count(*) AS sessions,
                             count(DISTINCT buyer_person) AS buyers,
                             max("start") AS last_session
                      FROM sessions GROUP BY seller_person)
           SELECT x.person_id, x.lat, x.lon, x.radius_m, x.country, x.admin_area,
                  x.last_activity, x.priority, x.evidence,
                  coalesce(s.sessions, 0) AS sessions, coalesce(s.buyers, 0) AS buyers,
                  s.last_session
           FROM rescue x LEFT JOIN s ON s.p = x.person_id
           ORDER BY x.priority DESC NULLS LAST, s.sessions DESC NULLS LAST, x.person_id"""
    )
