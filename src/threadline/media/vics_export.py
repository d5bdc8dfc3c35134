"""VICS JSON (Project VIC data model 2.0, OData) of the case's matched and new media.

The format Griffeye Analyze and other forensic tools import. Each ``Media`` entry carries
hashes and metadata only: matched files with their list category and series, and files of
unlisted near-duplicate groups (priority 1: circulating, possibly unidentified victims) as
category 0 (not yet categorised) so the receiving tool queues them for review.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from threadline.media import sql as media_sql
from threadline.store.engine import Engine

ODATA_CONTEXT = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"
)


def _category(text: str | None) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        return 0


def vics_document(engine: Engine) -> dict[str, Any]:
    """The VICS document as a dict (``@odata.context`` and ``value``)."""
    updated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    value = []
    for i, row in enumerate(media_sql.vics_rows(engine), start=1):
        matched = bool(row["matched"])
        entry: dict[str, Any] = {
            "MediaID": i,
            "Category": _category(row["category"]) if matched else 0,
            "MD5": (row["md5"] or "").upper() or None,
            "SHA1": (row["sha1"] or "").upper() or None,
            "MediaSize": row["size"],
            "DateUpdated": updated,
            "IsPrecategorized": "true" if matched else "false",
            "Series": row["series"] if matched else None,
            "VictimIdentified": row["victim_identified"] if matched else None,
            "MediaFiles": [{"FileName": Path(p).name, "FilePath": p} for p in (row["paths"] or [])],
            "Comments": (
                "Threadline: matched " + ", ".join(row["matched"])
                if matched
                else f"Threadline: unlisted near-duplicate group {row['group_id']}"
            ),
        }
        value.append({k: v for k, v in entry.items() if v is not None})
    return {"@odata.context": ODATA_CONTEXT, "value": value}


def export_vics(engine: Engine, target: Path) -> int:
    """Write the VICS JSON file; return the number of media entries."""
    doc = vics_document(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return len(doc["value"])
