"""Markdown tables of bench/scale.py runs (paste into docs/scaling.md).

.venv/bin/python bench/scale_report.py [RUNS.json ...] [--statements STATEMENTS.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from pathlib import Path
from typing import Any

from threadline.pipeline import STEPS

OUT = Path(__file__).parent / "out" / "scale"
SCALE_ORDER = ("tiny", "small", "medium", "europol")


def stage_columns() -> list[str]:
    """Analysis step names with their pass number where a step runs twice (``graph 2``)."""
    seen: dict[str, int] = {}
    cols = []
    for name in STEPS:
        seen[name] = seen.get(name, 0) + 1
        cols.append(name if STEPS.count(name) == 1 else f"{name} {seen[name]}")
    return cols


def _key(stage: dict[str, Any]) -> str:
    return (
        stage["stage"] if STEPS.count(stage["stage"]) == 1 else f"{stage['stage']} {stage['pass']}"
    )


def cells(run: dict[str, Any], what: str) -> dict[str, str]:
    """Column -> cell of one run: ``what`` is ``seconds``, ``cpu_s`` or ``peak_mib``."""
    fmt = (lambda v: f"{v:,.0f}") if what == "peak_mib" else (lambda v: f"{v:.1f}")
    out: dict[str, str] = {}
    synth = run.get("synth", {})
    if what in synth:
        out["synth"] = fmt(synth[what]) + (" (kept)" if synth.get("cached") else "")
    scan = run.get("scan", {})
    out["scan"] = fmt(scan[what]) if what in scan else ""
    for s in run.get("steps", []):
        if s.get("exit") != 0:
            out[s["step"]] = f"**fail, exit {s.get('exit')}**"
        elif what in s:
            out[s["step"]] = fmt(s[what])
        for st in s.get("stages", []):
            if st["stage"] == "open" or what not in st:
                continue
            out[_key(st)] = (
                f"**fail, exit {st['failed']}** after {st['seconds']:.0f} s"
                if "failed" in st
                else fmt(st[what])
            )
    if step(run, "analyze") is None:
        out["analyze"] = "not run"
    if what == "seconds":
        ingest, scan_s = step(run, "ingest"), scan.get("seconds")
        if ingest and ingest.get("exit") == 0 and scan_s:
            out["x scan"] = f"{ingest['seconds'] / scan_s:.0f}x"
    elif what == "peak_mib":
        peaks = [s.get("peak_mib", 0) for s in run.get("steps", [])]
        out["peak"] = f"{max(peaks, default=0):,.0f}"
    return out


def step(run: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The record of one command (``ingest``, ``analyze``...) of a run, if it ran."""
    return next((s for s in run.get("steps", []) if s["step"] == name), None)


def _head(cols: list[str]) -> list[str]:
    head = "| scale | seed | engine | messages | " + " | ".join(cols) + " |"
    return [head, "|" + "---|" * (head.count("|") - 1)]


def _lead(run: dict[str, Any]) -> str:
    m = run.get("messages")
    return (
        f"| {run['scale']} | {run['seed']} | {run['engine']} | {m:,} | "
        if m
        else (f"| {run['scale']} | {run['seed']} | {run['engine']} | ? | ")
    )


def time_table(runs: list[dict[str, Any]]) -> str:
    """Seconds per command and per analysis step, with ingest over the plain scan."""
    cols = ["synth", "scan", "init", "ingest", "x scan", *stage_columns(), "analyze", "export"]
    lines = _head(cols)
    for r in runs:
        c = cells(r, "seconds")
        lines.append(_lead(r) + " | ".join(c.get(k, "") for k in cols) + " |")
    return "\n".join(lines)


def cpu_table(runs: list[dict[str, Any]]) -> str:
    """CPU seconds (user + system) per command and analysis step: less moved by other load."""
    cols = ["synth", "scan", "init", "ingest", *stage_columns(), "analyze", "export"]
    lines = _head(cols)
    for r in runs:
        c = cells(r, "cpu_s")
        lines.append(_lead(r) + " | ".join(c.get(k, "") for k in cols) + " |")
    return "\n".join(lines)


def memory_table(runs: list[dict[str, Any]]) -> str:
    """Peak MiB (PSS of the process tree) per command and per analysis step."""
    cols = ["synth", "scan", "ingest", *stage_columns(), "export", "peak"]
    lines = _head(cols)
    for r in runs:
        c = cells(r, "peak_mib")
        lines.append(_lead(r) + " | ".join(c.get(k, "") for k in cols) + " |")
    return "\n".join(lines)


