"""Subprocess side of the hostile-input test: ingest one hostile file next to good data.

``python hostile_worker.py ROOT KIND FILE`` makes a case in ROOT/case holding the canonical
sample files, ingests FILE as KIND, and prints one JSON line: the outcome (report or typed
error), the seconds the hostile ingest took, the peak resident memory before and after it,
the other tables' row counts before and after, and ``verify``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from threadline import Case
from threadline.errors import ThreadlineError

CANONICAL = Path(__file__).resolve().parents[1] / "data" / "canonical"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main(root: Path, kind: str, hostile: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with Case.init(root / "case") as case:
        for f in sorted(CANONICAL.iterdir()):
            case.ingest(f.stem, [f], agency="AG", seizure="EX-1")
        before = case.status().counts
        result["peak_mb_before"] = peak_mb()
        started = time.perf_counter()
        try:
            (report,) = case.ingest(kind, [hostile], agency="AG", seizure="HOSTILE")
            result["outcome"] = {
                "stored": report.stored,
                "quarantined": report.quarantined,
                "reasons": report.reasons,
            }
        except ThreadlineError as exc:
            result["outcome"] = {"error": type(exc).__name__, "message": str(exc)[:300]}
        result["seconds"] = round(time.perf_counter() - started, 2)
        result["peak_mb_after"] = peak_mb()
        after = case.status().counts
        result["others_kept"] = all(
            after[t] >= n for t, n in before.items() if t not in ("audit", "sources")
        )
        result["unchanged_unless_this_kind"] = {
            t: (before[t], after[t]) for t in before if before[t] != after[t]
        }
        report_ = case.verify()
        result["verify"] = {"ok": report_.ok, "problems": report_.problems}
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))), flush=True)
