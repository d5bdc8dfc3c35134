"""Ingest a whole delivery described by a ``manifest.json`` (kind, agency, seizure per file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from threadline.errors import SourceError
from threadline.ingest.canonical import IngestReport

if TYPE_CHECKING:
    from threadline.case import Case


def ingest_manifest(
    case: Case, manifest: Path, on_file: Callable[[IngestReport], None] | None = None
) -> list[IngestReport]:
    """Ingest each listed file with its own agency, seizure, timezone and country."""
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
        entries = spec["sources"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(manifest, f"not a delivery manifest: {exc}") from None
    reports: list[IngestReport] = []
    for entry in entries:
        if entry.get("format") == "folder":  # seized media: hashed, never stored
            reports += case.ingest_media(
                [manifest.parent / entry["path"]],
                agency=entry["agency"],
                seizure=entry["seizure"],
                found_on=entry.get("found_on"),
                on_file=on_file,
            )
            continue
        reports += case.ingest(
            entry["kind"],
            [manifest.parent / entry["path"]],
            agency=entry["agency"],
            seizure=entry["seizure"],
            timezone=entry.get("timezone"),
            country=entry.get("country"),
            format=entry.get("format"),
            on_file=on_file,
        )
    return reports
