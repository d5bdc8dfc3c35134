"""Subprocess side of the crash test: run one phase, or recover a case and report its state.

``python crash_worker.py run PHASE CASE DATA OUT`` runs ``ingest`` (the delivery manifest),
``analyze`` or ``export`` and prints ``ready`` once imports are done, so the parent times
its SIGKILL from there. ``recover PHASE CASE DATA OUT`` opens the (killed) case, verifies it,
re-runs the phase to completion, verifies again and prints the state as one JSON line.
The key of an encrypted case comes from ``THREADLINE_KEY``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from threadline import Case
from threadline.schema import KINDS
from threadline.store.engine import quote_ident

# Everything ingest stores, in a run-independent order; sources without their ingest time,
# and with only the file name of their path (media hash manifests live in the case folder).
STATE_QUERIES = {
    **{k: f"SELECT * FROM {quote_ident(k)} ORDER BY record_id" for k in KINDS},
    "quarantine": "SELECT * FROM quarantine ORDER BY ALL",
    "deliveries": "SELECT * FROM deliveries ORDER BY ALL",
    "sources": "SELECT * EXCLUDE (ingested_at, path), regexp_replace(path, '^.*/', '') "
    "FROM sources ORDER BY source_id",
}


def run_phase(phase: str, case_dir: Path, data: Path, out: Path) -> None:
    with Case.open(case_dir) as case:
        if phase == "ingest":
            case.ingest_manifest(data / "manifest.json")
        elif phase == "analyze":
            case.analyze()
        else:
            case.export(out)


def canonical_state(case: Case) -> dict[str, Any]:
    """Per stored table: row count, digest of the sorted record ids, digest of every row."""
    state: dict[str, Any] = {}
    for name, sql in STATE_QUERIES.items():
        rows = case.engine.query(sql)
        ids = sorted(str(r[0]) for r in rows) if name in KINDS else []
        state[name] = {
            "rows": len(rows),
            "ids": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
            "distinct_ids": len(set(ids)),
            "content": hashlib.sha256(repr(rows).encode()).hexdigest(),
        }
    return state


def export_state(out: Path) -> dict[str, Any]:
    """Whether ``out`` holds a manifest, and whether every file it lists has its digest."""
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return {"manifest": False, "consistent": True, "files": {}}
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    found = {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        if (out / name).is_file()
        else None
        for name in files
    }
    bad = sorted(n for n, meta in files.items() if found[n] != meta["sha256"])
    return {"manifest": True, "consistent": not bad, "mismatched": bad, "files": found}


def recover(phase: str, case_dir: Path, data: Path, out: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"export_after_kill": export_state(out)}
    started = time.perf_counter()
    with Case.open(case_dir) as case:
        first = case.verify()
        report["verify_after_kill"] = {"ok": first.ok, "problems": first.problems}
    run_phase(phase, case_dir, data, out)
    with Case.open(case_dir) as case:
        again = case.verify()
        report["verify_after_rerun"] = {"ok": again.ok, "problems": again.problems}
        report["state"] = canonical_state(case)
        report["audit"] = [a for (a,) in case.engine.query("SELECT action FROM audit ORDER BY seq")]
    report["export"] = export_state(out)
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def main(argv: list[str]) -> None:
    mode, phase, case_dir, data, out = argv[0], argv[1], *map(Path, argv[2:5])
    if mode == "run":
        print("ready", flush=True)
        started = time.perf_counter()
        run_phase(phase, case_dir, data, out)
        print(f"done {time.perf_counter() - started:.3f}", flush=True)
    else:
        print(json.dumps(recover(phase, case_dir, data, out)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
