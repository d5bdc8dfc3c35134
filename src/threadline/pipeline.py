"""The analysis stages, in pipeline order; each later stage package appends its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threadline.store.engine import Engine


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Engine], dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


# resolve -> graph -> signals -> score -> media matching (added by their issues)
STAGES: list[Stage] = []
