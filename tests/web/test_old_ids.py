"""An old person id in a link or a referral still leads somewhere: its successor(s).

A real server on a copy of the workbench case: two GB buyers are merged through the API;
the retired id's page redirects to the survivor, its API answer says where it went, and an
id that split into two persons lists both instead of guessing.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixtures import Built
from tests.web.conftest import Client, LiveServer, copy_case


def _person(s: LiveServer, key: str) -> str:
    return str(
        s.case.engine.scalar("SELECT person_id FROM person_members WHERE member_key = ?", [key])
    )


def test_a_merged_id_redirects_and_a_split_id_lists(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = Client(s.url)
        assert c.login("gb_analyst").status_code == 200
        one, two = _person(s, "chatapp:gb0_1"), _person(s, "chatapp:gb1_1")
        assert one != two
        r = c.post(
            "/api/merges/confirm",
            json={"a": one, "b": two, "reason": "same device in both backups"},
        )
        assert r.status_code == 200, r.text
        kept = _person(s, "chatapp:gb0_1")
        assert kept == _person(s, "chatapp:gb1_1")
        gone = two if kept == one else one
        page = c.get(f"/persons/{gone}")
        assert page.status_code == 303
        assert page.headers["location"] == f"/persons/{kept}"
        assert c.get(page.headers["location"]).status_code == 200
        moved = c.get(f"/api/persons/{gone}").json()["moved"]
        assert [x["id"] for x in moved["successors"]] == [kept]
        assert moved["history"][0]["change"] == "merge"
        assert c.get(f"/api/persons/{kept}").json()["person_id"] == kept
        # An id that became two persons: both are listed, with the history.
        s.case.engine.execute(
            "INSERT INTO person_history VALUES "
            "('Pdeadbeef0000', ?, 'split', now()::TIMESTAMP, 'test', NULL, '{}'), "
            "('Pdeadbeef0000', ?, 'split', now()::TIMESTAMP, 'test', NULL, '{}')",
            [kept, _person(s, "chatapp:au0_1")],
        )
        listed = c.get("/persons/Pdeadbeef0000")
        assert listed.status_code == 300
        assert f'href="/persons/{kept}"' in listed.text
        assert listed.text.count('class="successor"') == 2
        assert c.get("/persons/P0123456789ab").status_code == 404  # never an id: not found
        acts = [a for (a,) in s.case.engine.query("SELECT action FROM audit ORDER BY seq")]
        assert "view:person_history" in acts
        c.close()
