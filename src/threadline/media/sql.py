"""SQL of the media stage: hashed-file facts, hash-list matches, near-duplicate groups, links.

Only hashes and metadata are stored. ``media`` (canonical rows) and ``hashlist`` are written
by ingest; the tables here by media ingest (``media_files``) and the media stage (the rest).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from threadline.store.engine import Engine, quote_ident
from threadline.store.tables import Table, table

TABLES: dict[str, Table] = {
    # One row per hashed file: what hashing found beyond the canonical media row.
    "media_files": table(
        """source_id VARCHAR, path VARCHAR, sha256 VARCHAR, size BIGINT,
        media_type VARCHAR, status VARCHAR, reason VARCHAR, pdq VARCHAR, pdq_quality INTEGER,
        pdq_dihedral VARCHAR, vpdq VARCHAR, vpdq_frames INTEGER, width INTEGER,
        height INTEGER, exif_orientation INTEGER""",
        per_table_export=False,
    ),
    # One row per (media row, hash-list entry) that match; the export contract's fields first.
    "media_matches": table(
        """sha256 VARCHAR, path VARCHAR, "match" VARCHAR, distance INTEGER,
        list_name VARCHAR, category VARCHAR, series_id VARCHAR, found_on VARCHAR,
        group_id VARCHAR, victim_identified BOOLEAN, transform VARCHAR, similarity DOUBLE,
        media_record_id VARCHAR, hashlist_record_id VARCHAR, list_source_id VARCHAR"""
    ),
    # The case's own near-duplicate groups (PDQ), joined to listed series where they match.
    "media_group_members": table("group_id VARCHAR, sha256 VARCHAR", per_table_export=False),
    "media_groups": table(
        """group_id VARCHAR, files BIGINT, copies BIGINT, status VARCHAR,
        priority INTEGER, series_ids VARCHAR[], list_names VARCHAR[], categories VARCHAR[],
        holders VARCHAR[], victim_identified BOOLEAN""",
        per_table_export=False,
    ),
    # Who held or sent each file: found_on values and message attachments by sha256.
    "media_links": table(
        """group_id VARCHAR, sha256 VARCHAR, holder VARCHAR, platform VARCHAR,
        account_id VARCHAR, device_id VARCHAR, via VARCHAR, message_id VARCHAR,
        source_id VARCHAR""",
        per_table_export=False,
    ),
}
RESULT_TABLES = ("media_matches", "media_group_members", "media_groups", "media_links")
EXPORT_ORDER = {
    "media_files": "sha256, path",
    "media_matches": 'sha256, path, list_name, "match", hashlist_record_id',
    "media_groups": "priority, group_id",
    "media_links": "group_id, sha256, via, holder, message_id",
}

# A list's name: the rows' list_name, else the file it was ingested from (without suffix).
LIST_NAME = (
    "coalesce(h.list_name, regexp_replace(regexp_replace(s.path, '^.*[/\\\\]', ''), "
    "'\\.[^.]*$', ''))"
)


def insert_arrow(engine: Engine, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to ``table`` by column name."""
    if rows.num_rows == 0:
        return
    name = f"_in_{table}"
    engine.register(name, rows)
    try:
        engine.execute(f"INSERT INTO {quote_ident(table)} BY NAME SELECT * FROM {name}")
    finally:
        engine.unregister(name)


def clear_results(engine: Engine) -> None:
    """The stage recomputes its tables from the whole case each run."""
    for t in RESULT_TABLES:
        engine.execute(f"DELETE FROM {t}")


# -- inputs of the stage ------------------------------------------------------------------
def case_pdq(engine: Engine) -> pa.Table:
    """Distinct PDQ hashes of the case with their best known quality and dihedral hashes.

    Quality is NULL for hashes that arrived as canonical rows (no pixels seen here).
    """
    return engine.query_arrow(
        """SELECT m.pdq, max(f.pdq_quality) AS quality, min(f.pdq_dihedral) AS dihedral
           FROM (SELECT DISTINCT pdq, sha256 FROM media WHERE pdq IS NOT NULL) m
           LEFT JOIN media_files f ON f.sha256 = m.sha256 AND f.pdq = m.pdq
           GROUP BY m.pdq ORDER BY m.pdq"""
    )


def list_pdq(engine: Engine) -> pa.Table:
    """Distinct PDQ hashes of all hash lists, in order."""
    return engine.query_arrow(
        "SELECT DISTINCT pdq FROM hashlist WHERE pdq IS NOT NULL ORDER BY pdq"
    )


def case_files(engine: Engine) -> pa.Table:
    """One row per distinct sha256 in the case: its PDQ hash, quality and dihedral hashes."""
    return engine.query_arrow(
        """SELECT m.sha256, min(m.pdq) AS pdq, max(f.pdq_quality) AS quality,
                  min(f.pdq_dihedral) AS dihedral
           FROM media m LEFT JOIN media_files f ON f.sha256 = m.sha256
           WHERE m.sha256 IS NOT NULL GROUP BY m.sha256 ORDER BY m.sha256"""
    )


