"""Every findings measure of an analysed case against its synthetic truth, in one place.

    .venv/bin/python bench/metrics.py CASE DATA [--spark-master local[2]]

Prints one JSON object: the case's row counts (rows out of each stage's tables), the rows
each source stored and quarantined, each analysis step's audited summary, and the findings
measured by the functions of bench/networks.py (networks ARI, role F1), bench/resolve.py
(persons pairwise P/R/F1), bench/findings.py (sessions P/R, top-N precision, innocents in
the top N, jurisdiction, home error). bench/scale.py runs it after each case.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import findings as findings_bench
import networks as networks_bench
import resolve as resolve_bench
from threadline import Case, pipeline
from threadline.store import audit
from threadline.store.engine import quote_ident

INNOCENT_KINDS = ("benign_remitter", "hub", "window_shopper")


def findings(case: Case, synth: Path) -> dict[str, Any]:
    """The findings measures of an analysed ``case`` against the truth under ``synth``."""
    out: dict[str, Any] = {}
    out.update(networks_bench.evaluate(case, synth))
    out.update(resolve_bench.evaluate(case, synth))
    out.update(findings_bench.sessions(case, synth))
    out.update(findings_bench.targets(case, synth))
    out.update(findings_bench.homes(case, synth))
    bad = out.get("benign_in_top_n", {})
    out["innocents_in_top_n"] = sum(int(bad.get(k, 0)) for k in INNOCENT_KINDS)
    return out


def table_counts(case: Case) -> dict[str, dict[str, int]]:
    """Rows in each table, grouped by the stage (or store/ingest) that owns it."""
    return {
        owner: {
            name: int(case.engine.scalar(f"SELECT count(*) FROM {quote_ident(name)}"))
            for name in module.TABLES
        }
        for owner, module in pipeline.owners().items()
    }


def step_summaries(case: Case) -> list[dict[str, Any]]:
    """Each analysis step's audited summary, in the order they last ran."""
    runs = [
        {**json.loads(e.details), "at": e.at.isoformat()}
        for e in audit.entries(case.engine)
        if e.action == "analyze"
    ]
    steps = [r for r in runs if "stage" in r and "summary" in r]
    return steps[-len(pipeline.STEPS) :]


def source_rows(case: Case) -> dict[str, int]:
    """Rows stored and quarantined over every ingested source."""
    sources = case.sources()
    fields = ("rows_read", "rows_stored", "rows_duplicate", "rows_quarantined")
    return {"sources": len(sources)} | {f: sum(int(s.get(f) or 0) for s in sources) for f in fields}


def inspect(case_dir: Path, synth: Path | None, master: str | None) -> dict[str, Any]:
    """Counts, sources, step summaries and (when ``synth`` is given) the findings."""
    case = Case.open(case_dir, read_only=True, spark_master=master)
    try:
        out: dict[str, Any] = {
            "counts": table_counts(case),
            "source_rows": source_rows(case),
            "step_summaries": step_summaries(case),
        }
        if synth is not None:
            try:
                out["findings"] = findings(case, synth)
            except Exception as exc:  # noqa: BLE001 -- a failed measure is reported, not fatal
                out["findings_error"] = f"{type(exc).__name__}: {exc}"
        return out
    finally:
        case.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("case", type=Path)
    parser.add_argument("data", type=Path, nargs="?")
    parser.add_argument("--spark-master", default=None)
    opts = parser.parse_args()
    print(json.dumps(inspect(opts.case, opts.data, opts.spark_master), default=str))


if __name__ == "__main__":
    main()
