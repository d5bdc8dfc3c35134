"""The signals stage: paid live sessions with their evidence and confidence."""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.signals import sessions
from threadline.store.engine import Engine

SESSION_RULES = sessions.SessionRules()


def _run(engine: Engine) -> dict[str, Any]:
    return sessions.detect(engine, SESSION_RULES)


STAGES = {"signals": Stage("signals", _run, {"sessions": SESSION_RULES.as_dict()})}
