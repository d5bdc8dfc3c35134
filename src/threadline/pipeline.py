"""The pipeline: the order the analysis runs in, and who owns which table.

Data flows one way: ingest -> resolve -> graph -> signals -> score, with media beside them.
Paid sessions tell which payment identity belongs to which chat account, so persons are
re-linked once after the first sessions pass and graph and signals run again on the joined
persons before scoring. That loop is spelled out in :data:`STEPS`, not hidden in a stage.

Each table-owning module declares ``TABLES`` (name -> :class:`~threadline.store.tables.Table`)
and, when it writes files of the export contract, ``EXPORTS`` (file stem -> SQL).
``python -m threadline.pipeline`` prints both.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from threadline.store.engine import Engine
from threadline.store.tables import Table


@dataclass(frozen=True)
class Stage:
    """One step of the analysis: its name, what it runs and its audited parameters."""

    name: str
    run: Callable[[Engine], dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


# Modules holding ``STAGES`` (name -> Stage), in the order their stages first run.
STAGE_MODULES: tuple[str, ...] = (
    "threadline.resolve.stage",
    "threadline.graph.stage",
    "threadline.signals.stage",
    "threadline.score.stage",
    "threadline.media.stage",
    "threadline.web.search_index",
)
STEPS: tuple[str, ...] = (
    "resolve",
    "graph",
    "signals",
    "relink",  # payer <-> chat account links from sessions join persons
    "graph",
    "signals",
    "score",
    "media",
    "search",  # full-text index of message text for the workbench search
)
# Modules declaring ``TABLES`` (and ``EXPORTS``), in pipeline order.
TABLE_OWNERS: tuple[str, ...] = (
    "threadline.store.tables",
    "threadline.ingest.tables",
    "threadline.resolve.sql",
    "threadline.graph.sql",
    "threadline.signals.sql",
    "threadline.score.sql",
    "threadline.media.sql",
    "threadline.web.sql",
)


def stages() -> list[Stage]:
    """The steps to run, in order (a stage may run more than once)."""
    known: dict[str, Stage] = {}
    for module in STAGE_MODULES:
        known.update(importlib.import_module(module).STAGES)
    return [known[name] for name in STEPS]


def owners() -> dict[str, ModuleType]:
    """Each table-owning module by its short name (``store``, ``ingest``, ``resolve``...)."""
    return {m.split(".")[1]: importlib.import_module(m) for m in TABLE_OWNERS}


def tables() -> dict[str, Table]:
    """Every table of a case, each declared by exactly one owner."""
    found: dict[str, Table] = {}
    for owner, module in owners().items():
        for name, spec in module.TABLES.items():
            if name in found:
                raise RuntimeError(f"table {name!r} is declared twice (again by {owner})")
            found[name] = spec
    return found


def exports() -> dict[str, str]:
    """The analysis files of the export contract: file stem -> SQL giving its rows."""
    found: dict[str, str] = {}
    for module in owners().values():
        found.update(getattr(module, "EXPORTS", {}))
    return found


def main() -> None:
    """Print each owner's tables and export files."""
    for owner, module in owners().items():
        print(f"{owner}: tables {', '.join(module.TABLES)}")
        if getattr(module, "EXPORTS", None):
            print(f"{owner}: exports {', '.join(module.EXPORTS)}")


if __name__ == "__main__":
    main()
