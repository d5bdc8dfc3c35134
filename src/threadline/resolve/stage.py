"""The resolve stage of the analysis pipeline."""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.resolve.persons import Parameters, resolve
from threadline.store.engine import Engine


def _run(engine: Engine) -> dict[str, Any]:
    return resolve(engine)


STAGE = Stage("resolve", _run, Parameters().as_dict())
