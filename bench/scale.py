"""The scale bench (``make bench-scale``): synth, CLI ingest, analyze, export, findings, per scale.

For each scale and seed: ``threadline synth`` (kept under bench/out/scale/data for reuse), a
plain DuckDB scan of the same files (the baseline, bench/scan.py), then through the command
line ``threadline init``, ``ingest CASE --manifest``, ``analyze`` and ``export --format
json``, each its own process whose tree's memory (PSS) and CPU are sampled from /proc
every 0.1 s.
Analysis stages are timed by the ``stage NAME`` lines ``analyze`` prints as each step starts
(graph and signals run twice, both passes are reported). Then bench/metrics.py measures the
findings against the synthetic truth. Prints Markdown tables (for docs/scaling.md), with the
growth exponent of each stage's time between consecutive scales, and writes the raw figures
to bench/out/scale/scale.json.

    .venv/bin/python bench/scale.py                               # small, medium, europol
    .venv/bin/python bench/scale.py --scales small --seeds 7 --engines duckdb,spark
    .venv/bin/python bench/scale.py --scales europol --seeds 7 --data /tmp/europol \\
        --case /tmp/eu_case                     # reuse a delivery and an ingested case (copied)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import procmem
import scale_report
from threadline.pipeline import STEPS

HERE = Path(__file__).parent
OUT = HERE / "out" / "scale"
# "stage graph ..." (older) or "analyze: step 2/8 graph started" (plain progress lines)
STAGE_LINE = re.compile(r"(?:\bstage\W+|\bstep \d+/\d+ )([a-z_]+)")


def threadline(*args: str) -> list[str]:
    """The command line, run by this interpreter (so the tree on PYTHONPATH is measured)."""
    return [sys.executable, "-m", "threadline.cli", *args]


def step(name: str, argv: list[str], timeout: float | None) -> tuple[dict[str, Any], procmem.Run]:
    """Run one command and keep its time, peak memory and exit code."""
    print(f"  {name} ...", end=" ", flush=True)
    r = procmem.run(argv, timeout=timeout)
    rec: dict[str, Any] = {
        "step": name,
        "seconds": round(r.seconds, 2),
        "peak_mib": round(r.peak()),
        "cpu_s": round(r.cpu_seconds, 1),
        "exit": r.returncode,
        "loadavg_1min": round(os.getloadavg()[0], 1),  # other work on the machine, at the end
    }
    if not r.ok:
        rec["error"] = r.tail()
    print(
        f"{r.seconds:.1f} s, {rec['peak_mib']:,} MiB" + ("" if r.ok else f", EXIT {r.returncode}")
    )
    return rec, r


def analysis_stages(r: procmem.Run) -> list[dict[str, Any]]:
    """Each analysis step's time and peak, from the timed ``stage NAME`` lines of ``analyze``."""
    known, marks = set(STEPS), []
    for t, line in sorted(r.lines + r.err_lines):
        m = STAGE_LINE.search(line)
        if m and m.group(1) in known and (not marks or marks[-1][1] != m.group(1)):
            marks.append((t, m.group(1)))
    out, seen = [], {}  # type: ignore[var-annotated]
    for i, (t, name) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else r.seconds
        seen[name] = seen.get(name, 0) + 1
        rec = {
            "stage": name,
            "pass": seen[name],
            "seconds": round(end - t, 2),
            "peak_mib": round(r.peak(t, end)),
            "cpu_s": round(r.cpu(t, end), 1),
        }
        if i + 1 == len(marks) and not r.ok:
            rec["failed"] = r.returncode
        out.append(rec)
    if marks:
        out.insert(0, {"stage": "open", "pass": 1, "seconds": round(marks[0][0], 2)})
    return out


