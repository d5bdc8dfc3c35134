"""Fuzz every parser with hostile mutations of real sample files; report crashes (goal: 0).

For each parser (canonical CSV and JSON Lines ingest into a real DuckDB case; WhatsApp,
Telegram, Discord, VICS and mapped-table parsing), the hostile corpus under
``tests/data/hostile`` runs as it is, then ``--inputs`` mutations (seeded, printed) of the
sample files and the corpus (``tests/fuzzing.py``: inserted quotes, line endings, NUL,
invalid UTF-8, duplicate keys, odd numbers and times, cut files, random bytes). A crash is
an exception Threadline did not mean to raise, an engine's error text shown to the analyst,
a refusal that does not name the file, or counts that do not add up. Crashing inputs are
kept under ``bench/out/fuzz-crashes/``. The baseline, measured in the same run, is the
parser's speed on the unmutated seeds.

    .venv/bin/python bench/fuzz.py --inputs 10000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the harness lives with the tests

from tests.fuzzing import Crash, Target, mutate, seed_name, targets  # noqa: E402

from threadline import Case  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz-crashes"


def fuzz(target: Target, inputs: int, seed: int) -> dict[str, float]:
    """Run the corpus and ``inputs`` mutations through one parser; return its figures."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible test inputs, not secrets
    seeds = target.seed_bytes()
    outcomes: Counter[str] = Counter()
    crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        case = Case.init(folder / "case") if target.needs_case else None
        try:
            started = time.perf_counter()
            for i, (path, data) in enumerate(seeds):
                f = folder / seed_name(path, -1 - i, target.suffix)
                f.write_bytes(data)
                crashes += _one(target, f, path, case, outcomes, f"corpus {path.name}")
            baseline = (time.perf_counter() - started) / max(len(seeds), 1)
            started = time.perf_counter()
            for n in range(inputs):
                path, data = rnd.choice(seeds)
                f = folder / seed_name(path, n, target.suffix)
                f.write_bytes(mutate(data, rnd))
                crashes += _one(target, f, path, case, outcomes, f"input {n} from {path.name}")
                f.unlink()
            per_input = (time.perf_counter() - started) / max(inputs, 1)
        finally:
            if case is not None:
                case.close()
    return {
        "inputs": inputs + len(seeds),
        "crashes": crashes,
        "stored": outcomes["stored"],
        "quarantined": outcomes["quarantined"],
        "refused": outcomes["refused"],
        "ms_per_input": per_input * 1000,
        "ratio_to_seeds": per_input / baseline if baseline else 0.0,
    }


def _one(
    target: Target, f: Path, seed: Path, case: Case | None, outcomes: Counter[str], what: str
) -> int:
    try:
        outcome = target.run(f, seed, case)
    except Crash as exc:
        OUT.mkdir(parents=True, exist_ok=True)
        kept = OUT / f"{target.name}-{f.name}"
        kept.write_bytes(f.read_bytes())
        print(f"  CRASH {target.name} {what}: {str(exc)[:400]} (kept as {kept})", flush=True)
        return 1
    if outcome.refused:
        outcomes["refused"] += 1
    else:
        outcomes["stored" if outcome.stored else "quarantined"] += 1
    return 0


def main() -> int:
    """Fuzz the chosen parsers; exit 1 when any input crashed one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="mutations per parser")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parsers", nargs="*", help="default: all")
    args = parser.parse_args()
    chosen = targets()
    names = args.parsers or list(chosen)
    print(f"fuzz: {args.inputs} mutated inputs per parser, seed {args.seed}", flush=True)
    total = 0
    for name in names:
        r = fuzz(chosen[name], args.inputs, args.seed)
        total += int(r["crashes"])
        print(
            f"{name:9} inputs {r['inputs']:6.0f}  crashes {r['crashes']:.0f}  "
            f"(files with a stored row {r['stored']:.0f}, only quarantine {r['quarantined']:.0f}, "
            f"refused whole {r['refused']:.0f})  {r['ms_per_input']:.1f} ms/input, "
            f"{r['ratio_to_seeds']:.2f}x the unmutated seeds",
            flush=True,
        )
    print(f"crashes: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
