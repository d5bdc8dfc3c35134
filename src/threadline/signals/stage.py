"""The signals stage: paid sessions (fed back into persons, then roles and networks anew)."""

from __future__ import annotations

from typing import Any

from threadline.graph import stage as graph_stage
from threadline.pipeline import Stage
from threadline.resolve.persons import recompute_members
from threadline.signals import sessions
from threadline.store.engine import Engine

SESSION_RULES = sessions.SessionRules()


def run(engine: Engine) -> dict[str, Any]:
    first = sessions.detect(engine, SESSION_RULES)
    persons = recompute_members(engine)
    # Persons changed: classify again, then find sessions with the merged persons.
    graph_stage.run(engine)
    final = sessions.detect(engine, SESSION_RULES)
    return {"persons_after_session_links": persons, "first_pass": first, **final}


STAGE = Stage("signals", run, {"sessions": SESSION_RULES.as_dict()})
