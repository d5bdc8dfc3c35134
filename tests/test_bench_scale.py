"""The scale bench's own parts: process-tree memory, stage timing from output, exponents."""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import procmem
import scale
import scale_report

# A parent that starts a child holding 300 MiB (touched, so resident), then prints stage lines.
TREE = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"])
print("stage resolve ...", flush=True)
time.sleep(0.6)
print("stage graph ...", file=sys.stderr, flush=True)
child.wait()
print("stage graph ...", flush=True)  # a repeated line of the same step is not a new pass
time.sleep(0.3)
print("stage signals ...", flush=True)
print("stage relink ...", flush=True)
print("stage graph ...", flush=True)
"""


def test_memory_of_the_whole_tree_and_stage_passes() -> None:
    r = procmem.run([sys.executable, "-c", TREE], every=0.05)
    assert r.ok, r.stderr
    assert r.peak() > 300  # the child's memory counts toward its parent's tree
    stages = scale.analysis_stages(r)
    names = [(s["stage"], s["pass"]) for s in stages]
    assert names == [
        ("open", 1),
        ("resolve", 1),
        ("graph", 1),
        ("signals", 1),
        ("relink", 1),
        ("graph", 2),
    ]
    graph = stages[2]
    assert graph["seconds"] >= 0.8  # from its first line to the signals line, not the repeat
    assert graph["peak_mib"] > 300 or stages[1]["peak_mib"] > 300


def test_a_failing_command_marks_its_last_stage() -> None:
    code = "import sys; print('stage resolve ...', flush=True); sys.exit(6)"
    r = procmem.run([sys.executable, "-c", code])
    stages = scale.analysis_stages(r)
    assert r.returncode == 6
    assert stages[-1]["stage"] == "resolve"
    assert stages[-1]["failed"] == 6


def test_growth_exponent_of_each_step() -> None:
    def run(scale_name: str, messages: int, graph_s: float) -> dict[str, object]:
        return {
            "scale": scale_name,
            "seed": 7,
            "engine": "duckdb",
            "messages": messages,
            "steps": [
                {
                    "step": "analyze",
                    "exit": 0,
                    "seconds": graph_s,
                    "stages": [{"stage": "graph", "pass": 2, "seconds": graph_s}],
                }
            ],
        }

    # 10x the messages, 100x the time: quadratic
    table = scale_report.growth_table([run("medium", 1_000, 1.0), run("europol", 10_000, 100.0)])
    row = table.splitlines()[-1].split("|")
    cols = table.splitlines()[0].split("|")
    assert float(row[cols.index(" graph 2 ")]) == math.log(100) / math.log(10)
    assert row[cols.index(" graph 1 ")].strip() == ""  # not measured, not guessed


def test_cpu_of_the_whole_tree() -> None:
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.8: pass"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}], check=True)"
    r = procmem.run([sys.executable, "-c", parent], every=0.05)
    assert r.ok, r.stderr
    assert r.cpu_seconds >= 0.8  # the grandchild's CPU, reaped by its parent, counts
    assert r.cpu() >= 0.5  # and the samples of the live tree saw it while it ran
