"""The share commands as a user runs them: package, package verify, keygens, share, export.

One test runs the real executable; the rest call the same entry point in-process (each
subprocess costs seconds of start-up on a 2-core machine).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``threadline ARGS`` through :func:`threadline.cli.main`, in this process."""
    from threadline.cli import main

    monkeypatch.setenv("COLUMNS", "200")

    def call(*args: str | Path) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["threadline", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return call


@pytest.fixture
def case(world_path: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(world_path, tmp_path / "case"))


def test_package_and_verify(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "gb"
    r = run("package", case, "--country", "GB", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "2 target(s)" in r.stdout
    public = case / "keys" / "package-signing-key.pub.pem"
    assert str(public) in r.stdout.replace("\n", "")
    r = run("package", "verify", out, "--public-key", public)
    assert r.returncode == 0, r.stderr
    assert "intact" in r.stdout
    pay = out / "bundle" / "payments.csv"
    pay.write_bytes(pay.read_bytes().replace(b"USD", b"USE", 1))
    r = run("package", "verify", out, "--public-key", public)
    assert r.returncode == 7
    assert "bundle/payments.csv: sha256 does not match" in r.stdout
    r = run("package", case, "--country", "GB", "--out", out)
    assert r.returncode == 2  # folder not empty
    r = run(
        "package", case, "--country", "GB", "--out", tmp_path / "gb2", "--confidence-floor", "0.86"
    )
    assert r.returncode == 0, r.stderr
    assert "1 target(s), 1 under the confidence floor (annex)" in r.stdout
    r = run(
        "package", case, "--country", "GB", "--out", tmp_path / "gb3", "--confidence-floor", "2"
    )
    assert r.returncode == 2  # a confidence is in [0, 1]


def test_package_with_an_agency_key(
    case: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    r = cli("package", "keygen", tmp_path / "keys")
    assert r.returncode == 0, r.stderr
    private = tmp_path / "keys" / "package-signing-key.pem"
    assert private.stat().st_mode & 0o077 == 0
    r = cli("package", "build", case, "--country", "PH", "--out", tmp_path / "ph")
    assert r.returncode == 0, r.stderr
    r = cli("package", case, "--country", "US", "--out", tmp_path / "us", "--signing-key", private)
    assert r.returncode == 0, r.stderr
    public = tmp_path / "keys" / "package-signing-key.pub.pem"
    assert cli("package", "verify", tmp_path / "us", "--public-key", public).returncode == 0
    r = cli("package", "verify", tmp_path / "ph", "--public-key", public)
    assert r.returncode == 7
    assert "signature does not match" in r.stdout
    assert cli("package", "keygen", tmp_path / "keys").returncode == 2  # never overwrites


def test_share_selectors_and_match(
    case: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    key = tmp_path / "op.key"
    assert cli("share", "keygen", "--out", key).returncode == 0
    sel = tmp_path / "ours.jsonl"
    r = cli("share", "selectors", case, "--key", key, "--out", sel, "--holder", "NCA")
    assert r.returncode == 0, r.stderr
    assert "selector hash(es) written" in r.stdout
    r = cli("share", "match", case, sel, "--key", key, "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 8  # every person of the case matches its own file
    assert all(row["holder"] == "NCA" for row in rows)
    r = cli("share", "match", case, sel, "--key", key)
    assert "8 of our person(s) held elsewhere" in r.stdout
    other = tmp_path / "other.key"
    other.write_text("another operation key, long enough\n")
    assert cli("share", "match", case, sel, "--key", other).returncode == 2


def test_export_formats(
    case: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    for fmt in ("ftm", "graphml", "i2", "csv"):
        r = cli("export", case, "--format", fmt, "--out", tmp_path / fmt)
        assert r.returncode == 0, (fmt, r.stderr)
        assert json.loads(r.stdout)["format"] == fmt
    assert (tmp_path / "graphml" / "persons.graphml").is_file()
    r = cli("export", case, "--format", "pdf", "--out", tmp_path / "x")
    assert r.returncode == 2


def test_package_says_each_step_on_stderr_unless_quiet(
    cli: Callable[..., subprocess.CompletedProcess[str]], case: Path, tmp_path: Path
) -> None:
    r = cli("package", case, "--country", "GB", "--out", tmp_path / "gb")
    assert r.returncode == 0, r.stderr
    steps = [line for line in r.stderr.splitlines() if line.startswith("package: step")]
    assert len(steps) == 6, r.stderr
    assert steps[1].startswith("package: step 2 of 6: writing dossiers (")
    assert "package: step" not in r.stdout  # stdout stays the result only
    r = cli("--quiet", "package", case, "--country", "GB", "--out", tmp_path / "quiet")
    assert r.returncode == 0, r.stderr
    assert "package: step" not in r.stderr
