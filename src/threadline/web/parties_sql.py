"""Who each stored record is about: the persons on each side of the rows of a source file.

The workbench asks this of the evidence rows a page links to, to leave open only the
links the user may open (:meth:`threadline.web.workbench.Workbench.openable`).
"""

from __future__ import annotations

from collections.abc import Sequence

from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Rows


def row_parties(
    r: Rows, refs: Sequence[tuple[str, int]]
) -> list[tuple[str, int, str, str, str | None, bool]]:
    """(sha256, row, agency, record id, person, has key) for each party of each record.

    A record with no party gives one line with ``has key`` false; a party whose member
    belongs to no person gives ``person`` None. Records are found by the row they were
    stored from (joined on the source and row, no provenance read); only rows that stored no
    record of their own (a duplicate of one stored from another row) are looked up through
    ``provenance`` by record id, which reads that table whole.
    """
    if not refs:
        return []
    shas, rows = [sha for sha, _ in refs], [int(n) for _, n in refs]
    found = _parties(r, 'w.source_id = t.source_id AND w."row" = t."row"', shas, rows)
    stored = {(sha, n) for sha, n, *_ in found}
    rest = [(sha, n) for sha, n in zip(shas, rows, strict=True) if (sha, n) not in stored]
    if rest:
        found += _parties(
            r, "w.record_id = t.record_id", [sha for sha, _ in rest], [n for _, n in rest], True
        )
    return found


PARTY_KEYS = {
    "messages": [
        account_key("t.platform", "t.sender"),
        account_key("t.platform", "t.recipient"),
    ],
    "payments": [identity_key_sql("sender", "t"), identity_key_sql("receiver", "t")],
    "accounts": [account_key("t.platform", "t.account_id")],
    "logins": [account_key("t.platform", "t.account_id")],
    "media": ["lower(trim(t.found_on))"],
    "locations": [
        """CASE WHEN t.subject_type = 'account' THEN lower(trim(t.subject)) ELSE
        (SELECT min(s.entity_key) FROM selectors s WHERE s.selector_type = t.subject_type
         AND s.value = CASE WHEN t.subject_type = 'phone' THEN t.subject
                            ELSE lower(trim(t.subject)) END) END"""
    ],
}


def _parties(
    r: Rows, on: str, shas: list[str], rows: list[int], by_provenance: bool = False
) -> list[tuple[str, int, str, str, str | None, bool]]:
    """:func:`row_parties` of the rows, joining each table to them ``on`` a condition."""
    if by_provenance:
        w = """SELECT want.sha, want."row", s.agency, p.table_name, p.record_id
               FROM want JOIN sources s ON s.sha256 = want.sha
               JOIN provenance p ON p.source_id = s.source_id AND p."row" = want."row" """
    else:
        w = """SELECT want.sha, want."row", s.agency, s.source_id
               FROM want JOIN sources s ON s.sha256 = want.sha"""
    parts = [
        f"""SELECT w.sha, w."row", w.agency, t.record_id, unnest([{", ".join(k)}]) AS k
            FROM w JOIN {table} t ON {on}"""
        + (f" AND w.table_name = '{table}'" if by_provenance else "")
        for table, k in PARTY_KEYS.items()
    ]
    found = r.query(
        f"""WITH want AS (SELECT unnest(?) AS sha, unnest(?) AS "row"),
             w AS ({w}),
             k AS ({" UNION ALL ".join(parts)})
           SELECT k.sha, k."row", k.agency, k.record_id, m.person_id, k.k IS NOT NULL
           FROM k LEFT JOIN person_members m ON m.member_key = k.k""",
        [shas, rows],
    )
    return [
        (str(sha), int(n), str(ag), str(rid), None if p is None else str(p), bool(has))
        for sha, n, ag, rid, p, has in found
    ]
