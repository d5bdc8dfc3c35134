"""Referral package builds run by the workbench in the background, one per country at a time.

A build takes seconds on the demo case and minutes on a large one; it runs in its own
thread so the page can poll ``GET /api/packages/{country}/progress`` and show how far it
has got (the builder's last :class:`~threadline.share.progress.BuildProgress`). The latest
job of each country is kept (in memory only) until the next one starts, so a finished or
failed build can still be reported.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from threadline.errors import ThreadlineError
from threadline.web.errors import Conflict, WebError

if TYPE_CHECKING:
    from threadline.share.progress import BuildProgress, ProgressFn

log = logging.getLogger(__name__)
# The message a failed build shows when the error is not one Threadline raises on purpose.
UNEXPECTED = "unexpected error while building the package (a bug: please report it)"


@dataclass
class PackageJob:
    """One country's package build: who started it, where it writes, and how far it got."""

    country: str
    build: str
    by: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    state: str = "running"  # running, done or failed
    progress: BuildProgress | None = None
    error: str | None = None
    exception: BaseException | None = None
    _t0: float = field(default_factory=time.monotonic)
    _seconds: float | None = None
    _finished: threading.Event = field(default_factory=threading.Event)

    def report(self, progress: BuildProgress) -> None:
        """Keep the builder's latest progress (a plain assignment: the build never waits)."""
        self.progress = progress

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the build to end; whether it has."""
        return self._finished.wait(timeout)

    @property
    def seconds(self) -> float:
        """Seconds the build ran (so far, while it runs)."""
        return self._seconds if self._seconds is not None else time.monotonic() - self._t0

    def status(self) -> dict[str, Any]:
        """The job as the status API answers it: state, step and item counts, message."""
        p = self.progress
        # a builder that has not reported (yet, or at all: it need not report)
        unreported = "starting" if self.state == "running" else self.state
        out: dict[str, Any] = {
            "country": self.country,
            "build": self.build,
            "state": self.state,
            "by": self.by,
            "started_at": self.started_at,
            "elapsed_s": round(self.seconds, 1),
            "step": p.step if p else 0,
            "steps": p.steps if p else 0,
            "name": p.name if p else unreported,
            "item": p.item if p else "",
            "done": p.done if p else 0,
            "total": p.total if p else 0,
            "percent": 100 if self.state == "done" else int(100 * p.fraction) if p else 0,
            "message": p.message() if p else unreported,
            "step_text": f"step {p.step} of {p.steps}: {p.name}" if p else unreported,
            "item_text": f"{p.item} {p.done:,} of {p.total:,}" if p else "",
            "error": self.error,
        }
        if self.state == "done":
            out["download"] = f"/api/packages/{self.country}/{self.build}/download"
        return out

    def _end(self, exc: BaseException | None) -> None:
        self._seconds = time.monotonic() - self._t0
        if exc is None:
            self.state = "done"
        else:
            self.state, self.exception, self.error = "failed", exc, _message(exc)
        self._finished.set()


def _message(exc: BaseException) -> str:
    if isinstance(exc, WebError):
        return exc.message
    if isinstance(exc, ThreadlineError):
        return str(exc)
    return UNEXPECTED


class PackageJobs:
    """The latest package build of each country; at most one runs per country."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, PackageJob] = {}
        self._threads: list[threading.Thread] = []

    def start(
        self, country: str, build: str, by: str, run: Callable[[ProgressFn], None]
    ) -> PackageJob:
        """Run ``run(progress)`` in a new thread as ``country``'s build; refused while one runs."""
        with self._lock:
            now = self._latest.get(country)
            if now is not None and now.state == "running":
                raise Conflict(
                    f"the {country} package is being built (started by {now.by} at "
                    f"{now.started_at}); wait for it to finish"
                )
            job = PackageJob(country, build, by)
            self._latest[country] = job
            thread = threading.Thread(
                target=self._run, args=(job, run), name=f"package-{country}", daemon=False
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def _run(self, job: PackageJob, run: Callable[[ProgressFn], None]) -> None:
        try:
            run(job.report)
        except BaseException as exc:  # kept for the status API and the waiter; re-raised below
            if not isinstance(exc, WebError | ThreadlineError):
                log.error("package build %s/%s failed", job.country, job.build, exc_info=exc)
            job._end(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            job._end(None)

    def latest(self, country: str) -> PackageJob | None:
        """The country's running or last build since the workbench started, if any."""
        return self._latest.get(country)

    def running(self, country: str) -> str | None:
        """The folder name of the country's build while it runs (not listed as a package)."""
        job = self._latest.get(country)
        return job.build if job is not None and job.state == "running" else None

    def join(self) -> None:
        """Wait for every running build (before the case is closed under it)."""
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join()
