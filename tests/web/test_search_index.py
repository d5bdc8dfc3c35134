"""The search step's ranked postings and value lookups give exactly what the scans give.

On the web fixture case (analysed with the search step): message hits from the ranked
postings against the BM25 query on the index's own postings, and logins and payments from
the sorted lookups against the table scans, for every value the case holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import Built
from tests.web.conftest import copy_case
from threadline import Case
from threadline.store import full_text
from threadline.web import search_lookup, search_sql
from threadline.web.policy import load_policy
from threadline.web.search import _readings, _records
from threadline.web.workbench import Workbench


@pytest.fixture(scope="module")
def workbench(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    case_dir = copy_case(built, tmp_path_factory.mktemp("search-index") / "case")
    with Case.open(case_dir) as case:
        full_text.load(case.engine)
        wb = Workbench(case, load_policy(case.path), package_builder=None)
        yield wb
        wb.pool.close()


def words(wb: Workbench) -> list[str]:
    """Every word of the case's messages, a few phrases of them, and words that are absent."""
    with wb.reader() as r:
        found = sorted(
            {
                str(w)
                for (w,) in r.query(
                    "SELECT DISTINCT unnest(regexp_extract_all(lower(text), '[a-z]+')) "
                    "FROM messages"
                )
            }
        )
    return [*found, " ".join(found[:3]), "[REQUEST] " + found[-1], "zzqx", "the", "1234"]


def test_the_search_step_wrote_postings_and_lookups(workbench: Workbench) -> None:
    with workbench.reader() as r:
        assert full_text.has_postings(r, "messages", list(search_sql.POSTED["messages"]))
        assert not full_text.has_postings(r, "messages", ["no_such_column"])
        assert search_lookup.current(r) == frozenset(search_lookup.LOOKUPS)
        postings = r.query(f"SELECT count(*) FROM {full_text.postings_table('messages')}")
        assert postings[0][0] > 0


def test_message_hits_from_ranked_postings_equal_the_bm25_query(workbench: Workbench) -> None:
    with workbench.reader() as r:
        checked = 0
        for q in words(workbench):
            ranked = search_sql.message_hits(r, q, True, True)
            scored = search_sql.message_hits(r, q, True, False)
            assert ranked == scored, q  # same rows, order, persons, agencies, scores and count
            checked += bool(ranked[1])
        assert checked > 5  # the words do find messages


def test_the_ranked_hits_follow_the_checked_limit(
    workbench: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_sql, "CHECKED", 3)  # the cut falls among tied scores
    with workbench.reader() as r:
        for q in ("request", "[REQUEST] price"):
            ranked = search_sql.message_hits(r, q, True, True)
            assert ranked == search_sql.message_hits(r, q, True, False), q
            assert len(ranked[0]) == 3
            assert ranked[1] > 3


def values(wb: Workbench) -> list[str]:
    """Every login and payment value of the case, as typed: other case, spaces around."""
    with wb.reader() as r:
        rows = r.query(
            """SELECT DISTINCT v FROM (
                 SELECT ip AS v FROM logins UNION ALL SELECT device_id FROM logins
                 UNION ALL SELECT transaction_id FROM payments
                 UNION ALL SELECT sender_account FROM payments
                 UNION ALL SELECT receiver_account FROM payments
                 UNION ALL SELECT sender_phone FROM payments
                 UNION ALL SELECT receiver_phone FROM payments
                 UNION ALL SELECT value FROM selectors UNION ALL SELECT account_id FROM accounts
                 UNION ALL SELECT registration_ip FROM accounts
                 UNION ALL SELECT platform || ':' || account_id FROM accounts)
               WHERE v IS NOT NULL"""
        )
    found = sorted(str(v) for (v,) in rows)
    return [*found, *(f" {v.upper()} " for v in found[::3]), "request", "10.0.0.999"]


def test_selectors_accounts_logins_and_payments_from_lookups_equal_the_scans(
    workbench: Workbench,
) -> None:
    found = 0
    everything = frozenset(search_lookup.LOOKUPS)
    with workbench.reader() as r:
        parties = {
            (sha, row): (sp, rp)
            for sha, row, sp, rp in r.query(
                """SELECT src.sha256, p."row", pp.sp, pp.rp FROM payments p
                   JOIN sources src USING (source_id) JOIN _pay_parties pp ON pp.rid = p.rowid"""
            )
        }
        for q in values(workbench):
            read: dict[str, Any] = _readings(q, "AU")
            looked_up = _records(r, read, everything)
            assert looked_up == _records(r, read, frozenset()), q
            found += sum(bool(v) for v in looked_up.values())
            for hit in looked_up["payments"]:  # the persons are the workbench's party index's
                assert (hit["sp"], hit["rp"]) == parties[hit["source_sha256"], hit["row"]], q
    assert found > 10


def test_a_lookup_behind_an_ingest_is_not_used(built: Built, tmp_path: Path) -> None:
    case_dir = copy_case(built, tmp_path / "case")
    with Case.open(case_dir) as case:
        # As an ingest after the analysis would: a login the lookup has not seen.
        case.engine.execute(
            "INSERT INTO logins SELECT * REPLACE ('203.0.113.77' AS ip) FROM logins LIMIT 1"
        )
        wb = Workbench(case, load_policy(case.path), package_builder=None)
        try:
            with wb.reader() as r:
                assert "logins" not in search_lookup.current(r)
                assert "payments" in search_lookup.current(r)
                assert search_sql.logins(r, "203.0.113.77", "203.0.113.77")
        finally:
            wb.pool.close()


def test_lookups_behind_a_resolve_are_not_used(built: Built, tmp_path: Path) -> None:
    """Resolve rewrites the selectors; a lookup written before it may name other rows."""
    case_dir = copy_case(built, tmp_path / "case")
    with Case.open(case_dir) as case:
        assert search_lookup.current(case.engine) == frozenset(search_lookup.LOOKUPS)
        # As an analysis stopped after its resolve step would leave the case.
        case.note("analyze", {"stage": "resolve", "summary": {}})
        assert search_lookup.current(case.engine) == frozenset()


def test_only_selector_links_need_closing(built: Built, workbench: Workbench) -> None:
    """Every evidence link search gives is one the user may open (checked for all kinds)."""
    from threadline.web.policy import User
    from threadline.web.search import search
    from threadline.web.views_person import close_links

    queries = ["request", "price", "81.2.0.1", "+61410000000", *values(workbench)[:40]]
    opened = 0
    for agency, country in (("AFP", "AU"), ("NCA", "GB"), ("PNP", "PH"), ("FBI", "US")):
        user = User("t", agency, country, "analyst")
        for q in queries:
            answer = search(workbench, user, q)
            links = [h for g in answer["groups"] for h in g["hits"] if g["kind"] != "persons"]
            before = [h["href"] for h in links]
            close_links(workbench, user, links)  # what the workbench's rule allows
            assert [h["href"] for h in links] == before, (country, q)
            opened += sum(h is not None for h in before)
    assert opened > 20