def stages_from_audit(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Step times from the audit log, when ``analyze`` printed no ``stage`` lines (--quiet).

    A step's own recorded duration if the audit has one, else the time since the previous
    step's entry (the first step's start is not in the log, so it is left out).
    """
    out, seen, prev = [], {}, None  # type: ignore[var-annotated]
    for s in summaries:
        at = datetime.fromisoformat(s["at"])
        seen[s["stage"]] = seen.get(s["stage"], 0) + 1
        took = next((s[k] for k in ("seconds", "duration_s", "elapsed_s") if k in s), None)
        if took is None and prev is not None:
            took = (at - prev).total_seconds()
        if took is not None:
            out.append({"stage": s["stage"], "pass": seen[s["stage"]], "seconds": round(took, 2)})
        prev = at
    return out


def synth(scale: str, seed: int, timeout: float | None) -> tuple[Path, dict[str, Any]]:
    """The delivery of ``scale``/``seed``, generated once by ``threadline synth`` and kept."""
    data = OUT / "data" / f"{scale}-{seed}"
    record = OUT / "data" / f"{scale}-{seed}.json"
    if (data / "manifest.json").is_file() and record.is_file():
        return data, {**json.loads(record.read_text()), "cached": True}
    shutil.rmtree(data, ignore_errors=True)
    rec, r = step(
        "synth", threadline("synth", str(data), "--scale", scale, "--seed", str(seed)), timeout
    )
    if not r.ok:
        raise SystemExit(f"synth {scale} {seed} failed:\n{r.tail()}")
    record.write_text(json.dumps(rec) + "\n")
    return data, rec


def scan(data: Path) -> dict[str, Any]:
    """The baseline: a plain DuckDB count of every file of the delivery, in its own process."""
    rec, r = step("scan", [sys.executable, str(HERE / "scan.py"), str(data)], None)
    if r.ok:
        rec["rows"] = json.loads(r.lines[-1][1])["rows"]
    return rec


def case_engine(case: Path) -> str:
    """The engine an existing case was made with."""
    return str(json.loads((case / "case.json").read_text()).get("engine", "duckdb"))


def measure(
    scale: str, seed: int, engine: str, data: Path, existing: Path | None, opts: argparse.Namespace
) -> dict[str, Any]:
    """Ingest (unless a case is given), analyse, export and measure one case."""
    run_dir = OUT / "runs" / f"{scale}-{seed}-{engine}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    case = run_dir / "case"
    master = ["--spark-master", opts.master] if engine == "spark" else []
    result: dict[str, Any] = {"scale": scale, "seed": seed, "engine": engine, "steps": []}
    steps = result["steps"]
    print(f"{scale} seed {seed} on {engine}", flush=True)
    if existing is not None and opts.in_place:
        case = existing
    elif existing is not None:
        shutil.copytree(existing, case)
    if existing is None:
        for name, argv in (
            ("init", threadline(*master, "init", str(case), "--engine", engine)),
            (
                "ingest",
                threadline(*master, "ingest", str(case), "--manifest", str(data / "manifest.json")),
            ),
        ):
            rec, r = step(name, argv, opts.timeout)
            steps.append(rec)
            if not r.ok:
                return finish(result, case, data, master, opts)
    result["case"] = str(case)
    if opts.stop_after == "ingest":
        return finish(result, case, data, master, opts, findings=False)
    rec, r = step("analyze", threadline(*master, "analyze", str(case)), opts.timeout)
    rec["stages"] = analysis_stages(r)
    steps.append(rec)
    if not r.ok:
        return finish(result, case, data, master, opts, findings=False)
    if opts.stop_after != "analyze":
        export = run_dir / "export"
        argv = threadline(*master, "export", str(case), "--format", "json", "--out", str(export))
        steps.append(step("export", argv, opts.timeout)[0])
        shutil.rmtree(export, ignore_errors=True)
    return finish(result, case, data, master, opts)


def finish(
    result: dict[str, Any],
    case: Path,
    data: Path,
    master: list[str],
    opts: argparse.Namespace,
    findings: bool = True,
) -> dict[str, Any]:
    """Count rows and measure the findings of whatever the case holds, then tidy up."""
    if (case / "case.json").is_file():
        argv = [sys.executable, str(HERE / "metrics.py"), str(case)]
        argv += [str(data)] if findings and (data / "truth").is_dir() else []
        argv += ["--spark-master", opts.master] if master else []
        print("  metrics ...", end=" ", flush=True)
        r = procmem.run(argv, timeout=opts.timeout)
        print(f"{r.seconds:.1f} s", flush=True)
        if r.ok and r.lines:
            result.update(json.loads(r.lines[-1][1]))
        else:
            result["metrics_error"] = r.tail()
    analyze = next((s for s in result["steps"] if s["step"] == "analyze"), None)
    if analyze is not None and not analyze.get("stages"):
        analyze["stages"] = stages_from_audit(result.get("step_summaries", []))
    counts = result.get("counts", {}).get("ingest", {})
    result["messages"] = counts.get("messages")
    if not opts.keep and not (opts.in_place and str(case) == str(opts.case)):
        shutil.rmtree(case.parent, ignore_errors=True)
    return result


def commit() -> str:
    """The last commit of the measured source tree (``+dirty`` if it has local changes)."""
    src = Path(__import__("threadline").__file__).parent
    git = ["git", "-C", str(src)]
    last = subprocess.run(
        [*git, "log", "-1", "--format=%h", "--", "."], capture_output=True, text=True
    )
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
    )
    return last.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def parse() -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--scales", default="small,medium,europol", help="comma-separated scales")
    p.add_argument("--seeds", default="7,8", help="comma-separated seeds, each scale")
    p.add_argument("--one-seed", default="europol", help="scales run with the first seed only")
    p.add_argument("--engines", default="duckdb,spark", help="engines to run")
    p.add_argument("--spark-scales", default="small", help="scales also run on Spark")
    p.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    p.add_argument("--data", type=Path, help="an existing delivery (one scale and seed)")
    p.add_argument("--case", type=Path, help="an existing ingested case: skips init and ingest")
    p.add_argument("--in-place", action="store_true", help="analyse --case itself, not a copy")
    p.add_argument("--stop-after", choices=("ingest", "analyze", "export"), default="export")
    p.add_argument("--timeout", type=float, help="seconds allowed to each command")
    p.add_argument("--keep", action="store_true", help="keep the cases under bench/out/scale/runs")
    p.add_argument("--out", type=Path, default=OUT / "scale.json", help="JSON of every run")
    return p.parse_args()


def main() -> None:
    opts = parse()
    scales = [s for s in opts.scales.replace(" ", ",").split(",") if s]
    seeds = [int(s) for s in opts.seeds.replace(" ", ",").split(",") if s]
    engines = [e for e in opts.engines.replace(" ", ",").split(",") if e]
    spark_scales = set(opts.spark_scales.replace(" ", ",").split(","))
    one_seed = set(opts.one_seed.replace(" ", ",").split(","))
    if (opts.data or opts.case) and (len(scales) != 1 or len(seeds) != 1):
        raise SystemExit("--data and --case name one delivery: give one scale and one seed")
    if opts.case and not opts.data:
        raise SystemExit("--case needs --data too: the delivery holds the truth to measure against")
    if opts.case:
        engines = [case_engine(opts.case)]
    meta = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "loadavg_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
        "memory_limit": os.environ.get("THREADLINE_MEMORY_LIMIT", "default"),
    }
    runs: list[dict[str, Any]] = []
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    for scale in scales:
        for seed in seeds[:1] if scale in one_seed else seeds:
            if opts.data:
                data, synth_rec = opts.data, {"step": "synth", "given": str(opts.data)}
            else:
                print(f"{scale} seed {seed}: data", flush=True)
                data, synth_rec = synth(scale, seed, opts.timeout)
            scan_rec = scan(data)
            for engine in engines:
                if engine == "spark" and scale not in spark_scales and not opts.case:
                    continue
                started = time.perf_counter()
                res = measure(scale, seed, engine, data, opts.case, opts)
                res.update(synth=synth_rec, scan=scan_rec, data=str(data))
                res["wall"] = round(time.perf_counter() - started, 1)
                runs.append(res)
                opts.out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, default=str))
    meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    opts.out.write_text(json.dumps({"meta": meta, "runs": runs}, indent=1, default=str) + "\n")
    print()
    print(scale_report.markdown([{"meta": meta, "runs": runs}]))


if __name__ == "__main__":
    main()
