"""Referral packages: one folder per receiving country, signed, and verifiable offline.

Layout of a package folder::

    report.pdf                 the human report: summary, contents, a dossier per target
    report.html                its HTML source (same blocks, self-contained)
    bundle/package.json        the whole referral as one JSON document
    bundle/<rows>.csv          the same rows flat (targets, reasons, accounts, ...)
    signer-public-key.pem      the signer's public key, for information only
    manifest.json              every other file with its sha256 and size
    manifest.sig               base64 Ed25519 signature of manifest.json's bytes
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threadline import __version__
from threadline.errors import UsageError
from threadline.share import signing
from threadline.share.anchor import audit_head
from threadline.share.bundle import BUNDLE_VERSION, write_bundle
from threadline.share.dossier import DEFAULT_FLOOR
from threadline.share.progress import ProgressFn, Steps
from threadline.share.referral import Referral, gather
from threadline.share.report import build_report
from threadline.share.report_html import render_html
from threadline.share.report_pdf import render_pdf

if TYPE_CHECKING:
    from threadline.case import Case

SIGNING_KEY_ENV = "THREADLINE_SIGNING_KEY"
CASE_KEYS = "keys"
# (step, item, weight) in the order a build runs them: what its progress reports. A weight
# is the step's share of the time in percent, measured on the demo case's largest country
# (US: 1.2 s reading, 2.5 s typesetting, 0.7 s writing the bundle, the rest 0.1 s).
BUILD_STEPS = [
    ("reading the case", "read", 27.0),
    ("writing dossiers", "dossier", 1.0),
    ("writing the HTML report", "file", 1.0),
    ("typesetting the PDF", "section", 55.0),
    ("writing the bundle", "file", 14.0),
    ("signing the manifest", "file", 2.0),
]


def build_package(
    case: Case,
    country: str,
    out_dir: Path | str,
    *,
    signing_key: Path | str | None = None,
    floor: float = DEFAULT_FLOOR,
    progress: ProgressFn | None = None,
) -> Path:
    """Write a signed referral package for one country and record it in the audit log.

    Args:
        case: an open case with findings (targets with a ``country``).
        country: the receiving jurisdiction, ISO 3166-1 alpha-2.
        out_dir: a new or empty folder for the package.
        signing_key: an Ed25519 private key (PEM). Defaults to the file named by
            ``THREADLINE_SIGNING_KEY``, else the case's own key in ``CASE/keys/`` (made on
            first use; hand its ``.pub.pem`` to the receiving agencies out of band).
        floor: the confidence floor: targets under it go to the annex, intelligence only.
        progress: called with a ``BuildProgress`` after each item of each of the ``BUILD_STEPS``
            (a query, a dossier, a PDF section, a file); the last one is the last step's
            ``total`` of ``total``.

    Returns:
        The package folder.
    """
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out}: the package folder must be new or empty")
    key_path = signing_key_path(case, signing_key)
    key = signing.load_private_key(key_path)
    steps = Steps(BUILD_STEPS, progress)
    head = audit_head(case.engine)  # the audit entry the package was built from
    ref = gather(
        case.engine, str(case.info.get("name")), country, floor, steps.next("reading the case")
    )
    out.mkdir(parents=True, exist_ok=True)
    write_package_files(ref, out, steps)
    manifest = signing.sign_folder(
        out, {**_meta(ref), "audit_head": head}, key, steps.next("signing the manifest")
    )
    details: dict[str, Any] = {
        "country": ref.country,
        "out": str(out.resolve()),
        "targets": [t.person_id for t in ref.targets],
        "annex_intelligence_only": [t.person_id for t in ref.annex],
        "confidence_floor": floor,
        "files": len(manifest["files"]),
        "manifest_sha256": signing.sha256_file(out / signing.MANIFEST),
        "audit_head": head,
        "signer_public_key_sha256": manifest["signature"]["public_key_sha256"],
    }
    case.note("package", details)
    return out


def write_package_files(ref: Referral, out: Path, steps: Steps) -> None:
    """The report (HTML and PDF) and the bundle, before signing (steps 2 to 5)."""
    report = build_report(ref, steps.next("writing dossiers"))
    html = steps.next("writing the HTML report")
    html(0, 1)
    (out / "report.html").write_text(render_html(report), encoding="utf-8")
    html(1, 1)
    render_pdf(report, out / "report.pdf", steps.next("typesetting the PDF"))
    write_bundle(ref, out / "bundle", steps.next("writing the bundle"))


def _meta(ref: Referral) -> dict[str, Any]:
    return {
        "kind": "threadline-referral-package",
        "bundle_version": BUNDLE_VERSION,
        "case": ref.case,
        "country": ref.country,
        "created_at": ref.created_at,
        "tool_version": __version__,
        "targets": len(ref.targets),
        "annex_intelligence_only": len(ref.annex),
    }


def signing_key_path(case: Case, given: Path | str | None) -> Path:
    """The private key to sign with: given, from the environment, or the case's own."""
    if given:
        return Path(given)
    if os.environ.get(SIGNING_KEY_ENV):
        return Path(os.environ[SIGNING_KEY_ENV])
    folder = case.path / CASE_KEYS
    if not (folder / signing.PRIVATE_KEY_FILE).is_file():
        signing.generate_keypair(folder)
    return folder / signing.PRIVATE_KEY_FILE


def verify_package(folder: Path | str, public_key: Path | str) -> signing.VerifyResult:
    """Check a package's signature and every file's sha256 against a public key."""
    return signing.verify_folder(Path(folder), signing.load_public_key(Path(public_key)))


def case_public_key(case: Case) -> Path:
    """The public half of the case's own signing key (made if missing)."""
    signing_key_path(case, None)
    return case.path / CASE_KEYS / signing.PUBLIC_KEY_FILE


__all__ = ["build_package", "case_public_key", "verify_package"]
