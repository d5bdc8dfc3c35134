"""Ingest throughput: `threadline ingest` of N canonical message rows vs a plain DuckDB read.

Both run in their own child process on the same file in the same run; the script prints the
wall time of each, the ratio (goal: ingest <= 1.5x the plain read) and peak memory (maxrss).

    .venv/bin/python bench/ingest.py --rows 3000000
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
    args = parser.parse_args()
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
