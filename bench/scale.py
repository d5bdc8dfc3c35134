"""The scaling curve: ingest + full analysis per scale and engine, time and peak memory per stage.

For each synthetic scale, in the same run and on the same files: a plain DuckDB scan of the
delivery (the baseline), Threadline on DuckDB, and Threadline on Spark in local mode. Each
runs in its own child process, which samples the memory (PSS) of itself and its
children (Spark's JVM and Python workers) every 50 ms; peaks are per stage. Prints a
Markdown table (paste it into docs/scaling.md) and writes the raw figures as JSON.

    .venv/bin/python bench/scale.py                       # duckdb tiny..medium, spark tiny..small
    .venv/bin/python bench/scale.py --duckdb tiny,small,medium,europol --spark none
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out" / "scale"

# Memory (PSS) of this process and all its descendants (the JVM under PySpark), in MiB.
SAMPLER = r"""
import os, threading, time

def _children():
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return kids

def tree_rss():
    kids, todo, total = _children(), [os.getpid()], 0
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        try:  # PSS: pages shared with forked workers are counted once, not per process
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024

class Stages:
    def __init__(self):
        self.rows, self.name, self.t, self.peak = [], None, 0.0, 0.0
        threading.Thread(target=self._sample, daemon=True).start()
    def _sample(self):
        while True:
            self.peak = max(self.peak, tree_rss())
            time.sleep(0.05)
    def mark(self, name):
        now = time.perf_counter()
        if self.name:
            self.peak = max(self.peak, tree_rss())
            self.rows.append({"stage": self.name, "seconds": now - self.t, "peak_mb": self.peak})
        self.name, self.t, self.peak = name, now, tree_rss()
"""

BASELINE = (
    SAMPLER
    + r"""
import json, sys, duckdb
data = sys.argv[1]
s = Stages()
s.mark("scan")
con = duckdb.connect()
rows = 0
for src in json.load(open(f"{data}/manifest.json"))["sources"]:
    path = f"{data}/{src['path']}"
    if path.endswith(".csv"):
        reader = f"read_csv('{path}', all_varchar=true, header=true, ignore_errors=true)"
    else:
        reader = (f"read_json('{path}', format='newline_delimited', records='auto', "
                  "ignore_errors=true)")
    rows += con.execute(f"SELECT count(*) FROM {reader}").fetchone()[0]
s.mark(None)
print(json.dumps({"stages": s.rows, "rows": rows}))
"""
)

PIPELINE = (
    SAMPLER
    + r"""
import json, sys
from pathlib import Path
s = Stages()
s.mark("start")
from threadline import Case

engine, data, case_dir, master = sys.argv[1:5]
case = Case.init(case_dir, engine=engine, spark_master=master)
s.mark("ingest")
case.ingest_manifest(Path(data) / "manifest.json")
case.analyze(on_stage=s.mark)
s.mark("export")
case.export(Path(case_dir).parent / "export")
counts = case.status().counts
s.mark(None)
case.close()
print(json.dumps({"stages": s.rows, "counts": counts}))
"""
)


def child(code: str, *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:  # a negative code is a signal: -9 is the kernel's OOM killer
        raise SystemExit(f"child failed ({args}), exit {done.returncode}:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    return result


def generate(scale: str, seed: int) -> Path:
    from threadline.synth import generate as synth

    data = OUT / "data" / f"{scale}-{seed}"
    if not (data / "manifest.json").is_file():
        print(f"generating {scale} (seed {seed}) ...", flush=True)
        synth(data, scale=scale, seed=seed)
    return data


def measure(engine: str, scale: str, data: Path, master: str) -> dict[str, Any]:
    import shutil

    where = OUT / "runs" / f"{scale}-{engine}"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    if engine == "scan":
        return child(BASELINE, str(data))
    return child(PIPELINE, engine, str(data), str(where / "case"), master)


def total(result: dict[str, Any], skip: tuple[str, ...] = ("start",)) -> float:
    return sum(r["seconds"] for r in result["stages"] if r["stage"] not in skip)


def peak(result: dict[str, Any]) -> float:
    return max(r["peak_mb"] for r in result["stages"])


def table(results: list[dict[str, Any]]) -> str:
    stages = ("ingest", "resolve", "graph", "signals", "score", "media", "export")
    head = (
        "| scale | messages | engine | " + " | ".join(stages) + " | total s | peak MiB "
        "| x scan | x duckdb |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        by = {s["stage"]: s for s in r["result"]["stages"]}
        cells = [f"{by[s]['seconds']:.1f}" if s in by else "" for s in stages]
        lines.append(
            f"| {r['scale']} | {r['messages']:,} | {r['engine']} | "
            + " | ".join(cells)
            + f" | {r['total']:.1f} | {r['peak']:,.0f} | {r['x_scan']:.1f} | "
            + (f"{r['x_duckdb']:.1f} |" if r.get("x_duckdb") else "1.0 |")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", default="tiny,small,medium", help="scales on DuckDB")
    parser.add_argument("--spark", default="tiny,small", help="scales on Spark ('none')")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    on_duck = [s for s in args.duckdb.split(",") if s and s != "none"]
    on_spark = [s for s in args.spark.split(",") if s and s != "none"]
    results: list[dict[str, Any]] = []
    for scale in dict.fromkeys(on_duck + on_spark):
        data = generate(scale, args.seed)
        messages = json.loads((data / "manifest.json").read_text()).get("rows", {})
        scan = measure("scan", scale, data, args.master)
        scan_s = total(scan)
        duck_s = None
        for engine in ("duckdb", "spark"):
            if scale not in (on_duck if engine == "duckdb" else on_spark):
                continue
            print(f"{scale} on {engine} ...", flush=True)
            res = measure(engine, scale, data, args.master)
            took = total(res)
            duck_s = took if engine == "duckdb" else duck_s
            n = res["counts"].get("messages", messages.get("messages", 0))
            row = {
                "scale": scale,
                "engine": engine,
                "messages": int(n),
                "result": res,
                "total": took,
                "peak": peak(res),
                "scan_seconds": scan_s,
                "x_scan": took / scan_s,
                "x_duckdb": took / duck_s if engine == "spark" and duck_s else None,
            }
            results.append(row)
            (OUT / "scale.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
            print(
                f"  {took:.1f} s (scan {scan_s:.2f} s, x{row['x_scan']:.0f}), "
                f"peak {row['peak']:,.0f} MiB",
                flush=True,
            )
    (OUT / "scale.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    print()
    print(table(results))


if __name__ == "__main__":
    main()
