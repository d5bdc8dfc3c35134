"""The analysis stages, in pipeline order.

Each stage package exposes ``STAGE`` in its ``stage`` module; this list fixes the order:
resolve -> graph -> signals -> score, with media matching beside them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threadline.store.engine import Engine


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Engine], dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


STAGE_MODULES: tuple[str, ...] = (
    "threadline.resolve.stage",
    "threadline.graph.stage",
    "threadline.signals.stage",
    "threadline.score.stage",
    "threadline.media.stage",
)


def stages() -> list[Stage]:
    """The stages to run, in order."""
    return [importlib.import_module(m).STAGE for m in STAGE_MODULES]
