"""The JSON export contract: ``manifest.json`` plus one JSON Lines file per table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from threadline import __version__, pipeline
from threadline.ingest.tables import TABLES as RECORD_TABLES
from threadline.store import custody
from threadline.store.engine import Engine
from threadline.store.exporter import export_tables

SCHEMA_VERSION = "1.0"


def export_json(engine: Engine, out: Path, case_name: str) -> dict[str, Any]:
    """Write the export to ``out`` and return the manifest written beside it.

    The manifest is what marks an export complete: an earlier one in ``out`` is removed
    before any file is rewritten, and the new one appears atomically once every file is
    written, so an export killed halfway never leaves a manifest over files it does not
    describe.
    """
    (out / "manifest.json").unlink(missing_ok=True)
    records = {name: spec.columns for name, spec in RECORD_TABLES.items()}
    files = export_tables(engine, out, records, pipeline.exports())
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "case": case_name,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "sources": [
            {k: s[k] for k in ("source_id", "sha256", "path", "kind", "agency", "seizure")}
            for s in custody.sources(engine)
        ],
        "files": files,
    }
    partial = out / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    partial.replace(out / "manifest.json")
    return manifest
