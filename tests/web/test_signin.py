"""Sign-in: throttled per account and per address, Origin-checked, scriptable over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures import Built
from tests.web.conftest import PASSWORD, Client, LiveServer, copy_case
from threadline.web.sessions import LoginLimiter

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "api_targets.py"


def test_one_users_mistakes_do_not_lock_out_a_colleague(built: Built, tmp_path: Path) -> None:
    with LiveServer(copy_case(built, tmp_path / "case")) as s:
        a, b = Client(s.url), Client(s.url)  # both from 127.0.0.1, as behind an office NAT
        for _ in range(5):
            assert a.login("au_analyst", "not the password").status_code == 401
        assert a.login("au_analyst").status_code == 429  # A waits out the back-off...
        assert b.login("au_admin").status_code == 200  # ...B, same address, signs in
        a.close()
        b.close()


def test_back_off_grows_per_account_and_an_address_spraying_accounts_is_blocked() -> None:
    limiter = LoginLimiter(limit=2, address_limit=4, base_s=10, cap_s=1000)
    for _ in range(2):
        limiter.failed("ann", "10.0.0.1")
    first = limiter.retry_after("ann", "10.0.0.1")
    limiter.failed("ann", "10.0.0.1")
    second = limiter.retry_after("ann", "10.0.0.1")
    assert first is not None
    assert second is not None
    assert second > first
    assert limiter.retry_after("bob", "10.0.0.1") is None
    limiter.failed("carl", "10.0.0.1")
    assert limiter.retry_after("bob", "10.0.0.1") is not None  # 4 failures from the address
    assert limiter.retry_after("bob", "10.0.0.2") is None
    limiter.succeeded("ann")
    assert limiter.retry_after("ann", "10.0.0.2") is None


def test_a_foreign_origin_is_refused_even_with_the_token(
    server: LiveServer, client_for: Any
) -> None:
    c = client_for("au_analyst")
    evil = {"Origin": "https://evil.example"}
    r = c.request("DELETE", "/api/session", headers=evil)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf"
    r = c.request("DELETE", "/api/session", headers={"Referer": "https://evil.example/page"})
    assert r.status_code == 403
    assert c.request("DELETE", "/api/session", headers={"Origin": server.url}).status_code == 204


def test_cookies_are_secure_only_over_tls(built: Built, tmp_path: Path, server: LiveServer) -> None:
    plain = httpx.get(f"{server.url}/api/session").headers["set-cookie"].lower()
    assert "httponly" in plain
    assert "secure" not in plain.split("; ")  # plain http on loopback: scripts send it back
    with LiveServer(copy_case(built, tmp_path / "case"), behind_tls_proxy=True) as proxied:
        cookie = httpx.get(f"{proxied.url}/api/session").headers["set-cookie"].lower()
    assert "secure" in cookie.split("; ")


def test_the_documented_script_signs_in_and_reads_targets(server: LiveServer) -> None:
    env = {**os.environ, "THREADLINE_USER": "au_analyst", "THREADLINE_PASSWORD": PASSWORD}
    r = subprocess.run(
        [sys.executable, str(EXAMPLE), server.url, "AU"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["targets"], body
    assert all(t["country"] == "AU" for t in body["targets"])
