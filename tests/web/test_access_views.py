"""The access matrix over the analyst views: every role of each agency opens every message in
its conversation, every payment beside its related payments, every session on its time axis,
every person's links (three hops), shortest paths, map, and the rescue worklist; no response
may carry a restricted value or link to a row the user may not open (the oracle of
``test_access_data`` computes both from the case itself).
"""

from __future__ import annotations

import itertools

import pytest

from tests.web.conftest import Client, LiveServer
from tests.web.test_access_data import (
    COUNTRIES,
    EVIDENCE_LINK,
    ROLES,
    Oracle,
    data_server,  # noqa: F401 (a fixture)
)
from threadline.store.engine import Engine


def _paths(e: Engine) -> list[str]:
    persons = sorted(str(p) for (p,) in e.query("SELECT DISTINCT person_id FROM person_members"))
    sessions = sorted(str(s) for (s,) in e.query("SELECT session_id FROM sessions"))
    refs = {
        table: e.query(
            f'SELECT DISTINCT s.sha256, t."row" FROM {table} t JOIN sources s USING (source_id)'
        )
        for table in ("messages", "payments")
    }
    return [
        "/api/rescue",
        "/rescue",
        *(f"/api/conversation/{sha}/{row}" for sha, row in refs["messages"]),
        *(f"/conversation/{sha}/{row}" for sha, row in refs["messages"]),
        *(f"/api/payments/{sha}/{row}" for sha, row in refs["payments"]),
        *(f"/api/sessions/{s}" for s in sessions),
        *(f"/sessions/{s}" for s in sessions),
        *(f"/api/persons/{p}/links?hops=3" for p in persons),
        *(f"/persons/{p}/links" for p in persons),
        *(f"/api/persons/{p}/map" for p in persons),
        *(f"/api/notes?kind=person&subject={p}" for p in persons),
        *(f"/api/notes?kind=session&subject={s}" for s in sessions),
        "/notes/agency",
        *(f"/api/persons/{p}/activity" for p in persons),
        *(f"/api/links/path?a={a}&b={b}" for a, b in itertools.combinations(persons[:8], 2)),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("country", COUNTRIES)
def test_no_restricted_value_in_any_view(data_server: LiveServer, country: str, role: str) -> None:  # noqa: F811
    e = data_server.case.engine
    oracle = Oracle(e, country)
    closed = oracle.closed_rows()
    c = Client(data_server.url)
    assert c.login(f"{country.lower()}_{role}").status_code == 200
    failures: list[str] = []
    statuses: set[int] = set()
    for path in _paths(e):
        r = c.get(path)
        statuses.add(r.status_code)
        assert r.status_code in (200, 403, 404), (path, r.status_code, r.text[:200])
        if found := oracle.leaks(r.text):
            failures.append(f"{path}: {found[:4]}")
        links = {(s, int(n)) for s, n in EVIDENCE_LINK.findall(r.text)}
        if dead := sorted(links & closed):
            failures.append(f"{path}: links to restricted rows {dead[:3]}")
    c.close()
    assert {200, 403} <= statuses, "the walk must meet both shown and refused views"
    assert not failures, f"{len(failures)} responses leak:\n" + "\n".join(failures[:40])
