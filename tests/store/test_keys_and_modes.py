"""Case keys carry at least 128 bits (estimated); case folders and files are the owner's only."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline import Case
from threadline.errors import KeyRequiredError, UsageError
from threadline.keys import MIN_BITS, check_key, entropy_bits, generate_key


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "THREADLINE_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "threadline.cli", *args],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    "weak",
    [
        "x",
        "correct horse",  # short
        "a" * 64,  # long but one character
        "abababababababababababababababab",  # hex digits, repeated
        "0123456789abcdef",  # 16 hex digits: 64 bits
        "Password1234567!",  # 16 characters, far from 128 bits
    ],
)
def test_weak_keys_are_refused_for_a_new_case(tmp_path: Path, weak: str) -> None:
    with pytest.raises(KeyRequiredError, match="too weak") as refused:
        Case.init(tmp_path / "case", encrypt=True, key=weak)
    assert refused.value.exit_code == 4
    assert not (tmp_path / "case" / "case.json").exists()


def test_strong_keys_are_accepted() -> None:
    check_key(secrets.token_hex(16))  # 32 hex digits
    check_key(secrets.token_hex(32))  # what keygen writes
    check_key("synthetic-case-key-7f3a9c-not-a-real-secret")


@given(st.text(min_size=0, max_size=15))
def test_fewer_than_16_characters_never_pass(key: str) -> None:
    with pytest.raises(KeyRequiredError):
        check_key(key)


@given(st.text(alphabet="0123456789abcdef", min_size=32, max_size=80), st.data())
def test_repeating_a_key_adds_no_strength_per_character(key: str, data: st.DataObject) -> None:
    """The estimate never exceeds 4 bits per hex digit, and one digit repeated has none."""
    assert entropy_bits(key) <= 4 * len(key)
    digit = data.draw(st.sampled_from("0123456789abcdef"))
    assert entropy_bits(digit * len(key)) == 0


def test_keygen_writes_an_owner_only_key_that_passes(tmp_path: Path) -> None:
    r = _cli("keygen", "--out", str(tmp_path / "k"))
    assert r.returncode == 0, r.stderr
    key = (tmp_path / "k").read_text(encoding="utf-8").strip()
    assert len(key) == 64
    assert entropy_bits(key) >= MIN_BITS
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600
    again = _cli("keygen", "--out", str(tmp_path / "k"))
    assert again.returncode == 2
    assert "refusing to overwrite" in again.stderr
    assert (tmp_path / "k").read_text(encoding="utf-8").strip() == key


def test_cli_refuses_a_weak_key_file(tmp_path: Path) -> None:
    (tmp_path / "weak").write_text("secret\n", encoding="utf-8")
    r = _cli("init", str(tmp_path / "case"), "--encrypt", "--key-file", str(tmp_path / "weak"))
    assert r.returncode == 4
    assert "too weak" in r.stderr
    assert "threadline keygen" in r.stderr


def _modes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix() or ".": stat.S_IMODE(p.lstat().st_mode)
        for p in (root, *root.rglob("*"))
    }


def test_case_folder_and_files_are_owner_only_in_process(tmp_path: Path) -> None:
    with Case.init(tmp_path / "case"):
        pass
    modes = _modes(tmp_path / "case")
    print(modes)
    assert modes["."] == 0o700
    assert modes["tmp"] == 0o700
    assert modes["case.json"] == 0o600
    assert modes["case.duckdb"] == 0o600
    (tmp_path / "case").chmod(0o755)  # a case made by an older version
    (tmp_path / "case" / "case.json").chmod(0o644)
    Case.open(tmp_path / "case").close()
    modes = _modes(tmp_path / "case")
    assert modes["."] == 0o700
    assert modes["case.json"] == 0o600


@pytest.mark.slow
def test_every_file_of_an_encrypted_case_is_owner_only(tmp_path: Path) -> None:
    """Through the CLI: keygen, init --encrypt, ingest (media hashed too), analyze, export."""
    from threadline.synth import generate

    print("\nsynthetic world: scale tiny, seed 5")
    generate(tmp_path / "data", scale="tiny", seed=5)
    key = str(generate_key(tmp_path / "case.key"))
    case = str(tmp_path / "case")
    for args in (
        ("init", case, "--encrypt", "--key-file", key),
        ("ingest", case, "--manifest", str(tmp_path / "data" / "manifest.json"), "--key-file", key),
        ("analyze", case, "--key-file", key),
    ):
        done = _cli(*args)
        assert done.returncode == 0, done.stderr[-2000:]
    modes = _modes(tmp_path / "case")
    print(modes)
    assert any(name.startswith("media/hash-manifests/") for name in modes)
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (tmp_path / "case" / name).is_dir() else 0o600)
    }
    assert loose == {}


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    generate_key(tmp_path / "k")
    with pytest.raises(UsageError):
        generate_key(tmp_path / "k")
