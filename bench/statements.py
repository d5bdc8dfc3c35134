"""How many SQL statements each analysis step sends to the engine (not counting Splink's own).

    .venv/bin/python bench/statements.py --scale tiny --seed 7

On Spark each statement is at least one job with a fixed cost of planning and scheduling,
so this count, with the Spark times of two scales, splits a step's time into a fixed part
and a part that grows with the data (docs/scaling.md). Counts the outermost engine calls
(``execute``, ``query``, ``query_dicts``, ``query_arrow``, ``iter_batches``) of a DuckDB
case, in this process; the statements are the same on both engines.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from threadline import Case
from truth import args

CALLS = ("execute", "query", "query_dicts", "query_arrow", "iter_batches")


def count_statements(case: Case) -> list[dict[str, Any]]:
    """Analyse ``case`` and count the engine calls of each step, in pipeline order."""
    steps: list[dict[str, Any]] = []
    depth = [0]
    engine = case.engine

    def counted(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(*a: Any, **k: Any) -> Any:
            if depth[0] == 0 and steps:
                steps[-1]["statements"] += 1
            depth[0] += 1
            try:
                return method(*a, **k)
            finally:
                depth[0] -= 1

        return wrapper

    for name in CALLS:
        setattr(engine, name, counted(getattr(engine, name)))
    passes: dict[str, int] = {}

    def on_stage(name: str) -> None:
        passes[name] = passes.get(name, 0) + 1
        steps.append({"stage": name, "pass": passes[name], "statements": 0})

    case.analyze(on_stage=on_stage)
    return steps


def main() -> None:
    opts = args(__doc__)
    from threadline.synth import generate

    kept = Path(__file__).parent / "out" / "scale" / "data" / f"{opts.scale}-{opts.seed}"
    with tempfile.TemporaryDirectory() as tmp:
        data = kept if (kept / "manifest.json").is_file() else Path(tmp) / "data"
        if data != kept:
            generate(data, scale=opts.scale, seed=opts.seed)
        with Case.init(Path(tmp) / "case") as case:
            case.ingest_manifest(data / "manifest.json")
            steps = count_statements(case)
    print(json.dumps({"scale": opts.scale, "seed": opts.seed, "steps": steps}))


if __name__ == "__main__":
    main()