def case_videos(engine: Engine) -> list[tuple[str, str]]:
    """Distinct videos of the case: (sha256, vPDQ hash), in order."""
    return [
        (str(a), str(b))
        for a, b in engine.query(
            "SELECT DISTINCT sha256, vpdq FROM media_files WHERE vpdq IS NOT NULL ORDER BY 1"
        )
    ]


def list_videos(engine: Engine) -> list[str]:
    """Distinct vPDQ hashes of all hash lists, in order."""
    return [
        str(v)
        for (v,) in engine.query(
            "SELECT DISTINCT vpdq FROM hashlist WHERE vpdq IS NOT NULL ORDER BY 1"
        )
    ]


# -- matches ------------------------------------------------------------------------------
def _match_select(
    kind: str, join: str, distance: str, transform: str = "NULL", similarity: str = "NULL"
) -> str:
    return f"""SELECT m.sha256, m.path, '{kind}' AS "match", {distance} AS distance,
        {LIST_NAME} AS list_name, h.category, h.series AS series_id, m.found_on,
        g.group_id, h.victim_identified, {transform} AS transform,
        {similarity} AS similarity, m.record_id AS media_record_id,
        h.record_id AS hashlist_record_id, h.source_id AS list_source_id
        FROM {join}
        JOIN sources s ON s.source_id = h.source_id
        LEFT JOIN media_group_members g ON g.sha256 = m.sha256"""


def insert_exact_matches(engine: Engine) -> None:
    """sha256, md5 and sha1 equality between case media and every hash list."""
    for kind in ("sha256", "md5", "sha1"):
        join = f"media m JOIN hashlist h ON h.{kind} = m.{kind}"
        engine.execute(f"INSERT INTO media_matches {_match_select(kind, join, '0')}")


def insert_pdq_matches(engine: Engine, hits: pa.Table) -> None:
    """``hits``: case_pdq, list_pdq, distance, transform (one row per pair, best transform)."""
    engine.register("_pdq_hits", hits)
    try:
        join = (
            "_pdq_hits x JOIN media m ON m.pdq = x.case_pdq JOIN hashlist h ON h.pdq = x.list_pdq"
        )
        engine.execute(
            f"INSERT INTO media_matches {_match_select('pdq', join, 'x.distance', 'x.transform')}"
        )
    finally:
        engine.unregister("_pdq_hits")


def insert_vpdq_matches(engine: Engine, hits: pa.Table) -> None:
    """``hits``: sha256, list_vpdq, distance, similarity (percent of query frames found)."""
    engine.register("_vpdq_hits", hits)
    try:
        join = (
            "_vpdq_hits x JOIN media m ON m.sha256 = x.sha256 "
            "JOIN hashlist h ON h.vpdq = x.list_vpdq"
        )
        select = _match_select("vpdq", join, "x.distance", similarity="x.similarity")
        engine.execute(f"INSERT INTO media_matches {select}")
    finally:
        engine.unregister("_vpdq_hits")


def fill_group_series(engine: Engine) -> None:
    """A match with no listed series takes the series its group matched, else the group id."""
    engine.execute(
        """UPDATE media_matches SET series_id = coalesce(
               (SELECT min(o.series_id) FROM media_matches o
                WHERE o.group_id = media_matches.group_id AND o.series_id IS NOT NULL),
               group_id)
           WHERE series_id IS NULL"""
    )


# -- groups and links -----------------------------------------------------------------------
def insert_links(engine: Engine) -> None:
    """Every holder of a case file: found_on values, and senders/recipients of attachments."""
    account = "strpos(m.found_on, ':') > 0"
    engine.execute(
        f"""INSERT INTO media_links
        SELECT g.group_id, m.sha256, m.found_on,
               CASE WHEN {account} THEN split_part(m.found_on, ':', 1) END,
               CASE WHEN {account} THEN substr(m.found_on, strpos(m.found_on, ':') + 1) END,
               CASE WHEN NOT {account} THEN m.found_on END,
               'found_on', NULL, m.source_id
        FROM (SELECT DISTINCT sha256, found_on, source_id FROM media
              WHERE sha256 IS NOT NULL AND found_on IS NOT NULL) m
        LEFT JOIN media_group_members g ON g.sha256 = m.sha256
        UNION ALL
        SELECT g.group_id, x.attachment_sha256, x.platform || ':' || x.sender, x.platform,
               x.sender, NULL, 'sent', x.message_id, x.source_id
        FROM messages x LEFT JOIN media_group_members g ON g.sha256 = x.attachment_sha256
        WHERE x.attachment_sha256 IS NOT NULL
        UNION ALL
        SELECT g.group_id, x.attachment_sha256, x.platform || ':' || x.recipient, x.platform,
               x.recipient, NULL, 'received', x.message_id, x.source_id
        FROM messages x LEFT JOIN media_group_members g ON g.sha256 = x.attachment_sha256
        WHERE x.attachment_sha256 IS NOT NULL"""
    )


