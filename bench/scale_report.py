"""Markdown tables of a bench/scale.py run (paste into docs/scaling.md).

    .venv/bin/python bench/scale_report.py [bench/out/scale/scale.json]
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from threadline.pipeline import STEPS

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
    return stage["stage"] if STEPS.count(stage["stage"]) == 1 else f"{stage['stage']} {stage['pass']}"


def cells(run: dict[str, Any], what: str) -> dict[str, str]:
    """Column -> cell of one run: ``what`` is ``seconds`` or ``peak_mib``."""
    fmt = (lambda v: f"{v:.1f}") if what == "seconds" else (lambda v: f"{v:,.0f}")
    out: dict[str, str] = {}
    synth = run.get("synth", {})
    if what in synth:
        out["synth"] = fmt(synth[what]) + (" (kept)" if synth.get("cached") else "")
    scan = run.get("scan", {})
    out["scan"] = fmt(scan[what]) if what in scan else ""
    for s in run.get("steps", []):
        cell = fmt(s[what]) if s.get("exit") == 0 else f"**fail, exit {s.get('exit')}**"
        out[s["step"]] = cell
        for st in s.get("stages", []):
            if st["stage"] == "open" or what not in st:
                continue
            out[_key(st)] = (
                f"**fail, exit {st['failed']}** after {st['seconds']:.0f} s"
                if "failed" in st
                else fmt(st[what])
            )
    if what == "seconds":
        ingest, scan_s = step(run, "ingest"), scan.get("seconds")
        if ingest and ingest.get("exit") == 0 and scan_s:
            out["x scan"] = f"{ingest['seconds'] / scan_s:.0f}x"
    else:
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
    return f"| {run['scale']} | {run['seed']} | {run['engine']} | {m:,} | " if m else (
        f"| {run['scale']} | {run['seed']} | {run['engine']} | ? | "
    )


def time_table(runs: list[dict[str, Any]]) -> str:
    """Seconds per command and per analysis step, with ingest over the plain scan."""
    cols = ["synth", "scan", "init", "ingest", "x scan", *stage_columns(), "analyze", "export"]
    lines = _head(cols)
    for r in runs:
        c = cells(r, "seconds")
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
            why = r.get("findings_error") or "not measured (analysis did not finish)"
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
    head = "| engine | seed | from → to | messages × | " + " | ".join(cols) + " |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        if r.get("messages"):
            groups.setdefault((r["engine"], r["seed"]), []).append(r)
    for (engine, seed), rs in sorted(groups.items()):
        rs.sort(key=lambda r: SCALE_ORDER.index(r["scale"]) if r["scale"] in SCALE_ORDER else 9)
        for a, b in zip(rs, rs[1:], strict=False):
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


def markdown(report: dict[str, Any]) -> str:
    """Every table of one run, with what was measured and when."""
    meta, runs = report["meta"], report["runs"]
    return "\n\n".join(
        [
            f"Measured {meta['started']} – {meta.get('finished', '(unfinished)')}, commit "
            f"`{meta['commit']}`, {meta['cpus']} CPUs, load average at start "
            f"{', '.join(f'{x:.1f}' for x in meta['loadavg_at_start'])}.",
            "Seconds per command and analysis step:\n\n" + time_table(runs),
            "Peak memory, MiB (PSS of the command's process tree):\n\n" + memory_table(runs),
            "Rows in and out:\n\n" + rows_table(runs),
            "Findings against the synthetic truth:\n\n" + findings_table(runs),
            "Growth exponent k (time ∝ messages^k) between consecutive scales:\n\n"
            + growth_table(runs),
        ]
    )


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "out/scale/scale.json"
    print(markdown(json.loads(path.read_text())))
