"""Full-text index of message text: DuckDB's ``fts`` extension, loaded from its PyPI wheel.

The extension cannot be downloaded on these machines, so it is installed as the
``duckdb-extension-fts`` package and loaded from its file, the way httpfs is. The index is a
snapshot (DuckDB's FTS indexes do not follow later inserts): the ``search`` analysis step
rebuilds it after every ingest. Engines other than DuckDB have no index; their callers fall
back to a ``LIKE`` scan.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from threadline.errors import CaseError
from threadline.store.engine import Engine, Rows, quote_literal

# DuckDB names an index's schema after the indexed table: fts_main_<table>.
INDEXED = {"messages": ("record_id", "text")}


def schema(table: str) -> str:
    """The schema DuckDB keeps a table's index in (its match function lives there too)."""
    return f"fts_main_{table}"


def extension_file() -> Path:
    """The fts extension file shipped by the duckdb-extension-fts wheel."""
    try:
        import duckdb_extension_fts
    except ModuleNotFoundError:
        raise CaseError(
            "full-text search needs the duckdb-extension-fts package (pip install "
            "duckdb-extension-fts==1.5.5)"
        ) from None
    found = sorted(Path(duckdb_extension_fts.__file__).parent.rglob("fts.duckdb_extension"))
    if not found:
        raise CaseError("the duckdb-extension-fts package has no extension file")
    return found[-1]


def supported(engine: Engine) -> bool:
    """Whether the engine can hold a full-text index (DuckDB only)."""
    return engine.dialect.name == "duckdb"


def load(engine: Engine) -> bool:
    """Load the extension into the engine's database (its read cursors share it)."""
    if not supported(engine):
        return False
    engine.execute(f"LOAD {quote_literal(str(extension_file()))}")
    return True


def build(engine: Engine, extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """(Re)build the index of every table in :data:`INDEXED`; a summary for the audit entry.

    ``extra`` names, per table, more columns its ranked postings carry (name -> SQL over the
    indexed table): see :func:`build_postings`.
    """
    if not load(engine):
        return {"full_text": "none: this engine searches message text with LIKE"}
    summary: dict[str, Any] = {}
    for table, (key, column) in INDEXED.items():
        began = time.perf_counter()
        engine.execute(
            f"PRAGMA create_fts_index({quote_literal(table)}, {quote_literal(key)}, "
            f"{quote_literal(column)}, overwrite = 1)"
        )
        s = schema(table)
        docs = engine.scalar(f"SELECT count(*) FROM {s}.docs")
        terms = engine.scalar(f"SELECT count(*) FROM {s}.terms")
        # Flat keys: the progress line and the audit summary show scalar values.
        summary[f"{table}_indexed"] = int(docs or 0)
        summary[f"{table}_postings"] = int(terms or 0)
        columns = (extra or {}).get(table, {})
        summary[f"{table}_ranked_postings"] = build_postings(engine, table, columns)
        summary[f"{table}_seconds"] = round(time.perf_counter() - began, 3)
    return summary


def indexed(r: Rows, table: str) -> bool:
    """Whether the case holds a full-text index of ``table`` (built by the search step)."""
    rows = r.query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'docs' "
        "AND table_catalog = current_database()",
        [schema(table)],
    )
    return bool(rows)


def match_sql(table: str) -> str:
    """SQL of the extension's own BM25 score of ``table``'s key (query: parameter ``?``).

    It scores every row of the table one by one; :func:`hits_sql` gives the same scores from
    the postings of the query's terms only, and is what searches use.
    """
    key, _ = INDEXED[table]
    return f"{schema(table)}.match_bm25({key}, ?)"


# BM25 parameters: the extension's defaults, so both queries score alike.
K1, B = 1.2, 0.75


def hits_sql(table: str) -> str:
    """SQL of (``key``, ``score``) for every row matching any query term (parameter ``?``).

    The query is tokenised and stemmed as the index was; only the postings of its terms are
    read, so the cost follows the hits, not the size of the table.
    """
    s = schema(table)
    return f"""WITH tokens AS (SELECT DISTINCT stem(unnest({s}.tokenize(?)), 'porter') AS t),
         q AS (SELECT d.termid, d.df FROM {s}.dict d JOIN tokens ON d.term = tokens.t),
         tf AS (SELECT t.docid, t.termid, count(*) AS tf FROM {s}.terms t
                JOIN q USING (termid) GROUP BY t.docid, t.termid),
         st AS (SELECT num_docs, avgdl FROM {s}.stats)
       SELECT docs.name AS key,
              sum(log((st.num_docs - q.df + 0.5) / (q.df + 0.5) + 1)
                  * (tf.tf * {K1 + 1}) / (tf.tf + {K1} * ({1 - B} + {B} * docs.len / st.avgdl)))
                  AS score
       FROM tf JOIN q USING (termid) JOIN {s}.docs docs USING (docid) CROSS JOIN st
       GROUP BY docs.name"""


