"""``package verify`` refuses every entry that is not a regular file its manifest lists."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from threadline.share import signing


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Path, Ed25519PrivateKey]:
    folder = tmp_path / "pkg"
    (folder / "bundle").mkdir(parents=True)
    (folder / "report.html").write_text("<p>report</p>\n", encoding="utf-8")
    (folder / "bundle" / "targets.csv").write_text("person_id\nP1\n", encoding="utf-8")
    key = Ed25519PrivateKey.generate()
    signing.sign_folder(folder, {"country": "GB"}, key)
    return folder, key


def _add_linked_folder(folder: Path) -> str:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "planted.csv").write_text("x\n", encoding="utf-8")
    (folder / "bundle" / "more").symlink_to(elsewhere, target_is_directory=True)
    return "bundle/more"


def _add_fifo(folder: Path) -> str:
    os.mkfifo(folder / "bundle" / "pipe")
    return "bundle/pipe"


def _replace_with_identical_link(folder: Path) -> str:
    target = folder.parent / "copy.csv"
    original = folder / "bundle" / "targets.csv"
    target.write_bytes(original.read_bytes())
    original.unlink()
    original.symlink_to(target)
    return "bundle/targets.csv"


def _extra_text_in_sig(folder: Path) -> str:
    sig = folder / signing.SIGNATURE
    sig.write_text(sig.read_text() + "signed by the prosecutor\n")
    return signing.SIGNATURE


def _add_empty_folder(folder: Path) -> str:
    (folder / "bundle" / "empty").mkdir()
    return "bundle/empty"


TAMPERS: dict[str, Callable[[Path], str]] = {
    "added symlinked folder": _add_linked_folder,
    "FIFO": _add_fifo,
    "file replaced by a link to identical content": _replace_with_identical_link,
    "extra text in manifest.sig": _extra_text_in_sig,
    "added empty folder": _add_empty_folder,
}


def test_untouched_package_verifies(signed: tuple[Path, Ed25519PrivateKey]) -> None:
    folder, key = signed
    result = signing.verify_folder(folder, key.public_key())
    assert result.ok, result.problems
    assert result.files_checked == 3  # report, targets, the signer's public key copy


@pytest.mark.parametrize("name", list(TAMPERS))
def test_verify_refuses(signed: tuple[Path, Ed25519PrivateKey], name: str) -> None:
    folder, key = signed
    entry = TAMPERS[name](folder)
    result = signing.verify_folder(folder, key.public_key())
    print(f"\n{name}: {result.problems}")
    assert not result.ok
    assert any(entry in p for p in result.problems), result.problems
