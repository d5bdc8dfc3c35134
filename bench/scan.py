"""The baseline: a plain DuckDB scan (count of rows) of every file a delivery manifest lists.

    .venv/bin/python bench/scan.py DATA      # prints {"rows": N, "seconds": S}

Run as its own process by bench/scale.py so its time and memory are measured alone.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb  # noqa: TID251 -- the baseline is DuckDB itself, without Threadline


def scan(data: Path) -> int:
    """Rows in every source of ``data``'s manifest, read the way DuckDB reads any file."""
    con = duckdb.connect()
    rows = 0
    for src in json.loads((data / "manifest.json").read_text())["sources"]:
        if not (data / src["path"]).is_file():  # media folders: files to hash, not rows
            continue
        path = str(data / src["path"]).replace("'", "''")
        if path.endswith(".csv"):
            reader = f"read_csv('{path}', all_varchar=true, header=true, ignore_errors=true)"
        else:
            reader = (
                f"read_json('{path}', format='newline_delimited', records='auto', "
                "ignore_errors=true)"
            )
        rows += con.execute(f"SELECT count(*) FROM {reader}").fetchone()[0]  # type: ignore[index]
    return rows


if __name__ == "__main__":
    started = time.perf_counter()
    n = scan(Path(sys.argv[1]))
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - started}))
