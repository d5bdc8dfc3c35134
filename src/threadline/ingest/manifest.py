"""A delivery manifest (``manifest.json``): which files a delivery holds, and how to read each.

Reading a manifest only yields its entries; :meth:`threadline.case.Case.ingest_manifest`
ingests them, so every file still goes through the one ingest route.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from threadline.errors import SourceError


@dataclass(frozen=True)
class DeliveryEntry:
    """One file (or seized media folder) of a delivery, with its own custody facts."""

    path: Path
    kind: str | None
    agency: str
    seizure: str
    timezone: str | None = None
    country: str | None = None
    format: str | None = None
    found_on: str | None = None


def read_manifest(manifest: Path) -> list[DeliveryEntry]:
    """The entries of a delivery manifest, paths resolved beside it."""
    try:
        spec = json.loads(manifest.read_text(encoding="utf-8"))
        return [
            DeliveryEntry(
                path=manifest.parent / e["path"],
                kind=e.get("kind"),
                agency=e["agency"],
                seizure=e["seizure"],
                timezone=e.get("timezone"),
                country=e.get("country"),
                format=e.get("format"),
                found_on=e.get("found_on"),
            )
            for e in spec["sources"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(manifest, f"not a delivery manifest: {exc}") from None
