"""``threadline user add`` and ``threadline serve`` as real subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures import Built
from tests.web.conftest import PASSWORD, Client, copy_case
from threadline import Case
from threadline.errors import UsageError
from threadline.web.users import add_user

README = Path(__file__).resolve().parents[2] / "README.md"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_user_add_from_a_password_file_and_a_prompt(built: Built, tmp_path: Path) -> None:
    case = str(copy_case(built, tmp_path / "case"))
    pw = tmp_path / "pw"
    pw.write_text("a long enough password\n")
    r = run(
        "user",
        "add",
        case,
        "ph_admin",
        "--agency",
        "PH",
        "--role",
        "admin",
        "--password-file",
        str(pw),
    )
    assert r.returncode == 0, r.stderr
    assert "jurisdiction PH" in r.stdout
    r = run(
        "user",
        "add",
        case,
        "ph_admin",
        "--agency",
        "PH",
        "--role",
        "admin",
        "--password-file",
        str(pw),
    )
    assert r.returncode == 2
    assert "already exists" in r.stderr
    r = run(
        "user",
        "add",
        case,
        "nbi_rev",
        "--agency",
        "NBI",
        "--country",
        "PH",
        "--role",
        "reviewer",
        stdin="another long password\nanother long password\n",
    )
    assert r.returncode == 0, r.stderr
    with Case.open(case) as c:
        rows = c.engine.query(
            "SELECT name, agency, country, role, password_hash FROM web_users "
            "WHERE name IN ('ph_admin', 'nbi_rev') ORDER BY name"
        )
        actions = [a for (a,) in c.engine.query("SELECT action FROM audit")]
    assert [r[:4] for r in rows] == [
        ("nbi_rev", "NBI", "PH", "reviewer"),
        ("ph_admin", "PH", "PH", "admin"),
    ]
    assert all(r[4].startswith("$argon2id$") for r in rows)
    assert actions.count("user:add") >= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agency": "NBI"}, "--country"),
        ({"agency": "PH", "password": "short"}, "12 characters"),
        ({"agency": "PH", "role": "boss"}, "role"),
        ({"agency": "PH", "name": "<script>"}, "letters, digits"),
    ],
)
def test_user_add_refuses_bad_input(
    built: Built, tmp_path: Path, kwargs: dict[str, str], message: str
) -> None:
    args = {"name": "someone", "role": "analyst", "password": "a long enough password", **kwargs}
    with (
        Case.open(copy_case(built, tmp_path / "case")) as c,
        pytest.raises(UsageError, match=message),
    ):
        add_user(c, args.pop("name"), **args)


def test_serve_answers_on_loopback_and_stops_on_interrupt(built: Built, tmp_path: Path) -> None:
    case = str(copy_case(built, tmp_path / "case"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "threadline.cli", "serve", case, "--port", str(port), "--read-only"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "threadline serve did not come up"
            time.sleep(0.2)
        c = Client(url)
        assert c.login("au_admin", PASSWORD).status_code == 200
        assert c.get("/api/me").json()["read_only"] is True
        c.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()


def test_serve_refuses_an_open_address_without_tls(built: Built, tmp_path: Path) -> None:
    r = run("serve", str(tmp_path / "none"), "--host", "0.0.0.0")  # noqa: S104 (refused)
    assert r.returncode == 2
    assert "--tls-cert" in r.stderr


def test_commands_are_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert "threadline serve CASE" in text
    assert "threadline user add CASE NAME" in text
