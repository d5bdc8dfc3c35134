"""Hash manifests of an encrypted case, sealed with a key derived from the case key.

A media delivery's manifest names seized paths and the devices or accounts the files were
found on; in an encrypted case it must not sit on disk in plain text. It is sealed with
AES-256-GCM under a key derived from the case key (HKDF-SHA256), so the sealed file is
what custody hashes and ``verify`` re-hashes, and :func:`unseal` gives the text back to
whoever holds the case key.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"THREADLINE-SEALED-1\n"
SUFFIX = ".sealed"


def _key(case_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"threadline media manifest"
    ).derive(case_key.encode("utf-8"))


def seal(text: str, case_key: str) -> bytes:
    """The text encrypted and authenticated under the case key.

    The nonce is derived from the text (HMAC under the same key), so sealing the same
    manifest twice gives the same bytes: its sha256, and so its source id, stay stable
    between runs, as a plain manifest's do. It reveals only that two manifests are equal.
    """
    key = _key(case_key)
    data = text.encode("utf-8")
    nonce = hmac.new(key, data, hashlib.sha256).digest()[:12]
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, MAGIC)


def unseal(blob: bytes, case_key: str) -> str:
    """The text of a sealed manifest; raises ``ValueError`` when it is not one, or altered."""
    if not blob.startswith(MAGIC):
        raise ValueError("not a sealed Threadline manifest")
    body = blob[len(MAGIC) :]
    try:
        plain = AESGCM(_key(case_key)).decrypt(body[:12], body[12:], MAGIC)
    except Exception as exc:
        raise ValueError("the sealed manifest does not open with this key") from exc
    return plain.decode("utf-8")
