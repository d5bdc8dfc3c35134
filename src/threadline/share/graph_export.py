"""GraphML (Gephi, Neo4j, yEd) and i2 Analyst's Notebook import CSV of the person graph.

Nodes are resolved persons; edges are aggregated person-to-person links of three kinds:
``message`` (sender to recipient), ``payment`` (payer to payee, totals per currency) and
``paid_session`` (buyer to seller). Aggregation runs in the store; igraph writes GraphML.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import igraph as ig

from threadline.share import export_sql as sql
from threadline.store.engine import Engine

# i2 Analyst's Notebook import layout: one row per link, both ends' identity, type and label
# first, then the link's own attributes (documented in docs/share.md).
I2_LINK_COLUMNS = (
    "End1 Identity",
    "End1 Type",
    "End1 Label",
    "End1 Role",
    "End1 Country",
    "Link Type",
    "Link Direction",
    "Link Count",
    "Link First Date",
    "Link Last Date",
    "Link Amounts",
    "End2 Identity",
    "End2 Type",
    "End2 Label",
    "End2 Role",
    "End2 Country",
)
I2_ENTITY_COLUMNS = (
    "Identity",
    "Type",
    "Label",
    "Role",
    "Country",
    "Network",
    "Target Country",
    "Target Rank",
    "Target Score",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def person_graph(engine: Engine) -> ig.Graph:
    """The person graph with node and edge attributes (all text or numbers, no nulls)."""
    nodes = sql.person_nodes(engine)
    index = {str(n["person_id"]): i for i, n in enumerate(nodes)}
    edges = [e for e in sql.person_edges(engine) if e["source"] in index and e["target"] in index]
    g = ig.Graph(directed=True)
    g.add_vertices(len(nodes))
    g.vs["name"] = [str(n["person_id"]) for n in nodes]
    g.vs["label"] = [_text(n["label"]) for n in nodes]
    g.vs["role"] = [_text(n["role"]) for n in nodes]
    g.vs["countries"] = [_text(n["countries"]) for n in nodes]
    g.vs["network_id"] = [_text(n["network_id"]) for n in nodes]
    g.vs["target_country"] = [_text(n["target_country"]) for n in nodes]
    g.vs["target_rank"] = [int(n["rank"]) if n["rank"] is not None else 0 for n in nodes]
    g.vs["target_score"] = [float(n["score"]) if n["score"] is not None else 0.0 for n in nodes]
    g.add_edges([(index[e["source"]], index[e["target"]]) for e in edges])
    g.es["kind"] = [str(e["kind"]) for e in edges]
    g.es["count"] = [int(e["n"]) for e in edges]
    g.es["first"] = [_text(e["first"]) for e in edges]
    g.es["last"] = [_text(e["last"]) for e in edges]
    g.es["amounts"] = [_text(e["amounts"]) for e in edges]
    return g


def write_graphml(engine: Engine, out: Path) -> dict[str, int]:
    """Write the person graph as GraphML; return node and edge counts."""
    g = person_graph(engine)
    out.parent.mkdir(parents=True, exist_ok=True)
    g.write_graphml(str(out))
    return {"nodes": g.vcount(), "edges": g.ecount()}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_i2(engine: Engine, folder: Path) -> dict[str, int]:
    """Write ``i2_links.csv`` (one row per link) and ``i2_entities.csv`` (every person)."""
    nodes = {str(n["person_id"]): n for n in sql.person_nodes(engine)}
    edges = sql.person_edges(engine)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "i2_entities.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(I2_ENTITY_COLUMNS)
        for pid, n in nodes.items():
            row = [pid, "Person", *_end(n)[2:], _text(n["network_id"]), *_target(n)]
            w.writerow([inert(v) for v in row])
    links = 0
    with (folder / "i2_links.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(I2_LINK_COLUMNS)
        for e in edges:
            if e["source"] not in nodes or e["target"] not in nodes:
                continue
            link = [e["kind"], "->", e["n"], _text(e["first"]), _text(e["last"]), e["amounts"]]
            row = _end(nodes[e["source"]]) + [_text(v) for v in link] + _end(nodes[e["target"]])
            w.writerow([inert(v) for v in row])
            links += 1
    return {"entities": len(nodes), "links": links}


def inert(value: object) -> object:
    """Seized text that a spreadsheet would run as a formula is written as plain text."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and value != "->":
        return "'" + value
    return value


def _end(n: dict[str, Any]) -> list[str]:
    return [
        str(n["person_id"]),
        "Person",
        _text(n["label"]),
        _text(n["role"]),
        _text(n["countries"]),
    ]


def _target(n: dict[str, Any]) -> list[str]:
    return [_text(n["target_country"]), _text(n["rank"]), _text(n["score"])]
