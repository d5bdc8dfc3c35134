"""The ``media`` analysis stage as the pipeline runs it (default thresholds)."""

from __future__ import annotations

from typing import Any

from threadline.media.matching import DEFAULT_SETTINGS, run_media_stage
from threadline.pipeline import Stage
from threadline.store.engine import Engine


def _run(engine: Engine) -> dict[str, Any]:
    return run_media_stage(engine, DEFAULT_SETTINGS)


STAGES = {"media": Stage("media", _run, DEFAULT_SETTINGS.parameters())}
