"""Signed manifests: every file of a package listed with its sha256, signed with Ed25519.

The manifest is canonical JSON (sorted keys, two-space indent); ``manifest.sig`` holds the
base64 Ed25519 signature of its exact bytes. Verification needs the signer's public key
from outside the package (a key found inside a package proves nothing about who made it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from threadline.errors import UsageError
from threadline.share.progress import Tick, no_tick
from threadline.store.exporter import sha256_file as sha256_file

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY_COPY = "signer-public-key.pem"  # informative only; verify never trusts it
PRIVATE_KEY_FILE = "package-signing-key.pem"
PUBLIC_KEY_FILE = "package-signing-key.pub.pem"


@dataclass
class VerifyResult:
    """The outcome of checking a package against a public key."""

    ok: bool = True
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    def fail(self, problem: str) -> None:
        """Record a problem; the package no longer verifies."""
        self.ok = False
        self.problems.append(problem)


def generate_keypair(folder: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair (private key readable by the owner only).

    Args:
        folder: where ``package-signing-key.pem`` and ``.pub.pem`` are written.

    Returns:
        The private and public key paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if private.exists():
        raise UsageError(f"{private} exists; refusing to overwrite a signing key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public.write_bytes(public_pem(key.public_key()))
    return private, public


def public_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as PEM text (SubjectPublicKeyInfo)."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An unencrypted Ed25519 private key from a PEM file, or a UsageError."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a readable Ed25519 private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file, or a UsageError."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable Ed25519 public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path}: not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key, hex: what analysts compare by phone."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def canonical_json(data: dict[str, Any]) -> bytes:
    """The exact manifest bytes that are signed: sorted keys, two-space indent, UTF-8."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def sign_folder(
    folder: Path, meta: dict[str, Any], key: Ed25519PrivateKey, tick: Tick = no_tick
) -> dict[str, Any]:
    """List every file under ``folder`` with its sha256 and size, sign, and write both.

    Args:
        folder: the package folder; every file in it (recursively) is listed.
        meta: fields written beside ``files`` (country, case, times ...).
        key: the signer's private key.
        tick: hears of each file hashed, and of the signature (the last item).

    Returns:
        The manifest as written.
    """
    (folder / PUBLIC_KEY_COPY).write_bytes(public_pem(key.public_key()))
    listed = [
        p for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (MANIFEST, SIGNATURE)
    ]
    total = len(listed) + 1
    tick(0, total)
    files = {}
    for i, p in enumerate(listed, start=1):
        files[p.relative_to(folder).as_posix()] = {
            "sha256": sha256_file(p),
            "bytes": p.stat().st_size,
        }
        tick(i, total)
    manifest = {
        **meta,
        "files": files,
        "signature": {
            "algorithm": "Ed25519",
            "file": SIGNATURE,
            "public_key_sha256": fingerprint(key.public_key()),
        },
    }
    body = canonical_json(manifest)
    (folder / MANIFEST).write_bytes(body)
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(body)).decode() + "\n")
    tick(total, total)
    return manifest


def verify_folder(folder: Path, public_key: Ed25519PublicKey) -> VerifyResult:
    """Check the signature, every listed file's hash, and that nothing was added.

    Every entry of the package must be a regular file the manifest lists (or a folder
    holding one): a symbolic link, even to identical content, a FIFO or device, an extra
    folder, and any text in ``manifest.sig`` beyond the signature are refused. Nothing is
    followed or opened unless it is a regular file. Every problem names the entry.
    """
    result = VerifyResult()
    manifest_path, sig_path = folder / MANIFEST, folder / SIGNATURE
    for path in (manifest_path, sig_path):
        if not _regular(path):
            result.fail(f"{path.name}: missing or not a regular file: not a signed package")
    if not result.ok:
        return result
    body = manifest_path.read_bytes()
    signature = _signature(sig_path.read_bytes())
    if signature is None:
        result.fail(
            f"{SIGNATURE}: must hold exactly one base64 Ed25519 signature (64 bytes) and "
            "nothing else"
        )
    else:
        try:
            public_key.verify(signature, body)
        except InvalidSignature:
            result.fail(
                f"{MANIFEST}: signature does not match (manifest or {SIGNATURE} altered, "
                "or signed with another key)"
            )
    try:
        manifest = json.loads(body)
        files: dict[str, dict[str, Any]] = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        result.fail(f"{MANIFEST}: not a readable manifest")
        return result
    result.manifest = manifest
    folders = {""}
    for name, facts in sorted(files.items()):
        parts = Path(name).parts
        if Path(name).is_absolute() or ".." in parts or not parts:
            result.fail(f"{name}: not a path inside the package")
            continue
        folders.update(Path(*parts[:i]).as_posix() for i in range(1, len(parts)))
        path = folder / name
        if not path.is_symlink() and not path.exists():
            result.fail(f"{name}: listed in the manifest but missing")
            continue
        if not _regular(path):
            continue  # named below, with what it is
        result.files_checked += 1
        if sha256_file(path) != (facts or {}).get("sha256"):
            result.fail(f"{name}: sha256 does not match the manifest (file altered)")
    for entry in _entries(folder):
        rel = entry.relative_to(folder).as_posix()
        what = _not_regular(entry)
        if what == "folder":
            if rel not in folders:
                result.fail(f"{rel}/: a folder the manifest does not list (added)")
        elif what:
            result.fail(f"{rel}: {what}, not a regular file (refused)")
        elif rel not in files and rel not in (MANIFEST, SIGNATURE):
            result.fail(f"{rel}: not listed in the manifest (file added)")
    return result


def _signature(data: bytes) -> bytes | None:
    """The 64 signature bytes of ``manifest.sig``: base64 and one optional newline only."""
    text = data.removesuffix(b"\n").removesuffix(b"\r")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return raw if len(raw) == 64 and base64.b64encode(raw) == text else None


def _entries(folder: Path) -> list[Path]:
    """Every entry under ``folder``, links included but never followed."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):  # followlinks=False: linked folders not entered
        found.extend(Path(root, n) for n in (*dirs, *files))
    return sorted(found)


def _regular(path: Path) -> bool:
    return _not_regular(path) == ""


def _not_regular(path: Path) -> str:
    """'' for a regular file, 'folder' for a real folder, else what the entry is."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "missing"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    return "a device or socket"
