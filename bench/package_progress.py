"""Benchmark what reporting progress costs a referral package build.

The same country's package is built from a copy of a case (a build appends to the audit
log) several times, alternating a build with a progress callback (the workbench's: it keeps
the latest report) and one without, the baseline measured in the same run. Prints the
median and fastest seconds of each; their ratio (of the medians, of the CPU seconds, and the
median ratio of back-to-back pairs); how many reports a build made; and, free of the
machine's noise, what that many reports cost alone (the same ticks, timed).

Usage: ``python bench/package_progress.py CASE [--country AU] [--runs 5]``
(``make demo`` writes the demo case to ``demo/case``.)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from threadline import Case  # noqa: E402
from threadline.share.package import BUILD_STEPS, build_package  # noqa: E402
from threadline.share.progress import BuildProgress, Steps  # noqa: E402


class Latest:
    """Keeps the latest report, as the workbench's package job does."""

    def __init__(self) -> None:
        self.last: BuildProgress | None = None
        self.calls = 0

    def __call__(self, p: BuildProgress) -> None:
        self.last = p
        self.calls += 1


def main() -> None:
    """Build the package ``--runs`` times with and without a callback; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("--country", default="AU")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    timed: dict[str, list[float]] = {"with": [], "without": []}
    # CPU seconds of this process too: the machine is shared, and wall time swings with load
    cpu: dict[str, list[float]] = {"with": [], "without": []}
    calls = 0
    with tempfile.TemporaryDirectory() as tmp:
        case_dir = Path(shutil.copytree(args.case, Path(tmp) / "case"))
        with Case.open(case_dir) as case:
            build_package(case, args.country, Path(tmp) / "warm-up")  # fonts, imports, cache
            for i in range(args.runs):
                # alternate which goes first, so a drift in machine load hits both alike
                order = ("with", "without") if i % 2 == 0 else ("without", "with")
                for kind in order:
                    hear = Latest() if kind == "with" else None
                    began, began_cpu = time.perf_counter(), time.process_time()
                    build_package(case, args.country, Path(tmp) / f"{kind}-{i}", progress=hear)
                    timed[kind].append(time.perf_counter() - began)
                    cpu[kind].append(time.process_time() - began_cpu)
                    if hear is not None:
                        calls = hear.calls
    med = {k: statistics.median(v) for k, v in timed.items()}
    for kind in ("without", "with"):
        v = timed[kind]
        print(
            f"{kind:>7} callback: median {med[kind]:.3f} s, fastest {min(v):.3f} s "
            f"over {len(v)} builds ({', '.join(f'{x:.3f}' for x in v)}); "
            f"CPU median {statistics.median(cpu[kind]):.3f} s"
        )
    print(f"progress reports per build: {calls}")
    tick, hear = Steps(BUILD_STEPS, Latest()).next(BUILD_STEPS[0][0]), 10_000
    began = time.perf_counter()
    for i in range(hear):
        tick(i, hear)
    each = (time.perf_counter() - began) / hear
    print(
        f"one report costs {each * 1e6:.2f} µs: {calls * each * 1e3:.3f} ms a build, "
        f"{100 * calls * each / med['without']:.4f} % of its median"
    )
    print(f"ratio with/without (median): {med['with'] / med['without']:.3f}")
    # each pair ran back to back, so its ratio cancels a load that drifts over the run
    pairs = [w / wo for w, wo in zip(timed["with"], timed["without"], strict=True)]
    print(
        f"ratio with/without (median of {len(pairs)} back-to-back pairs): "
        f"{statistics.median(pairs):.3f}"
    )
    c = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"ratio with/without (median CPU seconds): {c['with'] / c['without']:.3f}")


if __name__ == "__main__":
    main()
