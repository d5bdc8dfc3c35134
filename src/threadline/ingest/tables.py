"""The tables ingest writes: one per canonical kind, its fields normalised, originals kept."""

from __future__ import annotations

from threadline.schema import KINDS
from threadline.store.tables import Table, stored_columns

TABLES: dict[str, Table] = {name: Table(stored_columns(kind)) for name, kind in KINDS.items()}
