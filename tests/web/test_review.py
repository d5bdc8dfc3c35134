"""Merge review through the API: preview, scoped decision, the Decisions table, undo.

Also the evidence-read throttle and the audit that tells a source's agency who read its rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures import Built
from tests.web.conftest import PASSWORD, Client, LiveServer, copy_case
from threadline.web.throttle import ReadBucket
from threadline.web.users import add_user


def memberships(s: LiveServer) -> dict[str, str]:
    rows = s.case.engine.query("SELECT member_key, person_id FROM person_members")
    return {str(k): str(p) for k, p in rows}


def test_reject_is_previewed_scoped_listed_and_undone(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = Client(s.url)
        c.login("gb_analyst")
        member = built.merge_pair[1]
        before = memberships(s)
        held = before[member]
        preview = c.get("/api/merges/preview", params={"action": "reject", "a": member})
        assert preview.status_code == 200, preview.text
        p = preview.json()
        assert member in {m["member"] for m in p["moved"]}
        assert memberships(s) == before  # a preview changes nothing
        page = c.get("/merges/preview", params={"action": "reject", "a": member})
        assert page.status_code == 200
        assert "Members that move" in page.text
        r = c.post("/api/merges/reject", json={"member": member, "reason": "other city"})
        assert r.status_code == 200, r.text
        after = memberships(s)
        changed = {k for k in before if before[k] != after[k]}
        assert changed == {m["member"] for m in p["moved"]}
        assert all(before[k] == held for k in changed)  # nobody outside the one person
        d = c.get("/api/merges").json()["decisions"]
        assert [x["member_key"] for x in d] == [member]
        assert "No decisions yet" not in c.get("/merges").text
        for x in d:  # never a link the reviewer may not open
            if x["href"]:
                assert c.get("/api" + x["href"]).status_code == 200
        if r.json()["href"]:
            assert c.get("/api" + r.json()["href"]).status_code == 200
        u = c.post("/api/merges/undo", json={"decision": d[0]["seq"], "reason": "my mistake"})
        assert u.status_code == 200, u.text
        assert memberships(s) == before
        assert c.get("/api/merges").json()["decisions"] == []
        acts = [a for (a,) in s.case.engine.query("SELECT action FROM audit ORDER BY seq")]
        assert "decision:undo" in acts
        assert "decide:undo" in acts
        c.close()


def test_evidence_reads_are_throttled_per_user(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        s.app.state.wb.reads = ReadBucket(burst=3, rate_per_s=0.01)
        sha, row = built.evidence["account_AU"]
        au, gb = Client(s.url), Client(s.url)
        au.login("au_analyst")
        gb.login("gb_analyst")
        codes = [au.get(f"/api/evidence/{sha}/{row}").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        last = au.get(f"/api/evidence/{sha}/{row}")
        assert last.json()["error"]["code"] == "rate_limited"
        assert int(last.headers["Retry-After"]) >= 1
        assert gb.get(f"/api/evidence/{sha}/{row}").status_code == 403  # own bucket, policy
        au.close()
        gb.close()


def test_the_seizing_agency_sees_reads_of_its_rows(built: Built, tmp_path: Path) -> None:
    case = copy_case(built, tmp_path / "case")
    from threadline import Case

    with Case.open(case) as opened:  # the fixture's sources were all seized by PNP
        add_user(opened, "pnp_admin", agency="PNP", country="PH", role="admin", password=PASSWORD)
    with LiveServer(case) as s:
        gb, pnp = Client(s.url), Client(s.url)
        gb.login("gb_analyst")
        pnp.login("pnp_admin")
        sha, row = built.evidence["message"]  # an AU buyer's message: withheld from GB
        assert gb.get(f"/api/evidence/{sha}/{row}").status_code == 403
        sha2, row2 = built.evidence["account_GB"]
        assert gb.get(f"/api/evidence/{sha2}/{row2}").status_code == 200
        # PNP seized the file: its own users see every record of it in full.
        full = pnp.get(f"/api/evidence/{sha}/{row}").json()
        assert full["records"][0]["record"]["message_id"] == "m-au0_0-0"
        entries = pnp.get("/api/audit?size=1000").json()["entries"]
        by_gb = [json.loads(e["details"]) for e in entries if '"gb_analyst"' in e["details"]]
        assert {(d["user"], d["id"]) for d in by_gb} >= {
            ("gb_analyst", f"{sha}:{row}"),
            ("gb_analyst", f"{sha2}:{row2}"),
        }
        assert all(d["source_agency"] == "PNP" for d in by_gb if "source_agency" in d)
        gb.close()
        pnp.close()
