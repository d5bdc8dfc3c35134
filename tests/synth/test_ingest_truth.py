"""The real ingest of a generated `small` operation against what the generator planted."""

from __future__ import annotations

import json
from pathlib import Path

from threadline import Case
from threadline.synth import generate


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def test_small_case_quarantines_exactly_the_planted_rows_and_duplicates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    summary = generate(data, scale="small", seed=11)
    print("\n".join(summary.lines()))
    with Case.init(tmp_path / "case") as case:
        reports = case.ingest_manifest(data / "manifest.json")
        got = {
            (Path(str(q["path"])).relative_to(data.resolve()).as_posix(), q["row"], q["reason"])
            for q in case.quarantine()
        }
        stored_messages = case.status().counts["messages"]
    planted = {
        (str(e["path"]), e["row"], e["reason"])
        for e in _load(data / "truth" / "planted_errors.jsonl")
    }
    assert got == planted
    duplicates = _load(data / "truth" / "planted_duplicates.jsonl")
    assert sum(r.duplicate for r in reports if r.kind == "messages") == len(duplicates)
    assert stored_messages == summary.rows["messages"] - len(duplicates)
