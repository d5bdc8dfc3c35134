"""The machine-readable bundle of a referral package: one JSON document and CSV tables.

``package.json`` holds the whole referral (summary, targets with nested evidence, cited
sources); the CSV files hold the same rows flat, one file per kind of row, each row
carrying the ``person_id`` of its target. Nested values (lists, evidence) are JSON text.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from threadline.share.progress import Tick, no_tick
from threadline.share.referral import Referral, TargetDossier

BUNDLE_VERSION = "1.0"
EVIDENCE = "evidence"
COLUMNS: dict[str, tuple[str, ...]] = {
    "targets": (
        "person_id",
        "rank",
        "country_rank",
        "country_targets",
        "priority",
        "confidence",
        "score",
        "role",
        "country",
    ),
    "reasons": ("person_id", "signal", "weight", "description", "source", EVIDENCE),
    "accounts": (
        "person_id",
        "platform",
        "account_id",
        "display_name",
        "email",
        "phone",
        "created_at",
        "country",
        EVIDENCE,
    ),
    "payment_identities": (
        "person_id",
        "provider",
        "name",
        "account",
        "phone",
        "country",
        "city",
        "side",
        "payments",
    ),
    "jurisdiction": ("person_id", "basis", "value", "country", "rows", EVIDENCE),
    "sessions": (
        "person_id",
        "session_id",
        "target_side",
        "target_account",
        "counterpart",
        "counterpart_role",
        "counterpart_account",
        "counterpart_jurisdiction",
        "start",
        "end",
        "payment_transaction_ids",
        "login_ips",
        "confidence",
        EVIDENCE,
    ),
    "payments": (
        "person_id",
        "direction",
        "provider",
        "transaction_id",
        "sent_at",
        "amount",
        "currency",
        "status",
        "counterpart",
        "counterpart_country",
        "counterpart_jurisdiction",
        EVIDENCE,
    ),
    "networks": (
        "person_id",
        "network_id",
        "role",
        "centrality",
        "bridge",
        "size",
        "sellers",
        "buyers",
        "first_activity",
        "last_activity",
        "summary",
    ),
    "media": ("person_id", "sha256", "match", "category", "series_id", "list_name"),
    "rescue": (
        "person_id",
        "lat",
        "lon",
        "radius_m",
        "country",
        "admin_area",
        "last_activity",
        "priority",
        EVIDENCE,
    ),
    "ips": (
        "person_id",
        "ip",
        "first_seen",
        "last_seen",
        "logins",
        "ip_country",
        "asn",
        "hosting",
        EVIDENCE,
    ),
}
# Targets under the confidence floor: intelligence only, never mixed with the body's rows.
ANNEX_COLUMNS = (
    "person_id",
    "rank",
    "confidence",
    "score",
    "role",
    "country",
    "accounts",
    "reasons",
    "intelligence_only",
)
SOURCE_COLUMNS = ("sha256", "kind", "format", "agency", "seizure", "ingested_at")


def write_bundle(ref: Referral, folder: Path, tick: Tick = no_tick) -> list[Path]:
    """Write ``package.json`` and one CSV per kind of row into ``folder``; ``tick`` per file."""
    files = len(COLUMNS) + 3  # package.json, a CSV per kind of row, annex.csv, sources.csv
    tick(0, files)
    folder.mkdir(parents=True, exist_ok=True)
    annex = [_annexed(t) for t in ref.annex]
    doc = {
        "bundle_version": BUNDLE_VERSION,
        "kind": "threadline-referral",
        "case": ref.case,
        "country": ref.country,
        "country_name": ref.country_name,
        "created_at": ref.created_at,
        "tool_version": ref.tool_version,
        "summary": ref.summary(),
        "targets": [asdict(t) for t in ref.targets],
        "confidence_floor": ref.floor,
        # Under the floor: intelligence only, not a basis for legal process.
        "annex": annex,
        "sources": ref.sources,
    }
    written = [folder / "package.json"]
    written[0].write_text(
        json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    tick(len(written), files)
    for name, columns in COLUMNS.items():
        rows: list[dict[str, Any]] = []
        for t in ref.targets:
            if name == "targets":
                rows.append(asdict(t))
                continue
            rows += [{"person_id": t.person_id, **r} for r in getattr(t, name)]
        written.append(_csv(folder / f"{name}.csv", columns, rows))
        tick(len(written), files)
    written.append(_csv(folder / "annex.csv", ANNEX_COLUMNS, annex))
    tick(len(written), files)
    written.append(_csv(folder / "sources.csv", SOURCE_COLUMNS, ref.sources))
    tick(len(written), files)
    return written


def _annexed(t: TargetDossier) -> dict[str, Any]:
    return {
        "person_id": t.person_id,
        "rank": t.rank,
        "confidence": t.confidence,
        "score": t.score,
        "role": t.role,
        "country": t.country,
        "accounts": [f"{a['platform']}:{a['account_id']}" for a in t.accounts],
        "reasons": t.reasons,
        "intelligence_only": True,
    }


def _csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    return path


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
