"""Search over HTTP: every way a query is read, and the access policy on every hit.

All sources of the fixture were seized by PNP (PH); AU and GB buyers are visible only to
their own country's users, sellers and facilitators to everyone (the default policy).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fixtures import Built
from tests.web.conftest import LiveServer
from threadline.resolve.names import features
from threadline.web.search import name_match

AU_PHONE = "+61410000000"  # buyer au0_0 (tests/fixtures.py: DIAL + network + buyer number)


def groups(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["kind"]: g for g in answer["groups"]}


def test_a_phone_number_finds_its_person_for_their_country(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    au = client_for("au_analyst")
    found = groups(au.get("/api/search", params={"q": AU_PHONE}).json())
    persons = {h["person_id"] for h in found["selectors"]["hits"]}
    assert built.persons["au0_0"] in persons
    hit = next(h for h in found["selectors"]["hits"] if h["person_id"] == built.persons["au0_0"])
    assert hit["person_href"] == f"/persons/{built.persons['au0_0']}"
    assert str(hit["href"]).startswith("/evidence/")
    # Written the way an Australian would: the user's country reads the local format.
    local = groups(au.get("/api/search", params={"q": "0410 000 000"}).json())
    assert built.persons["au0_0"] in {h["person_id"] for h in local["selectors"]["hits"]}


def test_another_country_cannot_find_what_it_may_not_see(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    gb = client_for("gb_analyst")
    for q in (AU_PHONE, "au0_0", "T-au0_0", "au0_0@mail.test", "dev-au0_0", "81.2.0.1"):
        r = gb.get("/api/search", params={"q": q})
        assert r.status_code == 200, q
        answer = r.json()
        text = json.dumps(answer["groups"])
        assert built.persons["au0_0"] not in text, q
        assert "au0_0" not in text.replace(q, ""), q  # nothing of the person but the query
        assert sum(g["restricted"] for g in answer["groups"]) > 0, q
    page = gb.get("/search", params={"q": AU_PHONE})
    assert page.status_code == 200
    assert "restricted to another jurisdiction" in page.text
    assert built.persons["au0_0"] not in page.text
    assert "chatapp:au0_0" not in page.text
    # The AU analyst finds each of them.
    au = client_for("au_analyst")
    for q in ("au0_0", "T-au0_0", "au0_0@mail.test", "dev-au0_0", "81.2.0.1"):
        answer = au.get("/api/search", params={"q": q}).json()
        assert built.persons["au0_0"] in json.dumps(answer["groups"]), q
    by_ip = groups(au.get("/api/search", params={"q": "81.2.0.1"}).json())
    assert built.persons["au0_0"] in {h["person_id"] for h in by_ip["logins"]["hits"]}
    assert built.persons["au0_0"] in {h["person_id"] for h in by_ip["accounts"]["hits"]}


def test_message_text_is_searched_on_the_full_text_index(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    au = client_for("au_analyst")
    answer = au.get("/api/search", params={"q": "request"}).json()
    assert answer["full_text"] is True  # the search analysis step built the index
    messages = groups(answer)["messages"]
    assert messages["total"] > 0
    assert all("[REQUEST]" in h["detail"] for h in messages["hits"])
    assert messages["restricted"] > 0  # GB buyers' messages
    assert "gb1_" not in json.dumps(messages["hits"])


def test_names_match_folded_reordered_and_fuzzy(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    gb = client_for("gb_analyst")
    for q in ("Maria Santos", "SANTOS maria", "Marìa Santos", "Mariah Santoss"):
        found = groups(gb.get("/api/search", params={"q": q}).json())["persons"]
        assert built.persons["fac0"] in {h["person_id"] for h in found["hits"]}, q
    assert name_match(features("José Cruz"), features("Jose CRUZ")) == (1.0, "same name")
    assert name_match(features("Ana Reyes"), features("Tom Bright")) is None


@pytest.mark.parametrize("q", ["", "x", "y" * 201])
def test_a_query_of_the_wrong_length_is_refused(
    server: LiveServer, client_for: Any, q: str
) -> None:
    r = client_for("au_analyst").get("/api/search", params={"q": q})
    assert r.status_code in (400, 422)


def test_search_needs_sign_in_and_is_audited(server: LiveServer, client_for: Any) -> None:
    assert client_for().get("/api/search", params={"q": "request"}).status_code == 401
    au = client_for("au_admin")
    au.get("/api/search", params={"q": "needle-for-audit"})
    entries = au.get("/api/audit", params={"action": "search:case"}).json()["entries"]
    assert any(json.loads(e["details"])["id"] == "needle-for-audit" for e in entries)


def test_without_an_index_message_text_is_scanned(built: Built, tmp_path: Any) -> None:
    from tests.web.conftest import Client, LiveServer, copy_case
    from threadline import Case
    from threadline.store import full_text

    case_dir = copy_case(built, tmp_path / "case")
    with Case.open(case_dir) as case:  # as on Spark, or a case analysed before the step
        full_text.load(case.engine)
        case.engine.execute("PRAGMA drop_fts_index('messages')")
    with LiveServer(case_dir) as s:
        c = Client(s.url)
        assert c.login("au_analyst").status_code == 200
        answer = c.get("/api/search", params={"q": "[request]"}).json()
        c.close()
    assert answer["full_text"] is False
    messages = groups(answer)["messages"]
    assert messages["total"] > 0
    assert all("[request]" in h["detail"].lower() for h in messages["hits"])
    assert messages["restricted"] > 0


# Latin letters (as payment names are written): their case mapping stays in Latin; "µ" upper
# cases to a Greek letter, which transliterates differently.
LATIN = st.characters(categories=("L", "Zs"), max_codepoint=0x17F, exclude_characters="µ")


@given(st.text(alphabet=LATIN, min_size=1, max_size=30))
def test_a_name_matches_itself_in_any_case_and_order(name: str) -> None:
    f = features(name)
    if not f.full:
        assert name_match(f, f) is None
        return
    assert name_match(f, f) == (1.0, "same name")
    swapped = features(" ".join(reversed(name.split())).upper())
    found = name_match(f, swapped)
    assert found is not None
    assert found[0] >= 0.9