def insert_groups(engine: Engine) -> None:
    """Summarise each group: listed or not, its series and lists, holders, priority.

    Priority 1: unlisted material held by several holders or in several near-duplicates
    (circulating, possibly an unidentified victim); 2: listed, victim not identified;
    3: listed otherwise; 4: an unlisted file held once.
    """
    engine.execute(
        """INSERT INTO media_groups
        WITH copies AS (
            SELECT g.group_id, count(*) AS n FROM media m
            JOIN media_group_members g ON g.sha256 = m.sha256 GROUP BY 1),
        hits AS (
            SELECT group_id,
                   list(DISTINCT series_id ORDER BY series_id)
                       FILTER (WHERE series_id IS NOT NULL AND series_id <> group_id) AS s,
                   list(DISTINCT list_name ORDER BY list_name)
                       FILTER (WHERE list_name IS NOT NULL) AS l,
                   list(DISTINCT category ORDER BY category)
                       FILTER (WHERE category IS NOT NULL) AS c,
                   bool_or(victim_identified = false) AS unidentified,
                   bool_and(victim_identified) AS identified
            FROM media_matches WHERE group_id IS NOT NULL GROUP BY 1),
        holders AS (
            SELECT group_id, list(DISTINCT holder ORDER BY holder) AS h,
                   count(DISTINCT holder) AS n
            FROM media_links WHERE group_id IS NOT NULL GROUP BY 1),
        members AS (SELECT group_id, count(*) AS n FROM media_group_members GROUP BY 1)
        SELECT mb.group_id, mb.n, coalesce(c.n, 0),
               CASE WHEN x.group_id IS NULL THEN 'unlisted' ELSE 'listed' END,
               CASE WHEN x.group_id IS NULL AND (mb.n > 1 OR coalesce(hd.n, 0) > 1) THEN 1
                    WHEN x.group_id IS NOT NULL AND x.unidentified THEN 2
                    WHEN x.group_id IS NOT NULL THEN 3 ELSE 4 END,
               coalesce(x.s, []), coalesce(x.l, []), coalesce(x.c, []), coalesce(hd.h, []),
               x.identified
        FROM members mb LEFT JOIN copies c USING (group_id)
        LEFT JOIN hits x USING (group_id) LEFT JOIN holders hd USING (group_id)"""
    )


def summary(engine: Engine) -> dict[str, Any]:
    """Counts for the stage's audit entry."""
    q = engine.scalar
    by_kind = {
        str(k): int(n)
        for k, n in engine.query(
            'SELECT "match", count(DISTINCT sha256) FROM media_matches GROUP BY 1 ORDER BY 1'
        )
    }
    return {
        "files": int(q("SELECT count(DISTINCT sha256) FROM media")),
        "matched_files": int(q("SELECT count(DISTINCT sha256) FROM media_matches")),
        "matched_files_by": by_kind,
        "match_rows": int(q("SELECT count(*) FROM media_matches")),
        "groups": int(q("SELECT count(*) FROM media_groups")),
        "unlisted_groups_priority_1": int(
            q("SELECT count(*) FROM media_groups WHERE priority = 1")
        ),
        "links": int(q("SELECT count(*) FROM media_links")),
    }


# -- export -------------------------------------------------------------------------------
def export_sql() -> dict[str, str]:
    """Export file stem -> query, for the JSON export contract."""
    return {name: f"SELECT * FROM {name} ORDER BY {order}" for name, order in EXPORT_ORDER.items()}


def vics_rows(engine: Engine) -> list[dict[str, Any]]:
    """Matched media and media of unlisted groups, one row per sha256, for a VICS export."""
    return engine.query_dicts(
        """WITH pick AS (
            SELECT sha256 FROM media_matches
            UNION SELECT gm.sha256 FROM media_group_members gm
            JOIN media_groups g USING (group_id) WHERE g.status = 'unlisted' AND g.priority = 1)
        SELECT p.sha256, min(m.md5) AS md5, min(m.sha1) AS sha1, max(m.size) AS size,
               list(DISTINCT m.path ORDER BY m.path) FILTER (WHERE m.path IS NOT NULL)
                   AS paths,
               (SELECT min(x.category) FROM media_matches x WHERE x.sha256 = p.sha256)
                   AS category,
               (SELECT min(x.series_id) FROM media_matches x WHERE x.sha256 = p.sha256)
                   AS series,
               (SELECT bool_and(x.victim_identified) FROM media_matches x
                WHERE x.sha256 = p.sha256) AS victim_identified,
               (SELECT list(DISTINCT x.list_name || ':' || x."match" ORDER BY 1)
                FROM media_matches x WHERE x.sha256 = p.sha256) AS matched,
               min(gm.group_id) AS group_id
        FROM pick p JOIN media m ON m.sha256 = p.sha256
        LEFT JOIN media_group_members gm ON gm.sha256 = p.sha256
        GROUP BY p.sha256 ORDER BY p.sha256"""
    )


EXPORTS = export_sql()
