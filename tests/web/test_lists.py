"""Every list pages, sorts, filters and exports CSV through the access policy."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures import AGENCY, Built
from tests.web.conftest import Client, LiveServer, copy_case
from threadline import Case
from threadline.web import listing
from threadline.web.errors import BadRequest
from threadline.web.list_specs import SPECS
from threadline.web.views_person import span_of


def _count(built: Built, sql: str) -> int:
    with Case.open(built.path, read_only=True) as case:
        return int(case.engine.scalar(sql))


def test_every_session_is_reachable_page_by_page(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    total = _count(built, "SELECT count(*) FROM sessions")
    c = client_for("au_analyst")
    seen, page = [], 1
    while True:
        answer = c.get("/api/sessions", params={"size": 3, "page": page}).json()
        assert answer["paging"]["total"] == total
        seen += answer["sessions"]
        if page >= answer["paging"]["pages"]:
            break
        page += 1
    assert len(seen) == total
    visible = [s["session_id"] for s in seen if s["session_id"]]
    assert len(set(visible)) == len(visible)  # no row twice across pages


def test_sort_and_filter(server: LiveServer, built: Built, client_for: Any) -> None:
    c = client_for("au_analyst")
    up = c.get("/api/sessions", params={"sort": "buyer_label", "size": 100}).json()["sessions"]
    labels = [s["buyer_label"] for s in up]
    assert labels == sorted(labels)
    down = c.get("/api/sessions", params={"sort": "-buyer_label", "size": 100}).json()
    assert [s["buyer_label"] for s in down["sessions"]] == labels[::-1]
    one = c.get("/api/sessions", params={"buyer": "au0_0"}).json()["sessions"]
    assert {s["buyer_person"] for s in one} == {built.persons["au0_0"]}
    net = c.get("/api/sessions", params={"network": "N001", "size": 100}).json()["sessions"]
    assert net
    assert all("N001" in s["networks"] for s in net)
    none = c.get("/api/sessions", params={"from": "2031-01-01"}).json()
    assert none["paging"]["total"] == 0
    targets = c.get("/api/targets/AU", params={"reason": "payment_to_facilitator"}).json()
    assert targets["targets"]
    assert all("payment_to_facilitator" in t["signals"] for t in targets["targets"])
    assert [t["country_rank"] for t in c.get("/api/targets/AU").json()["targets"]] == [1, 2, 3, 4]
    media = c.get("/api/media", params={"series": "series-x"}).json()
    assert media["paging"]["total"] == _count(built, "SELECT count(*) FROM media_matches")


def test_a_filter_cannot_probe_withheld_values(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    gb = client_for("gb_analyst")
    probe = gb.get("/api/sessions", params={"buyer": "au0_0"}).json()
    assert probe["paging"]["total"] == 0
    persons = gb.get("/api/persons", params={"q": "au0_0"}).json()
    assert persons["paging"]["total"] == 0
    assert persons["restricted"] > 0


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "start; DROP TABLE sessions"},
        {"sort": '"start" DESC, (SELECT 1)'},
        {"sort": "password_hash"},
        {"sort": "-"},
        {"page": "0"},
        {"size": "100000"},
        {"page": "x"},
        {"format": "xml"},
        {"buyer_person = buyer_person OR 1": "1"},
    ],
)
def test_sort_and_filter_injection_is_refused(
    server: LiveServer, client_for: Any, params: dict[str, str]
) -> None:
    c = client_for("au_admin")
    for path in (
        "/api/sessions",
        "/api/targets/AU",
        "/api/persons",
        "/api/media",
        "/api/quarantine",
        "/api/audit",
    ):
        r = c.get(path, params=params)
        assert r.status_code == 400, (path, params, r.text)
        assert r.json()["error"]["code"] == "bad_request"
    assert c.get("/sessions", params={"sort": "start; DROP TABLE x"}).status_code == 400
    assert _count_sessions(c) > 0  # still there


def _count_sessions(c: Any) -> int:
    return int(c.get("/api/sessions").json()["paging"]["total"])


def test_csv_export_holds_every_row_and_obeys_the_policy(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    total = _count(built, "SELECT count(*) FROM sessions")
    for name, hidden in (("au_analyst", "gb0_0"), ("gb_analyst", "au0_0")):
        c = client_for(name)
        r = c.get("/api/sessions", params={"format": "csv", "size": 1})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        table = list(csv.DictReader(io.StringIO(r.text)))
        assert len(table) == total  # all rows, not one page
        assert hidden not in r.text
        assert built.persons[hidden] not in r.text
    gb = client_for("gb_analyst")
    people = gb.get("/api/persons", params={"format": "csv"}).text
    assert built.persons["au0_0"] not in people
    assert built.persons["gb0_0"] in people
    audit = gb.get("/api/audit", params={"format": "csv"})
    assert audit.status_code == 403  # analysts do not read the audit log
    admin = client_for("au_admin")
    entries = admin.get("/api/audit", params={"action": "export:sessions_list"}).json()
    assert any(json.loads(e["details"])["user"] == "au_analyst" for e in entries["entries"])


def test_quarantine_is_for_the_seizing_agency(built: Built, tmp_path: Path) -> None:
    """A quarantined row is raw input: the seizing agency (AFP) sees it, NCA only counts it."""
    case_dir = copy_case(built, tmp_path / "case")
    bad = tmp_path / "afp-accounts.csv"
    bad.write_text(
        "platform,account_id,display_name,email,phone,created_at,registration_ip,country\n"
        "chatapp,,afp_only_1 has no id,,,2020-01-01T00:00:00Z,,AU\n"
    )
    with Case.open(case_dir) as case:
        case.ingest("accounts", [bad], agency=AGENCY["AU"], seizure="EX-Q", format="csv")
        stored = int(case.engine.scalar("SELECT count(*) FROM quarantine"))
    assert stored > 0
    with LiveServer(case_dir) as s:
        au, gb = Client(s.url), Client(s.url)
        au.login("au_analyst")
        gb.login("gb_analyst")
        mine = au.get("/api/quarantine", params={"format": "csv"}).text
        theirs = gb.get("/api/quarantine").json()
        page = gb.get("/quarantine").text
        au.close()
        gb.close()
    assert "afp_only_1" in mine
    assert theirs["paging"]["total"] == 0
    assert theirs["restricted"] == stored
    assert "afp_only_1" not in page


def test_timeline_is_not_cut(server: LiveServer, built: Built, client_for: Any) -> None:
    seller = built.persons["sel0"]
    c = client_for("au_analyst")
    answer = c.get(f"/api/persons/{seller}/timeline", params={"size": 2}).json()
    with Case.open(built.path, read_only=True) as case:
        messages = case.engine.scalar(
            "SELECT count(*) FROM messages WHERE sender = 'sel0' OR recipient = 'sel0'"
        )
    assert answer["paging"]["total"] >= messages
    assert answer["paging"]["pages"] > 1
    assert (
        answer["events"][0]["at"] is None or answer["events"][0]["at"] >= answer["events"][1]["at"]
    )
    # The profile shows its newest events and counts them all, as the paged timeline does.
    profile = c.get(f"/api/persons/{seller}", params={"events": 3}).json()
    assert profile["timeline_total"] == answer["paging"]["total"]
    assert profile["timeline_href"] == f"/api/persons/{seller}/timeline"
    page = c.get(f"/persons/{seller}", params={"events": 3}).text
    assert f"the newest 3 of {answer['paging']['total']:,} events" in page
    assert page.count('<tr class="ev-') == 3


def test_a_date_range_narrows_the_timeline_read_but_lists_the_same_events(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    seller = built.persons["sel0"]
    c = client_for("au_analyst")
    every = c.get(f"/api/persons/{seller}/timeline", params={"size": 1000}).json()["events"]
    days = sorted({e["at"][:10] for e in every if e["at"]})
    assert len(days) >= 3
    since, to = days[1], days[-2]
    narrowed = c.get(
        f"/api/persons/{seller}/timeline", params={"size": 1000, "from": since, "to": to}
    ).json()
    expected = [e for e in every if e["at"] and since <= e["at"] and e["at"][:10] <= to]
    assert narrowed["events"] == expected
    assert narrowed["paging"]["total"] == len(expected) < len(every)


def test_the_read_span_of_a_date_filter_is_loose_by_a_day() -> None:
    assert span_of("2020-05-03", "2020-05-04T10:00") == (
        datetime(2020, 5, 2),
        datetime(2020, 5, 6),
    )
    assert span_of("not a date", None) == (None, None)


def test_csv_cells_cannot_run_as_formulas() -> None:
    text = listing.to_csv(["a", "b"], [{"a": "=HYPERLINK(1)", "b": "+1"}, {"a": "ok", "b": None}])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["a", "b"], ["'=HYPERLINK(1)", "'+1"], ["ok", ""]]


@given(st.dictionaries(st.sampled_from(["sort", "page", "size", "x"]), st.text(max_size=20)))
def test_parse_refuses_or_answers_a_whitelisted_request(params: dict[str, str]) -> None:
    spec = SPECS["sessions"]
    try:
        request = listing.parse(spec, params)
    except BadRequest:
        return
    assert request.sort in spec.sortable
    assert 1 <= request.size <= listing.MAX_PAGE_SIZE
    assert set(request.filters) <= {f.param for f in spec.filters}


def test_every_list_page_renders(server: LiveServer, built: Built, client_for: Any) -> None:
    c = client_for("au_admin")
    for path in (
        "/sessions",
        "/persons",
        "/targets/AU",
        "/media",
        "/quarantine",
        "/audit",
        f"/persons/{built.persons['sel0']}/timeline",
        "/search?q=request",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
        assert 'nav class="pager"' in r.text or path.startswith("/search"), path


@given(
    st.lists(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)), max_size=40),
    st.integers(1, 7),
    st.booleans(),
)
def test_pages_hold_every_row_once_in_order(values: list[Any], size: int, down: bool) -> None:
    spec = listing.Spec("t", ("v",), ("v", "i"), "i")
    rows = [{"i": i, "v": v} for i, v in enumerate(values)]
    order = ("-" if down else "") + "v"
    seen: list[dict[str, Any]] = []
    page = listing.apply(spec, listing.parse(spec, {"sort": order, "size": str(size)}), rows)
    for n in range(1, page.pages + 1):
        request = listing.parse(spec, {"sort": order, "size": str(size), "page": str(n)})
        seen += listing.apply(spec, request, rows).rows
    assert sorted(r["i"] for r in seen) == list(range(len(rows)))
    present = [r["v"] for r in seen if r["v"] is not None]
    assert [r["v"] for r in seen[len(present) :]] == [None] * (len(seen) - len(present))
    keys = [listing._sort_key(v) for v in present]
    assert keys == sorted(keys, reverse=down)
