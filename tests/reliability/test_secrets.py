"""Secrets: no selector or key in what the CLI prints, and no key in the case directory.

An encrypted case of a synthetic operation goes through ``init``, ``ingest``, ``analyze``,
``export`` (JSON and CSV), ``status`` and ``verify`` as subprocesses (the CLI has no ``-v``;
normal verbosity is all there is). Everything they print to stdout and stderr is searched for
every phone number, e-mail address and IP address the case holds, in stored and original
form, and for the key; the case directory's files are searched for the key and for a sample
of selectors (encryption at rest).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from threadline import Case

KEY = "synthetic-case-key-7f3a9c-not-a-real-secret"
SEED = 12
HASH_MANIFESTS = "media/hash-manifests"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _selectors(case_dir: Path) -> set[str]:
    """Every phone, e-mail and IP value the case holds (normalised and as seized)."""
    found: set[str] = set()
    with Case.open(case_dir, key=KEY, read_only=True) as case:
        columns = case.engine.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_name IN "
            "('accounts', 'messages', 'payments', 'logins', 'locations') AND ("
            "column_name LIKE '%phone%' OR column_name LIKE '%email%' OR column_name = 'ip' "
            "OR column_name LIKE 'ip_%' OR column_name LIKE '%_ip' OR column_name LIKE '%_ip_%')"
        )
        for table, column in columns:
            found |= {
                str(v)
                for (v,) in case.engine.query(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
                )
            }
    return {s.strip() for s in found if len(s.strip()) >= 7}


@pytest.fixture(scope="module")
def encrypted_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The CLI run over an encrypted synthetic case: outputs, selectors, case directory."""
    from threadline.synth import generate

    root = tmp_path_factory.mktemp("secrets")
    print(f"\nsynthetic world: scale tiny, seed {SEED}")
    generate(root / "data", scale="tiny", seed=SEED)
    env = {k: v for k, v in os.environ.items() if k != "THREADLINE_KEY"}
    env["THREADLINE_KEY"] = KEY
    no_env = {k: v for k, v in env.items() if k != "THREADLINE_KEY"}
    key_file = root / "key.txt"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    case = str(root / "case")
    manifest = str(root / "data" / "manifest.json")
    runs = {
        "init": _cli("init", "--encrypt", case, env=env),
        "ingest": _cli("ingest", case, "--manifest", manifest, env=env),
        "analyze": _cli("analyze", case, env=env),
        "export": _cli("export", case, "--out", str(root / "out"), env=env),
        "export csv": _cli("export", case, "--format", "csv", "--out", str(root / "csv"), env=env),
        "status": _cli("status", case, env=env),
        "verify (key file)": _cli("verify", case, "--key-file", str(key_file), env=no_env),
    }
    for name, done in runs.items():
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"
    wrong = dict(env, THREADLINE_KEY="wrong-" + KEY[::-1])
    runs["verify (wrong key)"] = refused = _cli("verify", case, env=wrong)
    assert refused.returncode == 4
    selectors = _selectors(root / "case")
    assert len(selectors) > 100  # the probe must have something to find
    return {"runs": runs, "selectors": selectors, "case": root / "case"}


def _in_case_files(case_dir: Path, secrets: list[str], *, manifests: bool) -> list[str]:
    """Where ``secrets`` occur in the case's media hash manifests, or in its other files."""
    found = []
    for path in sorted(p for p in case_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(case_dir).as_posix()
        if rel.startswith(HASH_MANIFESTS) == manifests:
            content = path.read_bytes()
            found += [f"{rel}: {s!r}" for s in secrets if s.encode() in content]
    return found


def test_no_selector_or_key_in_cli_output(encrypted_run: dict[str, Any]) -> None:
    runs = encrypted_run["runs"]
    selectors = encrypted_run["selectors"]
    leaks = [
        f"{name}: {secret!r}"
        for name, done in runs.items()
        for secret in (*selectors, KEY, KEY[::-1])
        if secret in done.stdout or secret in done.stderr
    ]
    printed = sum(len(d.stdout) + len(d.stderr) for d in runs.values())
    print(
        f"\nsecrets: {len(selectors)} selectors + key searched in {printed} characters of "
        f"output from {len(runs)} commands: {len(leaks)} leaks"
    )
    assert leaks == []


def test_no_key_and_no_selector_in_the_case_directory(encrypted_run: dict[str, Any]) -> None:
    """The key is never written; the database is encrypted (the media hash manifests aside)."""
    sample = random.Random(SEED).sample(sorted(encrypted_run["selectors"]), 40)  # noqa: S311
    case_dir: Path = encrypted_run["case"]
    files = [p for p in case_dir.rglob("*") if p.is_file()]
    key_found = [p.name for p in files if KEY.encode() in p.read_bytes()]
    found = _in_case_files(case_dir, sample, manifests=False)
    print(
        f"\n{len(files)} case files: key found in {len(key_found)}; "
        f"{len(sample)} sampled selectors found {len(found)} times outside {HASH_MANIFESTS}"
    )
    assert key_found == []
    assert found == []


def test_media_hash_manifests_hold_no_plain_selector(encrypted_run: dict[str, Any]) -> None:
    found = _in_case_files(
        encrypted_run["case"], sorted(encrypted_run["selectors"]), manifests=True
    )
    print(f"\nselectors in plain text under {HASH_MANIFESTS}: {found[:3]}")
    assert found == []
