"""Ingest seized media folders: hash every file, store the hashes as canonical ``media`` rows.

The hashes of one run are written to a *hash manifest* (CSV of hashes and metadata only,
never content) inside the case folder; that manifest is the source of record, so the rows
go through the same validation, quarantine, provenance and idempotence as any canonical
file: hashing the same files again yields the same manifest and adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa

from threadline.errors import SourceError
from threadline.ingest.canonical import (
    IngestReport,
    ParsedSource,
    SourceOptions,
    ingest_parsed,
)
from threadline.media import sealed
from threadline.media import sql as media_sql
from threadline.media.hashing import (
    LINK,
    SPECIAL,
    FileHashes,
    HashOptions,
    ProgressFn,
    hash_files,
    walk,
)
from threadline.store.engine import Engine

MANIFEST_DIR = Path("media") / "hash-manifests"
THUMBNAIL_DIR = Path("media") / "thumbnails"
FORMAT = "media-hashes"
CANONICAL_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
MEDIA_FIELDS = ("path", "sha256", "md5", "sha1", "pdq", "size", "found_on")
MANIFEST_FIELDS = (
    *MEDIA_FIELDS,
    "media_type",
    "status",
    "reason",
    "pdq_quality",
    "pdq_dihedral",
    "vpdq_frames",
    "width",
    "height",
    "exif_orientation",
)


def split_inputs(items: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """(canonical media lists, seized folders/files to hash) among ``ingest media`` inputs.

    A file named on the command line with a .csv/.jsonl/.json suffix is a canonical media
    list; folders, and every other file, are seized media and get hashed (a CSV found
    *inside* a folder is seized material too and is hashed, not parsed).
    """
    canonical, seized = [], []
    for item in items:
        p = Path(item)
        if p.is_file() and p.suffix.lower() in CANONICAL_SUFFIXES:
            canonical.append(p)
        else:
            seized.append(p)
    return canonical, seized


def ingest_media_folder(
    engine: Engine,
    case_dir: Path,
    inputs: Sequence[Path | str],
    options: SourceOptions,
    *,
    found_on: str | None = None,
    workers: int | None = None,
    thumbnails: bool = False,
    on_progress: ProgressFn | None = None,
    case_key: str | None = None,
) -> IngestReport:
    """Hash every file under ``inputs`` and ingest the hashes as one source.

    Args:
        engine: the case store.
        case_dir: the case folder (the hash manifest and any thumbnails go inside it).
        inputs: folders and files of seized media.
        options: agency, seizure (and the rest) of the chain of custody.
        found_on: the device id or ``platform:account`` the files were found on.
        workers: hashing processes (default: every core).
        thumbnails: also write blurred greyscale thumbnails (default off).
        on_progress: called with (files done, files in total) while hashing.
        case_key: the key of an encrypted case: the manifest is then sealed with it
            (:mod:`threadline.media.sealed`), never written in plain text.
    """
    try:
        paths = walk(inputs)
    except FileNotFoundError as exc:
        raise SourceError(str(exc).split(":")[0], "no such file or folder") from None
    if not paths:
        raise SourceError(str(inputs[0]) if inputs else ".", "no files to hash")
    hash_options = HashOptions(thumbnails=case_dir / THUMBNAIL_DIR if thumbnails else None)
    results = hash_files(paths, hash_options, workers=workers, on_progress=on_progress)
    text = manifest_text(results, found_on)
    digest = hashlib.sha256(text.encode()).hexdigest()
    name = f"{digest[:16]}.csv" + (sealed.SUFFIX if case_key else "")
    manifest = case_dir / MANIFEST_DIR / name
    manifest.parent.mkdir(parents=True, exist_ok=True)
    if not manifest.exists():
        if case_key:
            manifest.write_bytes(sealed.seal(text, case_key))
        else:
            manifest.write_text(text, encoding="utf-8")
    parsed = ParsedSource("media", FORMAT, media_records(results, found_on))
    with engine.transaction():
        report = ingest_parsed(engine, manifest, options, parsed)
        if not report.already_ingested:
            media_sql.insert_arrow(engine, "media_files", file_facts(results, report.source_id))
    counts = Counter(r.status for r in results)
    report.notes.append(
        f"{len(results)} file(s) hashed: "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    )
    report.notes.extend(skipped_entries(results))
    return report


def skipped_entries(results: Sequence[FileHashes], limit: int = 50) -> list[str]:
    """One note per link or special file that was recorded but not read (the first ``limit``)."""
    skipped = [r for r in results if r.status in (LINK, SPECIAL)]
    notes = [f"not read: {r.path}: {r.reason}" for r in skipped[:limit]]
    if len(skipped) > limit:
        notes.append(f"... and {len(skipped) - limit} more (media_files status symlink/special)")
    return notes


def _row_values(r: FileHashes, found_on: str | None) -> dict[str, str]:
    values = {
        "path": r.path,
        "sha256": r.sha256,
        "md5": r.md5,
        "sha1": r.sha1,
        "pdq": r.pdq,
        "size": r.size,
        "found_on": found_on,
        "media_type": r.media_type,
        "status": r.status,
        "reason": r.reason,
        "pdq_quality": r.quality,
        "pdq_dihedral": ",".join(r.dihedral) or None,
        "vpdq_frames": r.frames,
        "width": r.width,
        "height": r.height,
        "exif_orientation": r.exif_orientation,
    }
    return {k: "" if v is None else str(v) for k, v in values.items()}


def manifest_text(results: Sequence[FileHashes], found_on: str | None) -> str:
    """The hash manifest: a header and one CSV row per file (row n+2 holds file n)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow(_row_values(r, found_on))
    return buf.getvalue()


def media_records(results: Sequence[FileHashes], found_on: str | None) -> pa.Table:
    """Canonical ``media`` text columns plus ``_row`` (the manifest row of each file)."""
    cols: dict[str, list[str | None]] = {f: [] for f in MEDIA_FIELDS}
    for r in results:
        values = _row_values(r, found_on)
        for f in MEDIA_FIELDS:
            cols[f].append(values[f] or None)
    table = {f: pa.array(v, pa.string()) for f, v in cols.items()}
    table["_row"] = pa.array(range(2, len(results) + 2), pa.int64())
    return pa.table(table)


def file_facts(results: Sequence[FileHashes], source_id: str) -> pa.Table:
    """Rows of ``media_files`` for one hashed source."""
    return pa.table(
        {
            "source_id": pa.array([source_id] * len(results), pa.string()),
            "path": pa.array([r.path for r in results], pa.string()),
            "sha256": pa.array([r.sha256 for r in results], pa.string()),
            "size": pa.array([r.size for r in results], pa.int64()),
            "media_type": pa.array([r.media_type for r in results], pa.string()),
            "status": pa.array([r.status for r in results], pa.string()),
            "reason": pa.array([r.reason for r in results], pa.string()),
            "pdq": pa.array([r.pdq for r in results], pa.string()),
            "pdq_quality": pa.array([r.quality for r in results], pa.int32()),
            "pdq_dihedral": pa.array([",".join(r.dihedral) or None for r in results], pa.string()),
            "vpdq": pa.array([r.vpdq for r in results], pa.string()),
            "vpdq_frames": pa.array([r.frames for r in results], pa.int32()),
            "width": pa.array([r.width for r in results], pa.int32()),
            "height": pa.array([r.height for r in results], pa.int32()),
            "exif_orientation": pa.array([r.exif_orientation for r in results], pa.int32()),
        }
    )
