"""How far a referral package build has got: steps, and items done within the current step.

A build reports through an optional callback that receives a :class:`BuildProgress` each
time an item of a step is done (a query read, a dossier written, a PDF section typeset, a file
signed). Without a callback nothing is reported and the build is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildProgress:
    """One report: step ``step`` of ``steps`` (its ``name``), ``done`` of ``total`` items.

    ``start`` and ``share`` place the step in the whole build (0 to 1) by its usual share of
    the time; without them every step weighs the same.
    """

    step: int
    steps: int
    name: str
    item: str
    done: int
    total: int
    start: float | None = None
    share: float | None = None

    @property
    def fraction(self) -> float:
        """The share of the whole build done, from 0 to 1."""
        within = self.done / self.total if self.total else 1.0
        if self.step == self.steps and within == 1.0:
            return 1.0  # exactly, not a sum of rounded shares
        if self.start is None or self.share is None:
            return (self.step - 1 + within) / self.steps
        return min(1.0, self.start + self.share * within)

    def message(self) -> str:
        """What the build is doing, e.g. ``step 2 of 6: writing dossiers (dossier 37 of 120)``."""
        return (
            f"step {self.step} of {self.steps}: {self.name} "
            f"({self.item} {self.done} of {self.total})"
        )


ProgressFn = Callable[[BuildProgress], None]
# (done, total) of the current step, called by the code that does the step's items.
Tick = Callable[[int, int], None]


def no_tick(done: int, total: int) -> None:
    """The tick of a build that reports to nobody."""


class Steps:
    """A build's named steps in order; each step hands out the tick its items report to."""

    def __init__(self, names: list[tuple[str, str, float]], report: ProgressFn | None) -> None:
        """``names`` are (step name, item name, weight) in the order the build runs them.

        A step's weight is its usual share of the build's time (any scale): it places the
        step in :attr:`BuildProgress.fraction`, so the bar moves at an even pace.
        """
        self.names = names
        self.report = report
        self._at = 0
        whole = sum(w for _, _, w in names) or 1.0
        self._shares = [w / whole for _, _, w in names]

    def next(self, name: str) -> Tick:
        """The tick of the next step, which must be ``name`` (steps run in declared order)."""
        step_name, item, _ = self.names[self._at]
        if step_name != name:
            raise ValueError(f"step {name!r} out of order: expected {step_name!r}")
        start, share = sum(self._shares[: self._at]), self._shares[self._at]
        self._at += 1
        if self.report is None:
            return no_tick
        step, steps, report = self._at, len(self.names), self.report

        def tick(done: int, total: int) -> None:
            report(BuildProgress(step, steps, step_name, item, done, total, start, share))

        return tick
