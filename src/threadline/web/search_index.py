"""The ``search`` analysis step: what the workbench search reads instead of scanning.

It runs last, after every stage that could change what is stored, so what it writes matches
the case as analysed: the full-text index of message text with its ranked postings
(:mod:`threadline.store.full_text`), and the sorted lookups of the selector, account, login
and payment values a search compares (:mod:`threadline.web.search_lookup`). On Spark there
is none of them: the workbench scans message text with ``LIKE``, and the tables themselves.
"""

from __future__ import annotations

from typing import Any

from threadline.pipeline import Stage
from threadline.store import full_text
from threadline.store.engine import Engine
from threadline.web import search_lookup, search_sql


def _run(engine: Engine) -> dict[str, Any]:
    """Index the words of every message and the values of logins and payments for search."""
    summary = full_text.build(engine, search_sql.POSTED)
    if full_text.supported(engine):
        summary |= search_lookup.build(engine)
    return summary


STAGES = {"search": Stage("search", _run, {"indexed": dict(full_text.INDEXED)})}
