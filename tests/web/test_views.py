"""Evidence in context, link analysis, the map and the rescue worklist, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LiveServer


def _message_row(server: LiveServer, conversation: str) -> tuple[str, int]:
    sha, row = server.case.engine.query(
        """SELECT s.sha256, m."row" FROM messages m JOIN sources s USING (source_id)
           WHERE m.conversation_id = ? ORDER BY m.sent_at DESC LIMIT 1""",
        [conversation],
    )[0]
    return str(sha), int(row)


def _person(server: LiveServer, account: str) -> str:
    return str(
        server.case.engine.query(
            "SELECT person_id FROM person_members WHERE member_key = ?", [f"chatapp:{account}"]
        )[0][0]
    )


def test_a_message_opens_in_its_conversation_both_sides_in_order(
    server: LiveServer, client_for: Any
) -> None:
    c = client_for("au_analyst")
    sha, row = _message_row(server, "c-au1_0")
    r = c.get(f"/api/conversation/{sha}/{row}")
    assert r.status_code == 200, r.text
    msgs = r.json()["messages"]
    stored = server.case.engine.query(
        "SELECT sender, text FROM messages WHERE conversation_id = 'c-au1_0' ORDER BY sent_at"
    )
    assert [(m["sender"], m["text"]) for m in msgs] == [(s, t) for s, t in stored]
    assert {m["sender"] for m in msgs} == {"au1_0", "sel1"}
    assert sum(m["anchor"] for m in msgs) == 1
    assert msgs[-1]["anchor"]
    tokens = [s["text"] for m in msgs for s in m["segments"] if s["token"]]
    assert tokens == ["[REQUEST]"] * len(msgs)
    page = c.get(f"/conversation/{sha}/{row}")
    assert page.status_code == 200
    assert page.text.count('<mark class="token">[REQUEST]</mark>') == 4


def test_another_countrys_buyer_conversation_is_refused_and_audited(
    server: LiveServer, client_for: Any
) -> None:
    c = client_for("au_analyst")
    sha, row = _message_row(server, "c-gb1_0")
    r = c.get(f"/api/conversation/{sha}/{row}")
    assert r.status_code == 403
    assert "gb1_0" not in r.text
    seen = server.case.engine.query(
        "SELECT count(*) FROM audit WHERE action = 'denied:evidence' AND details LIKE ?",
        [f"%{sha}:{row}%"],
    )[0][0]
    assert seen >= 1


def test_a_session_lines_up_negotiation_payment_live_part_and_logins(
    server: LiveServer, client_for: Any
) -> None:
    c = client_for("au_analyst")
    r = c.get("/api/sessions/S-au0_0")
    assert r.status_code == 200, r.text
    body = r.json()
    kinds = {e["kind"] for e in body["events"]}
    assert kinds == {"message", "payment", "login"}
    times = [e["at"] for e in body["events"]]
    assert times == sorted(times)
    assert {e["phase"] for e in body["events"]} >= {"before", "live"}
    assert any(e["detail"].startswith("remitco 35") for e in body["events"])
    page = c.get("/sessions/S-au0_0")
    assert page.status_code == 200
    assert 'class="live-band"' in page.text
    assert c.get("/api/sessions/S-gb0_0").status_code == 403
    assert c.get("/api/sessions/nope").status_code == 404


def test_a_payment_shows_the_other_payments_of_its_sender_and_receiver(
    server: LiveServer, client_for: Any
) -> None:
    c = client_for("au_analyst")
    sha, row = server.case.engine.query(
        """SELECT s.sha256, p."row" FROM payments p JOIN sources s USING (source_id)
           WHERE p.transaction_id = 'T-au0_0'"""
    )[0]
    r = c.get(f"/api/payments/{sha}/{row}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["payment"]["transaction_id"] == "T-au0_0"
    assert body["payment"]["amount"] == "35.00"
    ids = {p["transaction_id"] for p in body["payments"]}
    assert "T-alt-0" in ids  # the same buyer's later payment to the same receiver
    assert body["withheld"] >= 0


def test_ego_network_expands_and_filters(server: LiveServer, client_for: Any) -> None:
    c = client_for("au_analyst")
    seller = _person(server, "sel1")
    one = c.get(f"/api/persons/{seller}/links?hops=1").json()
    two = c.get(f"/api/persons/{seller}/links?hops=2").json()
    n1, n2 = one["elements"]["nodes"], two["elements"]["nodes"]
    assert len(n1) > 1
    assert len(n2) >= len(n1)
    assert {n["data"]["hop"] for n in n1} == {0, 1}
    restricted = [n["data"] for n in n1 if n["data"]["restricted"]]
    assert restricted
    assert all(d["id"].startswith("r-") and d["href"] is None for d in restricted)
    assert all(not d["label"].startswith("chatapp:gb") for d in restricted)
    only_pay = c.get(f"/api/persons/{seller}/links?kinds=payment").json()
    assert all(e["data"]["payment"] > 0 for e in only_pay["elements"]["edges"])
    none_yet = c.get(f"/api/persons/{seller}/links?until=2000-01-01").json()
    assert len(none_yet["elements"]["nodes"]) == 1
    assert c.get(f"/api/persons/{seller}/links?roles=wizard").status_code == 400
    page = c.get(f"/persons/{seller}/links")
    assert page.status_code == 200
    assert "role-mule" in page.text


def test_shortest_path_between_two_persons(server: LiveServer, client_for: Any) -> None:
    c = client_for("au_analyst")
    a, b = _person(server, "au1_0"), _person(server, "au1_1")
    r = c.get(f"/api/links/path?a={a}&b={b}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["length"] == 2
    ids = [n["data"]["id"] for n in body["elements"]["nodes"]]
    assert ids[0] == a
    assert ids[-1] == b
    assert ids[1] == _person(server, "sel1")


def test_rescue_worklist_and_map(server: LiveServer, client_for: Any) -> None:
    c = client_for("gb_reviewer")
    body = c.get("/api/rescue").json()
    found = body["facilitators"]
    stored = server.case.engine.query("SELECT person_id FROM rescue ORDER BY priority DESC")
    assert {f["person_id"] for f in found} == {str(p) for (p,) in stored}
    assert [f["rank"] for f in found] == sorted(f["rank"] for f in found)
    home = found[0]["home"]
    assert home["place"].startswith("Cebu")
    assert home["province"] == "Cebu"
    assert isinstance(home["radius_m"], int)
    assert all(e["href"] for f in found for e in f["evidence"])
    page = c.get("/rescue")
    assert page.status_code == 200
    assert 'id="map"' in page.text
    m = c.get(f"/api/persons/{found[0]['person_id']}/map").json()
    assert m["fixes"]
    assert m["fixes"][0]["place"].startswith("Cebu")
    assert m["home"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/rescue",
        "/api/sessions/S-au0_0",
        "/api/links/path?a=P000000&b=P000001",
        "/rescue",
        "/sessions/S-au0_0",
    ],
)
def test_new_routes_need_a_session(server: LiveServer, client_for: Any, path: str) -> None:
    r = client_for().get(path)
    assert r.status_code in (401, 303)


def test_notes_are_audited_per_agency_and_listed_for_the_package(
    server: LiveServer, client_for: Any
) -> None:
    au, gb = client_for("au_analyst"), client_for("gb_analyst")
    seller = _person(server, "sel0")
    r = au.post(
        "/api/notes",
        json={"subject_kind": "person", "subject_id": seller, "tag": "Visit", "text": "cebu"},
    )
    assert r.status_code == 201, r.text
    note_id = r.json()["note_id"]
    stored = server.case.engine.query(
        "SELECT tag, agency FROM case_notes WHERE note_id = ?", [note_id]
    )
    assert stored == [("visit", "AFP")]
    audited = server.case.engine.query(
        "SELECT count(*) FROM audit WHERE action = 'note:add' AND details LIKE ?",
        [f"%{note_id}%"],
    )[0][0]
    assert audited == 1
    assert [n["tag"] for n in au.get(f"/api/notes?kind=person&subject={seller}").json()["notes"]]
    assert gb.get(f"/api/notes?kind=person&subject={seller}").json()["notes"] == []
    assert note_id[:8] not in gb.get("/notes/agency").text
    assert "cebu" in au.get("/notes/agency").text
    refused = au.post(
        "/api/notes", json={"subject_kind": "session", "subject_id": "S-gb0_0", "tag": "x"}
    )
    assert refused.status_code == 403
    empty = au.post("/api/notes", json={"subject_kind": "person", "subject_id": seller})
    assert empty.status_code == 400


def test_person_and_network_activity_over_a_date_range(server: LiveServer, client_for: Any) -> None:
    c = client_for("au_analyst")
    seller = _person(server, "sel0")
    whole = c.get(f"/api/persons/{seller}/activity").json()["activity"]
    stored = server.case.engine.query(
        "SELECT count(*) FROM messages WHERE sender = 'sel0' OR recipient = 'sel0'"
    )[0][0]
    assert sum(a["n"] for a in whole if a["kind"] == "messages") == stored
    jan = c.get(f"/api/persons/{seller}/activity?since=2020-01-01&until=2020-01-31").json()
    assert {a["month"][:7] for a in jan["activity"]} == {"2020-01"}
    assert c.get(f"/api/persons/{seller}/activity?since=yesterday").status_code == 400
    page = c.get(f"/persons/{seller}/activity")
    assert page.status_code == 200
    assert "month (UTC)" in page.text
    network = server.case.engine.query("SELECT min(network_id) FROM networks")[0][0]
    assert c.get(f"/api/networks/{network}/activity").json()["activity"]


def test_a_persons_rank_is_within_their_country(server: LiveServer, client_for: Any) -> None:
    c = client_for("au_analyst")
    ranked = server.case.engine.query(
        """SELECT person_id, "rank", row_number() OVER (ORDER BY "rank") FROM targets
           WHERE country = 'AU' ORDER BY "rank" """
    )
    for pid, rank, in_country in ranked:
        score = c.get(f"/api/persons/{pid}").json()["score"]
        assert score["rank"] == rank
        assert score["country_rank"] == in_country
    page = c.get(f"/persons/{ranked[-1][0]}").text
    assert f"rank <b>{ranked[-1][2]}</b> in AU ({ranked[-1][1]} in the whole case)" in page
