"""Benchmark the synthetic data generator.

Prints, for ``medium`` (or the scales given), the generation time, the peak memory of the
generating process (ru_maxrss of a child process) and rows per kind, with two ratios
measured in the same run:

- against a baseline that writes the same number of message rows with plain numpy and
  pyarrow.csv (the floor any generator of that much text pays), and
- the time per row against ``small`` (1.0 means the generator scales linearly).

Usage: ``python bench/synth.py [--scale medium] [--scale europol] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "synth"

_GENERATE = """
import json, resource, sys, time
from threadline.synth import generate
t0 = time.perf_counter()
s = generate(sys.argv[1], sys.argv[2], int(sys.argv[3]))
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "rows": s.rows}))
"""

_BASELINE = """
import json, resource, sys, time
import numpy as np, pyarrow as pa, pyarrow.csv as pcsv
n, path = int(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
rng = np.random.default_rng(0)
chunk = 1_000_000
with pcsv.CSVWriter(path, pa.schema([(c, pa.string()) for c in "abcdef"])) as w:
    for lo in range(0, n, chunk):
        k = min(chunk, n - lo)
        cols = [pa.array(rng.integers(0, 2**62, k)).cast(pa.string()) for _ in range(6)]
        w.write_table(pa.table(cols, names=list("abcdef")))
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak}))
"""


def _child(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def generate(scale: str, seed: int) -> dict[str, object]:
    out = OUT / scale
    shutil.rmtree(out, ignore_errors=True)
    result = _child(_GENERATE, str(out), scale, str(seed))
    result["bytes"] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", help="scale(s) to measure (default: medium)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    scales = args.scale or ["medium"]
    OUT.mkdir(parents=True, exist_ok=True)
    ref = generate("small", args.seed)
    ref_rows = sum(ref["rows"].values())  # type: ignore[union-attr]
    ref_per_row = float(ref["seconds"]) / ref_rows  # type: ignore[arg-type]
    print(f"small     {ref['seconds']:.2f} s for {ref_rows:,} rows (reference for scaling)")
    for scale in scales:
        r = generate(scale, args.seed)
        rows: dict[str, int] = r["rows"]  # type: ignore[assignment]
        total = sum(rows.values())
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        base = _child(_BASELINE, str(rows["messages"]), str(OUT / "baseline.csv"))
        base_s = float(base["seconds"])  # type: ignore[arg-type]
        print(
            f"{scale:<9} {seconds:.1f} s, peak {int(r['peak_bytes']) / 2**30:.2f} GiB, "
            f"{int(r['bytes']) / 2**30:.2f} GiB written"
        )
        print("          " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        print(
            f"          baseline: plain numpy+pyarrow.csv write of {rows['messages']:,} rows "
            f"x 6 columns {base_s:.1f} s -> ratio {seconds / base_s:.1f}x"
        )
        print(f"          time per row vs small: {seconds / total / ref_per_row:.2f}x")
        if not args.keep:
            shutil.rmtree(OUT / scale, ignore_errors=True)
    (OUT / "baseline.csv").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
