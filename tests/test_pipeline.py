"""The pipeline's registry: who owns which table, and the order the stages run in."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from threadline import pipeline

SRC = Path(__file__).resolve().parents[1] / "src" / "threadline"
# The export contract (DESIGN.md): stored tables and analysis files, each exactly once.
CONTRACT_TABLES = [
    *("accounts", "messages", "payments", "logins", "locations", "media", "hashlist"),
    *("sources", "quarantine"),
]
CONTRACT_FILES = ["persons", "networks", "targets", "sessions", "media_matches", "rescue"]


def test_every_table_of_the_contract_is_declared_once() -> None:
    declared = Counter(n for m in pipeline.owners().values() for n in m.TABLES)
    exported = Counter(n for m in pipeline.owners().values() for n in getattr(m, "EXPORTS", {}))
    assert {n: declared[n] for n in CONTRACT_TABLES} == dict.fromkeys(CONTRACT_TABLES, 1)
    assert {n: exported[n] for n in CONTRACT_FILES} == dict.fromkeys(CONTRACT_FILES, 1)
    assert max(declared.values()) == 1
    assert set(pipeline.tables()) == set(declared)


def test_findings_are_declared_by_the_stage_that_writes_them() -> None:
    owner = {n: o for o, m in pipeline.owners().items() for n in m.TABLES}
    assert owner["person_members"] == "resolve"
    assert owner["person_roles"] == owner["networks"] == "graph"
    assert owner["sessions"] == "signals"
    assert owner["targets"] == owner["rescue"] == "score"
    assert owner["media_matches"] == "media"
    assert owner["sources"] == owner["audit"] == "store"


def test_tables_are_created_in_one_place_only() -> None:
    creators = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if re.search(r"CREATE (OR REPLACE )?TABLE", p.read_text(encoding="utf-8"))
    ]
    # tables.py creates declared tables; the engines stage source files as temporary tables;
    # full_text.py writes the search step's derived structures (index postings, lookups).
    assert set(creators) <= {
        "store/tables.py",
        "store/duckdb_engine.py",
        "store/spark_engine.py",
        "store/full_text.py",
    }


def test_the_re_link_loop_is_an_explicit_step() -> None:
    names = [s.name for s in pipeline.stages()]
    assert names == [
        "resolve",
        "graph",
        "signals",
        "relink",
        "graph",
        "signals",
        "score",
        "media",
        "search",
    ]


def test_stages_do_not_reach_back_up_the_pipeline() -> None:
    order = ["resolve", "graph", "signals", "score"]
    for i, stage in enumerate(order):
        for path in (SRC / stage).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            for later in order[i + 1 :]:
                assert f"threadline.{later}" not in text, (path.name, later)
