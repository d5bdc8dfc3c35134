"""The command line, run as a real subprocess: outputs and documented exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CANONICAL, write

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )


def test_init_ingest_status_quarantine_verify_export(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    assert run("init", case).returncode == 0
    bad = write(
        tmp_path / "m.csv", (CANONICAL / "messages.csv").read_text() + "chatapp,m-4,soon,a,b,x,c\n"
    )
    r = run("ingest", case, "messages", str(bad), "--agency", "AG", "--seizure", "S1")
    assert r.returncode == 0, r.stderr
    assert "messages" in r.stdout
    r = run("quarantine", case)
    assert "bad_timestamp" in r.stdout
    assert "1 quarantined row(s)" in r.stdout
    r = run("status", case)
    assert "messages" in r.stdout
    r = run("analyze", case)
    assert r.returncode == 0, r.stderr
    r = run("export", case, "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()
    r = run("verify", case)
    assert r.returncode == 0
    assert "intact" in r.stdout


def test_exit_codes(tmp_path: Path) -> None:
    case = str(tmp_path / "case")
    assert run("status", case).returncode == 3  # no such case
    key = write(tmp_path / "key", "0f3a9c5e7b1d2468ace0bdf13579acef\n")  # 128 bits, hex
    assert run("init", case, "--encrypt", "--key-file", str(key)).returncode == 0
    r = run("status", case)
    assert r.returncode == 4
    assert "encrypted" in r.stderr
    assert run("status", case, "--key-file", str(key)).returncode == 0
    r = run(
        "ingest",
        case,
        "nonsense",
        str(key),
        "--agency",
        "a",
        "--seizure",
        "s",
        "--key-file",
        str(key),
    )
    assert r.returncode == 2
    empty = write(tmp_path / "empty.csv", "")
    r = run(
        "ingest",
        case,
        "messages",
        str(empty),
        "--agency",
        "a",
        "--seizure",
        "s",
        "--key-file",
        str(key),
    )
    assert r.returncode == 5
    assert "empty.csv" in r.stderr


def test_tampering_makes_verify_exit_7(tmp_path: Path) -> None:
    case = tmp_path / "case"
    run("init", str(case))
    src = write(tmp_path / "m.csv", (CANONICAL / "messages.csv").read_text())
    run("ingest", str(case), "messages", str(src), "--agency", "a", "--seizure", "s")
    src.write_text(src.read_text().replace("hello", "HELLO"))
    r = run("verify", str(case))
    assert r.returncode == 7
    assert "file changed since ingest" in r.stdout


def test_every_command_is_documented_in_the_readme() -> None:
    from threadline.cli import cli

    text = README.read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"threadline {name}" in text, f"README does not document `threadline {name}`"
    for code in range(8):
        assert f"| {code} |" in text, f"README does not document exit code {code}"
