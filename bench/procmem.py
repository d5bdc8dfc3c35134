"""Run a command and sample the memory and CPU of its whole process tree, with timed output.

Memory is PSS (proportional set size, from /proc/PID/smaps_rollup) summed over the process
and all its descendants (Spark's JVM and Python workers): pages shared between forked
processes are counted once, not once per process, which plain RSS would do.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> tuple[dict[int, list[int]], dict[int, float]]:
    """Children of every process, and each one's CPU seconds (its own and its reaped children's)."""
    kids: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                ppid = int(fields[1])
                cpu[int(d.name)] = sum(int(x) for x in fields[11:15]) / TICK
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d.name))
    return kids, cpu


def tree_usage(root: int) -> tuple[float, float]:
    """PSS in MiB and CPU seconds of ``root`` and every descendant (0 once the tree is gone)."""
    (kids, cpu), todo, total, used = _processes(), [root], 0, 0.0
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        used += cpu.get(pid, 0.0)
        try:
            with Path(f"/proc/{pid}/smaps_rollup").open() as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total / 1024, used


def tree_pss_mib(root: int) -> float:
    """PSS of ``root`` and every descendant, in MiB (0 once the tree is gone)."""
    return tree_usage(root)[0]


@dataclass
class Run:
    """One finished command: exit code, wall seconds, memory samples and timed output."""

    argv: list[str]
    returncode: int
    seconds: float
    samples: list[tuple[float, float]] = field(default_factory=list)  # (t, MiB)
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)  # (t, CPU s so far)
    cpu_seconds: float = 0.0  # user + system of the command and the children it waited for
    lines: list[tuple[float, str]] = field(default_factory=list)  # (t, stdout line)
    err_lines: list[tuple[float, str]] = field(default_factory=list)  # (t, stderr line)
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """Whether the command exited 0."""
        return self.returncode == 0

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        """Peak MiB sampled between ``start`` and ``end`` seconds after the launch.

        A window shorter than the sampling interval gets the last sample before its end.
        """
        inside = [m for t, m in self.samples if start <= t <= end]
        before = [m for t, m in self.samples if t <= end]
        return max(inside, default=before[-1] if before else 0.0)

    def cpu(self, start: float = 0.0, end: float = float("inf")) -> float:
        """CPU seconds used by the tree between ``start`` and ``end`` (nearest samples)."""
        before = [c for t, c in self.cpu_samples if t <= start]
        upto = [c for t, c in self.cpu_samples if t <= end]
        return (upto[-1] if upto else 0.0) - (before[-1] if before else 0.0)

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
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
            mib, cpu = tree_usage(proc.pid)
            now = time.perf_counter() - started
            result.samples.append((now, mib))
            result.cpu_samples.append((now, cpu))
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
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu_seconds = (after.ru_utime + after.ru_stime) - (
        usage_before.ru_utime + usage_before.ru_stime
    )
    result.stderr = "\n".join([*(line for _, line in result.err_lines), killed])
    return result