ROW_COLUMNS = (
    ("rows read", ("source_rows", "rows_read")),
    ("stored", ("source_rows", "rows_stored")),
    ("duplicate", ("source_rows", "rows_duplicate")),
    ("quarantined", ("source_rows", "rows_quarantined")),
    ("payment identities", ("counts", "resolve", "payment_identities")),
    ("person members", ("counts", "resolve", "person_members")),
    ("person edges", ("counts", "graph", "person_edges")),
    ("networks", ("counts", "graph", "networks")),
    ("session candidates", ("counts", "signals", "session_candidates")),
    ("sessions", ("counts", "signals", "sessions")),
    ("targets", ("counts", "score", "targets")),
)


def _dig(d: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        d = d.get(p) if isinstance(d, dict) else None
    return d


def rows_table(runs: list[dict[str, Any]]) -> str:
    """Rows into the case (read, stored, duplicate, quarantined) and out of each stage."""
    cols = [name for name, _ in ROW_COLUMNS]
    lines = _head(cols)
    for r in runs:
        vals = [_dig(r, path) for _, path in ROW_COLUMNS]
        lines.append(_lead(r) + " | ".join("" if v is None else f"{v:,}" for v in vals) + " |")
    return "\n".join(lines)


# The figure of each step's audited summary that says what the step produced.
STEP_OUTPUT = {
    "resolve": "persons",
    "graph": "networks",
    "signals": "sessions",
    "relink": "persons_after_session_links",
    "score": "targets",
    "media": "matched_files",
}


def step_rows_table(runs: list[dict[str, Any]]) -> str:
    """What each analysis step produced, from its audited summary (both passes)."""
    cols = stage_columns()
    lines = _head(cols)
    for r in runs:
        seen: dict[str, int] = {}
        row: dict[str, str] = {}
        for st in r.get("step_summaries", []):
            seen[st["stage"]] = seen.get(st["stage"], 0) + 1
            key = _key({"stage": st["stage"], "pass": seen[st["stage"]]})
            field = STEP_OUTPUT.get(st["stage"], "")
            value = st.get("summary", {}).get(field)
            if value is not None:
                row[key] = f"{field.split('_')[0]} {value:,}"
        if row:
            lines.append(_lead(r) + " | ".join(row.get(c, "") for c in cols) + " |")
    return "\n".join(lines)


FINDINGS = (
    ("network ARI", lambda f: f"{f['network_ari']} ({f['our_networks']}/{f['truth_networks']})"),
    ("facilitator F1", lambda f: f"{f['facilitator_f1']}"),
    ("buyer F1", lambda f: f"{f['buyer_f1']}"),
    (
        "persons P / R / F1",
        lambda f: f"{f['pairwise_precision']} / {f['pairwise_recall']} / {f['pairwise_f1']}",
    ),
    ("sessions P / R", lambda f: f"{f['session_precision']} / {f['session_recall']}"),
    ("top-N precision (N)", lambda f: f"{f['top_n_precision']} ({f['top_n']})"),
    ("innocents in top N", lambda f: _innocents(f)),
    ("jurisdiction", lambda f: f"{f['jurisdiction_accuracy']}"),
    ("home error km (median)", lambda f: f"{f['home_median_error_km']}"),
)


def _innocents(f: dict[str, Any]) -> str:
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(f.get("benign_in_top_n", {}).items()))
    return f"{f['innocents_in_top_n']}" + (f" ({kinds})" if kinds else "")


def findings_table(runs: list[dict[str, Any]]) -> str:
    """The findings against the synthetic truth."""
    cols = [name for name, _ in FINDINGS]
    lines = _head(cols)
    for r in runs:
        f = r.get("findings")
        if not f:
            analyze = step(r, "analyze")
            why = r.get("findings_error") or (
                "analysis not run in this measurement"
                if analyze is None
                else f"analysis failed, exit {analyze.get('exit')}"
                if analyze.get("exit")
                else "not measured"
            )
            lines.append(_lead(r) + why.replace("|", "/")[:120] + " |" + " |" * (len(cols) - 1))
            continue
        lines.append(_lead(r) + " | ".join(fn(f) for _, fn in FINDINGS) + " |")
    return "\n".join(lines)


def _seconds(run: dict[str, Any]) -> dict[str, float]:
    out = {}
    for s in run.get("steps", []):
        if s.get("exit") == 0:
            out[s["step"]] = s["seconds"]
        for st in s.get("stages", []):
            if st["stage"] != "open" and "failed" not in st:
                out[_key(st)] = st["seconds"]
    return out


