"""The ``search`` analysis step: the full-text index the workbench searches message text with.

It runs last, after every stage that could change what is stored, so the index matches the
case as analysed. It also writes the sorted lookups of the login and payment values a search
compares (:data:`threadline.web.search_sql.LOOKUPS`). On Spark there is no index and the
workbench scans with ``LIKE``, and the tables themselves.
"""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.store import full_text
from threadline.store.engine import Engine
from threadline.web import search_sql


def _run(engine: Engine) -> dict[str, Any]:
    """Index the words of every message and the values of logins and payments for search."""
    summary = full_text.build(engine, search_sql.POSTED)
    if full_text.supported(engine):
        summary |= search_sql.build_lookups(engine)
    return summary


STAGES = {"search": Stage("search", _run, {"indexed": dict(full_text.INDEXED)})}
