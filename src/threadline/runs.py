"""What the audit log says of earlier analysis runs, and where ``analyze --from`` resumes.

``--from STAGE`` means the first step of that name in :data:`threadline.pipeline.STEPS`
(``graph`` is the graph run before ``relink``). It is refused unless every stage before it
has run on the case, and run after the case's last ingest: resuming on top of stale
findings would mix two states of the evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from threadline import pipeline
from threadline.errors import UsageError
from threadline.store import audit
from threadline.store.engine import Engine


@dataclass
class History:
    """What the audit log says of earlier analysis runs."""

    last_run: dict[str, int] = field(default_factory=dict)  # stage -> audit seq
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> duration of last run
    last_ingest: int = 0


def history(engine: Engine) -> History:
    """Each stage's last run and duration, and the last ingest, from the audit log."""
    found = History()
    for entry in audit.entries(engine):
        if entry.action == "ingest":
            found.last_ingest = entry.seq
        elif entry.action == "analyze":
            details = json.loads(entry.details)
            stage = str(details.get("stage"))
            found.last_run[stage] = entry.seq
            if "seconds" in details:
                found.seconds[stage] = float(details["seconds"])
    return found


def resume_at(start: str, history: History) -> int:
    """The index in STEPS that ``--from start`` means, once the steps before it have run."""
    if start not in pipeline.STEPS:
        names = ", ".join(dict.fromkeys(pipeline.STEPS))
        raise UsageError(f"--from {start!r}: not an analysis stage; choose one of {names}")
    index = pipeline.STEPS.index(start)
    for earlier in dict.fromkeys(pipeline.STEPS[:index]):
        seq = history.last_run.get(earlier)
        if seq is None:
            raise UsageError(
                f"--from {start}: the {earlier} stage has never run on this case; "
                "run `threadline analyze CASE` without --from first"
            )
        if seq < history.last_ingest:
            raise UsageError(
                f"--from {start}: the {earlier} stage last ran before the latest ingest "
                f"(audit entry {history.last_ingest}); run `threadline analyze CASE` without "
                "--from, or --from an earlier stage"
            )
    return index
