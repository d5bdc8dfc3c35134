"""Run a command and sample the memory of its whole process tree, with timed output lines.

Memory is PSS (proportional set size, from /proc/PID/smaps_rollup) summed over the process
and all its descendants (Spark's JVM and Python workers): pages shared between forked
processes are counted once, not once per process, which plain RSS would do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    return kids


def tree_pss_mib(root: int) -> float:
    """PSS of ``root`` and every descendant, in MiB (0 once the tree is gone)."""
    kids, todo, total = _children(), [root], 0
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        try:
            with Path(f"/proc/{pid}/smaps_rollup").open() as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total / 1024


@dataclass
class Run:
    """One finished command: exit code, wall seconds, memory samples and timed output."""

    argv: list[str]
    returncode: int
    seconds: float
    samples: list[tuple[float, float]] = field(default_factory=list)  # (t, MiB)
    lines: list[tuple[float, str]] = field(default_factory=list)  # (t, stdout line)
    err_lines: list[tuple[float, str]] = field(default_factory=list)  # (t, stderr line)
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """Whether the command exited 0."""
        return self.returncode == 0

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        """Peak MiB sampled between ``start`` and ``end`` seconds after the launch."""
        inside = [m for t, m in self.samples if start <= t <= end]
        return max(inside, default=0.0)

    def tail(self, n: int = 2000) -> str:
        """The end of stderr, to say why a command failed."""
        return self.stderr[-n:]


def run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    every: float = 0.1,
    timeout: float | None = None,
) -> Run:
    """Run ``argv``, sampling its tree's memory every ``every`` s and timing each output line."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,  # its own process group: a timeout ends the JVM too
    )
    result = Run(list(argv), 0, 0.0)
    killed = ""
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            result.samples.append((time.perf_counter() - started, tree_pss_mib(proc.pid)))
            done.wait(every)

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            result.lines.append((time.perf_counter() - started, line.rstrip("\n")))

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            result.err_lines.append((time.perf_counter() - started, line.rstrip("\n")))

    threads = [threading.Thread(target=f, daemon=True) for f in (sample, read_out, read_err)]
    for t in threads:
        t.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = f"[bench] killed after the {timeout:.0f} s timeout"
    result.seconds = time.perf_counter() - started
    done.set()
    for t in threads:
        t.join()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    result.returncode = proc.returncode
    result.stderr = "\n".join([*(line for _, line in result.err_lines), killed])
    return result
