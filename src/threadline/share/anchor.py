"""An anchor outside the case: a signed statement of the audit log's head.

Whoever holds a case's database, key and code can rewrite its rows and re-chain the whole
audit log; nothing inside the case can show that. An anchor, written by
``threadline anchor`` and kept elsewhere (the agency's case system, an e-mail), records the
head (sequence number and hash) signed with the agency's Ed25519 key; ``verify --anchor``
then fails unless the log still holds that exact entry, so a re-chained log is caught.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from threadline import __version__
from threadline.errors import UsageError
from threadline.share import signing
from threadline.store import audit
from threadline.store.engine import Engine

if TYPE_CHECKING:
    from threadline.custody_check import VerifyReport

ANCHOR_KIND = "threadline-audit-anchor"


def audit_head(engine: Engine) -> dict[str, Any]:
    """The last audit entry: its sequence number, hash and time (seq 0 for an empty log)."""
    rows = engine.query('SELECT seq, hash, "at" FROM audit ORDER BY seq DESC LIMIT 1')
    if not rows:
        return {"seq": 0, "hash": audit.GENESIS, "at": None}
    seq, digest, at = rows[0]
    return {"seq": int(seq), "hash": str(digest), "at": at.isoformat(timespec="microseconds")}


def write_anchor(engine: Engine, case_name: str, key_path: Path, out: Path) -> dict[str, Any]:
    """Sign the current head with the key at ``key_path`` and write it to ``out``.

    Returns:
        The signed statement.
    """
    key = signing.load_private_key(key_path)
    statement = {
        "kind": ANCHOR_KIND,
        "case": case_name,
        "head": audit_head(engine),
        "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "public_key_sha256": signing.fingerprint(key.public_key()),
    }
    body = signing.canonical_json(statement)
    document = {
        "statement": statement,
        "signature": base64.b64encode(key.sign(body)).decode(),
        "public_key_pem": signing.public_pem(key.public_key()).decode(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return statement


def read_anchor(path: Path, public_key: Path | str | None) -> tuple[dict[str, Any], str]:
    """The statement of an anchor file, with how its signature was checked.

    Raises:
        UsageError: the file is not an anchor, or its signature does not match.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        statement = document["statement"]
        signature = base64.b64decode(document["signature"], validate=True)
        head = statement["head"]
        int(head["seq"]), str(head["hash"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a readable audit anchor ({exc})") from None
    if statement.get("kind") != ANCHOR_KIND:
        raise UsageError(f"{path}: not a Threadline audit anchor")
    if public_key is not None:
        key = signing.load_public_key(Path(public_key))
        how = f"signature checked against {public_key}"
    else:
        loaded = serialization.load_pem_public_key(str(document["public_key_pem"]).encode())
        if not isinstance(loaded, Ed25519PublicKey):
            raise UsageError(f"{path}: the anchor's key is not an Ed25519 key")
        key = loaded
        how = "signature checked only against the key inside the anchor (give --public-key)"
    try:
        key.verify(signature, signing.canonical_json(statement))
    except InvalidSignature:
        raise UsageError(f"{path}: the anchor's signature does not match its statement") from None
    return statement, how


def check_anchor(
    engine: Engine, path: Path, public_key: Path | str | None, report: VerifyReport
) -> None:
    """Fail ``report`` unless the audit log still holds the anchored head entry unchanged."""
    try:
        statement, how = read_anchor(path, public_key)
    except UsageError as exc:
        report.fail(f"anchor {exc}")
        return
    head = statement["head"]
    seq, digest = int(head["seq"]), str(head["hash"])
    found = engine.query("SELECT hash FROM audit WHERE seq = ?", [seq])
    if seq and not found:
        report.fail(f"anchor {path}: audit entry {seq} is gone (the log was cut back)")
    elif seq and str(found[0][0]) != digest:
        report.fail(
            f"anchor {path}: audit entry {seq} no longer has the anchored hash "
            "(the log was rewritten and re-chained)"
        )
    report.anchor = f"head {seq} {digest[:16]}... made {statement.get('made_at')}; {how}"
