"""The JSON API over a real server on loopback: sign-in, policy, audit, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import PAYLOADS, Built
from tests.web.conftest import Client, LiveServer, copy_case, fake_package


def audit_rows(server: LiveServer, action: str) -> list[dict[str, Any]]:
    rows = server.case.engine.query(
        "SELECT details FROM audit WHERE action = ? ORDER BY seq", [action]
    )
    return [json.loads(r[0]) for r in rows]


def test_error_shape_is_one_and_the_same(server: LiveServer, client_for: Any) -> None:
    anon = client_for()
    for method, path, status, code in [
        ("GET", "/api/dashboard", 401, "unauthenticated"),
        ("GET", "/api/no-such-route", 404, "not_found"),
        ("POST", "/api/session", 403, "csrf"),
    ]:
        r = anon.request(method, path, json={})
        assert r.status_code == status, path
        assert r.json() == {
            "error": {"status": status, "code": code, "message": r.json()["error"]["message"]}
        }
    c = client_for("au_analyst")
    r = c.post("/api/merges/confirm", json={"a": "x"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"
    assert "reason" in r.json()["error"]["message"]
    r = c.get("/api/persons/not-a-person")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"
    r = c.get("/api/persons/P000000000000")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")


def test_sign_in_sets_a_strict_cookie_and_rotates_the_session(server: LiveServer) -> None:
    c = Client(server.url)
    r = c.get("/api/session")
    anon_sid = c.sid
    cookie = r.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=strict", "path=/"):  # Secure: tests/web/test_signin.py
        assert flag in cookie
    assert r.json()["user"] is None
    r = c.login("gb_reviewer")
    assert r.status_code == 200
    assert c.sid != anon_sid  # no session fixation
    assert r.json()["user"]["country"] == "GB"
    assert c.get("/api/me").json()["permissions"] == ["read", "review"]
    assert c.request("DELETE", "/api/session").status_code == 204
    assert c.get("/api/me").status_code == 401
    c.close()


def test_wrong_passwords_are_rate_limited(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = Client(s.url)
        for _ in range(5):
            assert c.login("au_admin", "not the password").status_code == 401
        r = c.login("au_admin")  # even the right password waits out the block
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) > 0
        assert len(audit_rows(s, "login:failed")) == 5
        assert audit_rows(s, "login:blocked")
        c.close()


def test_csrf_token_is_required_on_every_change(server: LiveServer, client_for: Any) -> None:
    c = client_for("au_analyst")
    body = {"a": "chatapp:au0_1", "b": "chatapp:au0_1", "reason": "x"}
    r = c.post("/api/merges/confirm", json=body, csrf=False)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf")
    r = c.post("/api/merges/confirm", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = c.post("/merges/confirm", data={"a": "x", "reason": "y"}, csrf=False)
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_security_headers_and_openapi(server: LiveServer, client_for: Any) -> None:
    r = client_for().get("/api/openapi.json")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    paths = r.json()["paths"]
    assert "/api/persons/{person_id}" in paths
    assert "/api/networks/{network_id}/graph" in paths
    assert client_for().get("/docs").status_code in (303, 404)  # no CDN-backed docs page


def test_person_profile_links_every_reason_to_evidence_and_is_audited(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    c = client_for("au_analyst")
    pid = built.persons["au0_0"]
    p = c.get(f"/api/persons/{pid}").json()
    assert p["role"] == "buyer"
    assert p["jurisdictions"] == ["AU"]
    assert p["score"]["rank"] == 1
    with_evidence = [r for r in p["reasons"] if r["origin"] == "score"]
    assert {r["signal"] for r in with_evidence} == {"paid_session", "payment_to_facilitator"}
    for reason in with_evidence:
        assert reason["evidence"]
        for ev in reason["evidence"]:
            got = c.get("/api" + ev["href"])
            assert got.status_code == 200, ev
            assert got.json()["records"][0]["table"] == ev["table"]
    kinds = {t["kind"] for t in p["timeline"]}
    assert kinds == {"message", "payment", "login"}
    texts = {t["detail"] for t in p["timeline"]}
    assert PAYLOADS[0] in texts  # stored and returned verbatim; pages escape it
    assert p["sessions"][0]["seller_label"] == "chatapp:sel0"
    views = [d for d in audit_rows(server, "view:person") if d["id"] == pid]
    assert views
    assert views[-1]["user"] == "au_analyst"
    assert views[-1]["agency"] == "AFP"
    assert [d for d in audit_rows(server, "view:message") if d["user"] == "au_analyst"]


def test_other_jurisdictions_buyers_are_withheld_everywhere(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    c = client_for("au_analyst")
    gb = {built.persons[h] for h in built.persons if h.startswith("gb")}
    r = c.get(f"/api/persons/{built.persons['gb0_0']}")
    assert r.status_code == 403
    assert [d for d in audit_rows(server, "denied:person") if d["user"] == "au_analyst"]
    graph = c.get("/api/networks/N000/graph").json()
    ids = {n["data"]["id"] for n in graph["elements"]["nodes"]}
    assert not ids & gb
    labels = " ".join(n["data"]["label"] for n in graph["elements"]["nodes"])
    assert "gb0" not in labels
    assert "[restricted buyer · GB]" in labels
    t = c.get("/api/targets/GB").json()
    assert t["targets"] == []
    assert t["restricted"] == 4
    sessions = c.get("/api/sessions").json()["sessions"]
    assert not {s["buyer_person"] for s in sessions} & gb
    assert "gb0_0" not in json.dumps(sessions)
    seller = c.get(f"/api/persons/{built.persons['sel0']}").json()
    assert "gb0" not in json.dumps(seller["timeline"])
    assert any("restricted buyer" in str(t["other"]) for t in seller["timeline"])
    sha, row = built.evidence["account_GB"]
    assert c.get(f"/api/evidence/{sha}/{row}").status_code == 403
    assert c.get(f"/api/media/{built.media['GB']}").status_code == 403
    media = c.get("/api/media").json()["matches"]
    assert "gb0_1" not in json.dumps(media)
    # The sellers and facilitators are everyone's.
    gbc = client_for("gb_analyst")
    assert gbc.get(f"/api/persons/{built.persons['fac0']}").status_code == 200
    assert gbc.get(f"/api/persons/{built.persons['gb0_0']}").status_code == 200


def test_thumbnail_needs_a_reason_and_a_single_use_grant(
    server: LiveServer, built: Built, client_for: Any
) -> None:
    from PIL import Image

    c = client_for("au_analyst")
    sha = built.media["seller"]
    assert c.get(f"/api/media/{sha}/thumbnail").status_code == 403
    r = c.post(f"/api/media/{sha}/thumbnail", json={"reason": "x"})
    assert r.status_code == 400
    r = c.post(f"/api/media/{sha}/thumbnail", json={"reason": "series check for victim ID"})
    url = r.json()["url"]
    img = c.get(url)
    assert img.headers["content-type"] == "image/png"
    assert img.headers["cache-control"] == "no-store"
    assert Image.open(io.BytesIO(img.content)).size == (160, 160)
    assert c.get(url).status_code == 403  # used up
    grants = [d for d in audit_rows(server, "view:thumbnail") if d["id"] == sha]
    assert grants[-1]["reason"] == "series check for victim ID"
    reviewer = client_for("au_reviewer")
    r = reviewer.post(f"/api/media/{sha}/thumbnail", json={"reason": "series check"})
    assert r.status_code == 403


def test_dashboard_counts_and_activity(server: LiveServer, client_for: Any) -> None:
    d = client_for("gb_reviewer").get("/api/dashboard").json()
    assert d["counts"]["messages"] == 32
    assert d["findings"]["networks"] == 2
    assert {a["kind"] for a in d["activity"]} == {"messages", "payments", "logins"}
    assert len(d["sources"]) == 6


def test_merge_review_confirm_and_reject(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = Client(s.url)
        c.login("au_reviewer")
        pending = c.get("/api/merges").json()["pending"]
        assert {(p["a"], p["b"]) for p in pending} >= {built.merge_pair}
        a, b = built.merge_pair
        r = c.post("/api/merges/confirm", json={"a": a, "b": b, "reason": "same phone in bank"})
        assert r.status_code == 200, r.text
        after = c.get("/api/merges").json()
        assert built.merge_pair not in {(p["a"], p["b"]) for p in after["pending"]}
        assert after["decisions"][0]["action"] == "merge"
        assert "au_reviewer" in after["decisions"][0]["reason"]
        r = c.post("/api/merges/reject", json={"member": b, "reason": "different person"})
        assert r.status_code == 200
        assert r.json()["person_id"] != built.persons["fac0"]
        decided = audit_rows(s, "decide:reject")
        assert decided[-1]["user"] == "au_reviewer"
        c.close()


def test_read_only_serving_refuses_changes(built: Built, tmp_path: Path) -> None:
    with LiveServer(
        copy_case(built, tmp_path / "case"), read_only=True, package_builder=fake_package
    ) as s:
        c = Client(s.url)
        c.login("au_admin")
        a, b = built.merge_pair
        r = c.post("/api/merges/confirm", json={"a": a, "b": b, "reason": "r"})
        assert (r.status_code, r.json()["error"]["code"]) == (403, "read_only")
        assert c.post("/api/packages/AU").json()["error"]["code"] == "read_only"
        assert c.get("/api/packages/AU/20260101T000000Z/download").status_code == 200
        assert c.get(f"/api/persons/{built.persons['au0_0']}").status_code == 200
        c.close()


def test_packages_not_available_without_the_share_module(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case"), package_builder=None) as s:
        c = Client(s.url)
        c.login("au_analyst")
        assert c.get("/api/packages").json()["available"] is False
        r = c.post("/api/packages/AU")
        assert (r.status_code, r.json()["error"]["code"]) == (503, "not_available")
        page = c.get("/packages").text
        assert "packaging-unavailable" in page
        assert "not available" in page
        c.close()


def test_real_package_builder_when_present(built: Built, tmp_path: Path) -> None:
    pytest.importorskip("threadline.share.package")
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        c = Client(s.url)
        c.login("au_analyst")
        assert c.get("/api/packages").json()["available"] is True
        r = c.post("/api/packages/AU")
        assert r.status_code == 200, r.text
        got = c.get(r.json()["download"])
        assert got.status_code == 200
        assert len(got.content) > 0
        assert c.post("/api/packages/GB").status_code == 403
        c.close()


def test_case_policy_file_changes_what_is_shared(built: Built, tmp_path: Path) -> None:
    case = copy_case(built, tmp_path / "case")
    (case / "web-policy.yaml").write_text(
        "version: 1\nvisibility:\n  buyer: all\npermissions:\n  reviewer: [read]\n"
        "coordinators: [EUROPOL]\n"
    )
    with LiveServer(case) as s:
        c = Client(s.url)
        c.login("au_reviewer")
        assert c.get(f"/api/persons/{built.persons['gb0_0']}").status_code == 200
        a, b = built.merge_pair
        r = c.post("/api/merges/confirm", json={"a": a, "b": b, "reason": "r"})
        assert r.status_code == 403
        assert c.get("/api/policy").json()["coordinators"] == ["EUROPOL"]
        c.close()


def test_audit_chain_stays_intact_under_concurrent_views(built: Built, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from threadline.store import audit

    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        clients = [Client(s.url) for _ in range(6)]
        for c, name in zip(clients, ["au_analyst", "gb_analyst"] * 3, strict=True):
            c.login(name)
        before = len(audit.entries(s.case.engine))

        def views(c: Client) -> int:
            pid = built.persons["sel0"]
            return sum(c.get(f"/api/persons/{pid}").status_code == 200 for _ in range(10))

        with ThreadPoolExecutor(6) as pool:
            assert sum(pool.map(views, clients)) == 60
        assert audit.first_broken(s.case.engine) is None
        assert len(audit.entries(s.case.engine)) == before + 60
        for c in clients:
            c.close()