def growth_table(runs: list[dict[str, Any]]) -> str:
    """Exponent k in time ~ messages^k of each step between consecutive measured scales."""
    cols = ["ingest", *stage_columns(), "analyze", "export"]
    head = "| engine | seed | from → to | messages x | " + " | ".join(cols) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        group = groups.setdefault((r["engine"], r["seed"]), [])
        # one run per scale (the first given): a rerun under other load is not a scale step
        if r.get("messages") and all(g["scale"] != r["scale"] for g in group):
            group.append(r)
    for (engine, seed), rs in sorted(groups.items()):
        rs.sort(key=lambda r: SCALE_ORDER.index(r["scale"]) if r["scale"] in SCALE_ORDER else 9)
        for a, b in itertools.pairwise(rs):
            ratio = b["messages"] / a["messages"]
            ta, tb = _seconds(a), _seconds(b)
            row = []
            for c in cols:
                ok = c in ta and c in tb and ta[c] > 0 and tb[c] > 0 and ratio != 1
                row.append(f"{math.log(tb[c] / ta[c]) / math.log(ratio):.2f}" if ok else "")
            lines.append(
                f"| {engine} | {seed} | {a['scale']} → {b['scale']} | {ratio:.1f} | "
                + " | ".join(row)
                + " |"
            )
    return "\n".join(lines)


def spark_split(runs: list[dict[str, Any]], statements: dict[str, Any] | None) -> str:
    """Each step's Spark time split into a fixed part and a part per message (two scales).

    With t = F + c * messages at two scales, F is the fixed cost (planning and scheduling
    the step's statements, whatever the data) and c the cost per message; F divided by the
    step's statement count is the fixed cost of one statement.
    """
    spark = sorted(
        (r for r in runs if r["engine"] == "spark" and r.get("messages")),
        key=lambda r: r["messages"],
    )
    if len(spark) < 2:
        return "(needs Spark runs at two scales)"
    a, b = spark[0], spark[-1]
    ta, tb = _seconds(a), _seconds(b)
    counts = {}
    for st in (statements or {}).get("steps", []):
        counts[_key(st)] = st["statements"]
    head = (
        f"| step | {a['scale']} s | {b['scale']} s | fixed s | statements | fixed s per statement "
        f"| per M messages s | data share at {b['scale']} |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for c in ["ingest", *stage_columns(), "analyze", "export"]:
        if c not in ta or c not in tb:
            continue
        per = (tb[c] - ta[c]) / (b["messages"] - a["messages"])
        fixed = ta[c] - per * a["messages"]
        n = counts.get(c) if c not in ("analyze",) else sum(counts.values()) or None
        share = per * b["messages"] / tb[c] if tb[c] else 0.0
        lines.append(
            f"| {c} | {ta[c]:.1f} | {tb[c]:.1f} | {fixed:.1f} | {n or ''} | "
            + (f"{fixed / n:.2f}" if n else "")
            + f" | {per * 1e6:.1f} | {share:.0%} |"
        )
    return "\n".join(lines)


def markdown(reports: list[dict[str, Any]], statements: dict[str, Any] | None = None) -> str:
    """Every table of one or more runs, with what was measured and when."""
    runs = [r for rep in reports for r in rep["runs"]]
    when = [
        f"- {m['started'][:16]} to {m.get('finished', '(unfinished)')[11:16]} UTC: "
        + ", ".join(dict.fromkeys(f"{r['scale']} {r['engine']}" for r in rep["runs"]))
        + f"; commit `{m['commit']}`; load average at start {m['loadavg_at_start'][0]:.1f}"
        for m, rep in ((rep["meta"], rep) for rep in reports)
    ]
    parts = [
        f"Runs ({reports[0]['meta']['cpus']} CPUs):\n\n" + "\n".join(when),
        "Seconds per command and analysis step:\n\n" + time_table(runs),
        "CPU seconds (user + system, all processes of the command; 2 cores give up to 2 per"
        " second; where empty, not recorded by that run):\n\n" + cpu_table(runs),
        "Peak memory, MiB (PSS of the command's process tree):\n\n" + memory_table(runs),
        "Rows in and out:\n\n" + rows_table(runs),
        "What each analysis step produced (its audited summary):\n\n" + step_rows_table(runs),
        "Findings against the synthetic truth:\n\n" + findings_table(runs),
        "Growth exponent k (time ∝ messages^k) between consecutive scales:\n\n"
        + growth_table(runs),
    ]
    if any(r["engine"] == "spark" for r in runs):
        parts.append("Spark's time, fixed and per message:\n\n" + spark_split(runs, statements))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path, nargs="*", default=[OUT / "scale.json"])
    parser.add_argument("--statements", type=Path, help="bench/statements.py output")
    opts = parser.parse_args()
    reports = [json.loads(p.read_text()) for p in opts.runs]
    statements = json.loads(opts.statements.read_text()) if opts.statements else None
    print(markdown(reports, statements))


if __name__ == "__main__":
    main()
