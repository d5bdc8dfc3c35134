"""Ingest throughput: `threadline ingest` of N canonical message rows vs a plain DuckDB read.

Both run in their own child process on the same file in the same run; the script prints the
wall time of each, the ratio (goal: ingest <= 1.5x the plain read) and peak memory (maxrss).

    .venv/bin/python bench/ingest.py --rows 3000000

Or, on a delivery (``threadline synth``), the plain scan of its files (bench/scan.py) against
``threadline ingest`` of its canonical files alone (seized media folders are hashed, not
scanned, so the scan has nothing to compare them with) and of the whole manifest, with CPU
seconds beside wall time (a loaded machine inflates wall time, much less CPU time):

    .venv/bin/python bench/ingest.py --data /tmp/q_medium
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb  # noqa: TID251 - the baseline is DuckDB itself

# Each child times only the load itself and reports its own peak memory.
BASELINE = """
import duckdb, json, resource, sys, time
con = duckdb.connect(sys.argv[2])
t = time.perf_counter()
con.execute(f"CREATE TABLE m AS SELECT * FROM read_csv('{sys.argv[1]}', header=true)")
n = con.execute("SELECT count(*) FROM m").fetchone()[0]
print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n]))
"""
THREADLINE = """
import json, resource, sys, time
from threadline import Case
with Case.init(sys.argv[2]) as case:
    t = time.perf_counter()
    (r,) = case.ingest("messages", [sys.argv[1]], agency="bench", seizure="bench")
    took = time.perf_counter() - t
print(json.dumps([took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, r.stored]))
"""


# Ingest the manifest's entries (optionally without its media folders) in one process.
DELIVERY = """
import json, resource, sys, time
from pathlib import Path
from threadline import Case
data, media = Path(sys.argv[1]), sys.argv[3] == "1"
spec = json.loads((data / "manifest.json").read_text())
if not media:
    spec["sources"] = [s for s in spec["sources"] if (data / s["path"]).is_file()]
manifest = Path(sys.argv[2] + ".manifest.json")
manifest.write_text(json.dumps(
    {**spec, "sources": [{**s, "path": str(data / s["path"])} for s in spec["sources"]]}
))
def children():  # media hashing runs in worker processes
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
with Case.init(sys.argv[2]) as case:
    t, c, k = time.perf_counter(), time.process_time(), children()
    reports = case.ingest_manifest(manifest)
    took, cpu = time.perf_counter() - t, time.process_time() - c + children() - k
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([took, rss, sum(r.rows_read for r in reports), cpu]))
"""
SCAN = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from scan import scan
t, c = time.perf_counter(), time.process_time()
n = scan(__import__("pathlib").Path(sys.argv[1]))
took, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps([took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n, cpu]))
"""


def delivery(data: Path) -> dict[str, object]:
    """Plain scan, canonical-file ingest and whole-manifest ingest of one delivery."""
    here = str(Path(__file__).parent)
    out: dict[str, object] = {"data": str(data)}
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent.parent) as tmp:
        runs = {
            "scan": (SCAN, str(data), here),
            "ingest_canonical": (DELIVERY, str(data), str(Path(tmp) / "a"), "0"),
            "ingest_manifest": (DELIVERY, str(data), str(Path(tmp) / "b"), "1"),
        }
        for name, (code, *args) in runs.items():
            done = subprocess.run(
                [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
            )
            seconds, rss_kb, rows, cpu = json.loads(done.stdout.strip().splitlines()[-1])
            out[name] = {
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu, 2),
                "rows": rows,
                "peak_rss_mb": round(rss_kb / 1024),
            }
    scan_s = out["scan"]["seconds"]  # type: ignore[index]
    scan_cpu = out["scan"]["cpu_s"]  # type: ignore[index]
    for name in ("ingest_canonical", "ingest_manifest"):
        run = out[name]
        run["x_scan"] = round(run["seconds"] / scan_s, 1)  # type: ignore[index]
        run["x_scan_cpu"] = round(run["cpu_s"] / scan_cpu, 1)  # type: ignore[index]
    return out


def make_file(path: Path, rows: int) -> None:
    """Synthetic neutral chat rows, written by DuckDB (fast, deterministic)."""
    con = duckdb.connect()
    con.execute(
        f"""COPY (
          SELECT 'chatapp' AS platform, 'm' || i AS message_id,
                 strftime(TIMESTAMP '2012-06-01' + to_seconds(i * 37), '%Y-%m-%dT%H:%M:%S')
                   || '+08:00' AS sent_at,
                 'user' || (i % 12000) AS sender, 'seller' || (i % 100) AS recipient,
                 CASE i % 4 WHEN 0 THEN 'hello, how are you?' WHEN 1 THEN 'ready? [LIVE]'
                      WHEN 2 THEN 'send first [PRICE]' ELSE 'ok "thanks"' END AS text,
                 'c' || (i % 50000) AS conversation_id
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')"""
    )


def timed(code: str, *args: str) -> tuple[float, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    seconds, maxrss_kb, rows = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), int(maxrss_kb), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--data", type=Path, help="a delivery (manifest.json) to ingest")
    args = parser.parse_args()
    if args.data:
        print(json.dumps(delivery(args.data), indent=2))
        return
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent.parent) as tmp:
        csv = Path(tmp) / "messages.csv"
        make_file(csv, args.rows)
        size_mb = csv.stat().st_size / 1e6
        # The plain read runs first and last; its best time is the baseline.
        base1, base_mem, base_rows = timed(BASELINE, str(csv), str(Path(tmp) / "a.duckdb"))
        ours, our_mem, our_rows = timed(THREADLINE, str(csv), str(Path(tmp) / "case"))
        base2, _, _ = timed(BASELINE, str(csv), str(Path(tmp) / "b.duckdb"))
        base = min(base1, base2)
    result = {
        "rows": args.rows,
        "file_mb": round(size_mb, 1),
        "plain_read_csv_s": round(base, 2),
        "threadline_ingest_s": round(ours, 2),
        "ratio": round(ours / base, 2),
        "goal_ratio": 1.5,
        "rows_stored": our_rows,
        "baseline_rows": base_rows,
        "plain_peak_rss_mb": round(base_mem / 1024),
        "threadline_peak_rss_mb": round(our_mem / 1024),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