# -- derived search tables: rebuilt by the search step, outside the case's declared tables ---
def write_derived(engine: Engine, name: str, select: str) -> int:
    """(Re)write the search structure ``name`` (schema-qualified) as ``select``; its rows.

    Postings and value lookups are derived from the stored tables, like the index itself:
    they live in their own schemas, are not evidence, are not exported, and every search
    step writes them again, so they are not declared case tables.
    """
    engine.execute(f"CREATE OR REPLACE TABLE {name} AS {select}")
    return int(engine.scalar(f"SELECT count(*) FROM {name}") or 0)


# -- ranked postings: the index's postings with each document's BM25 parts precomputed ------
def postings_table(table: str) -> str:
    """The table of ``table``'s ranked postings (in the index's schema: dropped with it)."""
    return f"{schema(table)}.ranked_postings"


def build_postings(engine: Engine, table: str, extra: Mapping[str, str] | None = None) -> int:
    """Write :func:`postings_table`: one row per (term, document), ordered by term.

    Each row holds what BM25 needs of the document (its term frequency part and length
    norm, as :func:`hits_sql` computes them), the row id and source of the indexed row, and
    the rank of its key, so a search reads only its terms' postings (the order lets DuckDB
    skip the other terms' row groups) and never joins the documents or the table by key.
    ``extra`` adds columns (name -> SQL over ``table``) a search needs of each hit: they
    repeat per term, which the store's dictionary compression absorbs.
    """
    key, _ = INDEXED[table]
    s = schema(table)
    more = "".join(f", {sql} AS {name}" for name, sql in (extra or {}).items())
    picked = "".join(f", doc.{name}" for name in (extra or {}))
    return write_derived(
        engine,
        postings_table(table),
        f"""WITH tf AS (SELECT docid, termid, count(*) AS tf FROM {s}.terms GROUP BY ALL),
                 st AS (SELECT num_docs, avgdl FROM {s}.stats),
                 doc AS (SELECT d.docid, d.len, t.rowid AS rid, t.source_id,
                                row_number() OVER (ORDER BY d.name) AS rkey{more}
                         FROM {s}.docs d JOIN {table} t ON t.{key} = d.name)
            SELECT tf.termid, doc.rid, doc.rkey, doc.source_id{picked},
                   CAST(tf.tf * {K1 + 1} AS DOUBLE) AS tfw,
                   tf.tf + {K1} * ({1 - B} + {B} * doc.len / st.avgdl) AS norm
            FROM tf JOIN doc USING (docid) CROSS JOIN st
            ORDER BY tf.termid, doc.rid""",
    )


def has_postings(r: Rows, table: str, columns: Sequence[str] = ()) -> bool:
    """Whether the case holds :func:`postings_table` with ``columns`` (besides its own).

    A case indexed before the postings existed has none; one indexed without a caller's
    extra columns (``build(engine)`` alone) lacks them.
    """
    wanted = ["termid", "rid", "rkey", "source_id", "tfw", "norm", *columns]
    rows = r.query(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = 'ranked_postings' AND table_catalog = current_database() "
        "AND list_contains(?, column_name)",
        [schema(table), wanted],
    )
    return int(rows[0][0]) == len(set(wanted))


def terms_sql(table: str) -> str:
    """SQL of (``termid``, ``idf``, ``df``) of each indexed term of the query (``?``).

    The query is tokenised and stemmed as the index was; ``idf`` is :func:`hits_sql`'s.
    """
    s = schema(table)
    return f"""WITH tokens AS (SELECT DISTINCT stem(unnest({s}.tokenize(?)), 'porter') AS t),
         st AS (SELECT num_docs FROM {s}.stats)
       SELECT d.termid, log((st.num_docs - d.df + 0.5) / (d.df + 0.5) + 1) AS idf, d.df
       FROM {s}.dict d JOIN tokens ON d.term = tokens.t CROSS JOIN st
       ORDER BY d.termid"""


def ranked_sql(table: str, terms: int, extra: Sequence[str] = ()) -> str:
    """SQL of (``rid``, ``rkey``, ``source_id``, ``score``) of rows with any of ``terms`` terms.

    Parameters: the term ids and their ``idf`` (two lists, from :func:`terms_sql`). The
    scores are :func:`hits_sql`'s, computed the same way from the same values; ``rid`` is
    the row id in ``table`` and ``rkey`` the rank of its key (the tie-break by key);
    ``extra`` are more columns of the postings (see :func:`build_postings`). One term needs
    no grouping: its postings are one per row.
    """
    p = postings_table(table)
    if terms == 1:
        more = "".join(f", p.{name}" for name in extra)
        return f"""SELECT p.rid, p.rkey, p.source_id,
                          CAST(list_extract($2, 1) AS DOUBLE) * p.tfw / p.norm AS score{more}
                   FROM {p} p WHERE p.termid = list_extract($1, 1)"""
    more = "".join(f", any_value(p.{name}) AS {name}" for name in extra)
    return f"""WITH q AS (SELECT unnest($2::DOUBLE[]) AS idf, unnest($1) AS termid)
       SELECT p.rid, any_value(p.rkey) AS rkey, any_value(p.source_id) AS source_id,
              sum(q.idf * p.tfw / p.norm) AS score{more}
       FROM {p} p JOIN q USING (termid)
       GROUP BY p.rid"""
