"""``verify --deep``: re-run the analysis and re-ingest the seized files in scratch copies."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from threadline import custody_check
from threadline.custody_check import VerifyReport
from threadline.ingest.files import scan
from threadline.store import custody

if TYPE_CHECKING:
    from threadline.case import Case


def verify_deep(case: Case, report: VerifyReport) -> None:
    """Re-run the analysis in a scratch copy of the case; compare the findings."""
    from threadline.case import CASE_FILE, DB_FILE  # the case module imports this one

    scratch = Path(tempfile.mkdtemp(prefix="verify-deep-", dir=case.path / "tmp"))
    try:
        for name in (CASE_FILE, DB_FILE, DB_FILE + ".wal"):
            if (case.path / name).is_file():
                shutil.copy2(case.path / name, scratch / name)
        with type(case).open(scratch, key=case.key) as copy:
            copy.analyze()
            again = custody_check.findings_digest(copy.engine)
        recompute_sources(case, scratch / "re-ingest", report)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    now = custody_check.findings_digest(case.engine)
    differ = sorted(t for t in now if again.get(t) != now[t])
    if differ:
        report.fail(
            f"re-running the analysis gives different {', '.join(differ)} "
            "(findings not recomputable from the stored evidence and decisions)"
        )


def recompute_sources(case: Case, scratch: Path, report: VerifyReport) -> None:
    """Ingest the seized canonical files again, in order, into an empty scratch case.

    Each source's stored rows must be what its file gives now (same content digest).
    Sources from exports (parser options are not recorded) or whose file is absent or
    changed are not recomputed; a later source whose rows differ may then depend on
    them, and is listed as not recomputed rather than failed.
    """
    encrypted = bool(case.info.get("encrypted"))
    skipped: list[str] = []
    with type(case).init(scratch, encrypt=encrypted, key=case.key if encrypted else None) as fresh:
        for src in case.sources():
            path = Path(src["path"])
            if src["format"] not in ("csv", "jsonl") or not path.is_file():
                skipped.append(src["source_id"])
                continue
            if scan(path).sha256 != src["sha256"]:
                skipped.append(src["source_id"])
                continue
            fresh.ingest(
                src["kind"],
                [path],
                agency=src["agency"],
                seizure=src["seizure"],
                timezone=src["timezone"],
                country=src["country"],
                format=src["format"],
            )
            sid, kind = src["source_id"], src["kind"]
            mine = custody.content_digest(case.engine, kind, sid)
            if custody.content_digest(fresh.engine, kind, sid) == mine:
                report.sources_recomputed += 1
            elif skipped:
                report.sources_not_recomputed.append(sid)
            else:
                report.fail(
                    f"source {sid} ({src['path']}): stored rows are not what the file "
                    "gives when ingested again"
                )
    report.sources_not_recomputed += skipped
