"""The resolve stage, and the re-link step that joins persons after sessions."""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.resolve import relink
from threadline.resolve.persons import Parameters, recompute_members, resolve
from threadline.store.engine import Engine


def _resolve(engine: Engine) -> dict[str, Any]:
    return resolve(engine)


def _relink(engine: Engine) -> dict[str, Any]:
    vetted = relink.vet(engine)
    return {**vetted, "persons_after_session_links": recompute_members(engine)}


STAGES = {
    "resolve": Stage("resolve", _resolve, Parameters().as_dict()),
    "relink": Stage("relink", _relink),
}
