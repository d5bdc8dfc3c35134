"""The same case on DuckDB and on Spark (local[2]) gives the same stored tables and findings.

One synthetic 'tiny' operation (seed 3) is ingested, analysed and exported on each engine;
the export files are compared file by file, as parsed JSON values, row by row. The
transpiler's own translations are checked against DuckDB without Spark.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import duckdb  # noqa: TID251 - the translations are checked against DuckDB itself
import pytest

from threadline import Case

SEED = 3
MASTER = "local[2]"
# Tables whose content must match (sources and audit carry paths and clock times).
STORED = (
    "accounts",
    "messages",
    "payments",
    "logins",
    "locations",
    "media",
    "hashlist",
    "quarantine",
    "provenance",
)
FINDINGS = (
    "persons",
    "networks",
    "sessions",
    "targets",
    "rescue",
    "media_files",
    "media_matches",
    "media_groups",
    "media_links",
)


def _spark_available() -> str | None:
    if shutil.which("java") is None:
        return "no java on PATH (apt-get install openjdk-17-jre-headless)"
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install 'threadline[spark]')"
    return None


def _analyse(root: Path, data: Path, engine: str) -> Path:

    with Case.init(root / engine / "case", engine=engine, spark_master=MASTER) as case:
        case.ingest_manifest(data / "manifest.json")
        case.analyze()
        case.export(root / engine / "export")
    return root / engine


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(duckdb dir, spark dir), each holding ``case/`` and ``export/`` of the same data."""
    reason = _spark_available()
    if reason:
        pytest.skip(reason)
    from threadline.synth import generate

    root = tmp_path_factory.mktemp("parity")
    print(f"synthetic world: scale tiny, seed {SEED}")
    generate(root / "data", scale="tiny", seed=SEED)
    return _analyse(root, root / "data", "duckdb"), _analyse(root, root / "data", "spark")


def _rows(path: Path) -> list[object]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("stem", STORED)
def test_stored_tables_are_identical(both: tuple[Path, Path], stem: str) -> None:
    duck, spark = both
    expected = _rows(duck / "export" / f"{stem}.jsonl")
    assert expected, f"{stem}: the tiny case should have rows"
    assert _rows(spark / "export" / f"{stem}.jsonl") == expected


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("stem", FINDINGS)
def test_findings_are_identical(both: tuple[Path, Path], stem: str) -> None:
    """Persons, networks, paid sessions, targets: same rows, same order, same evidence."""
    duck, spark = both
    expected = _rows(duck / "export" / f"{stem}.jsonl")
    assert expected, f"{stem}: the tiny case should have rows"
    assert _rows(spark / "export" / f"{stem}.jsonl") == expected


@pytest.mark.spark
@pytest.mark.slow
def test_sources_differ_only_in_where_and_when(both: tuple[Path, Path]) -> None:
    """Only the ingest time and, for media hashed into the case, the case's own folder."""
    duck, spark = both
    local = ("ingested_at", "path")

    def strip(rows: list[object]) -> list[object]:
        return [{k: v for k, v in r.items() if k not in local} for r in rows]  # type: ignore[attr-defined]

    assert strip(_rows(spark / "export" / "sources.jsonl")) == strip(
        _rows(duck / "export" / "sources.jsonl")
    )


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="Spark writes embedded JSON (targets.reasons, rescue.evidence) through a VARIANT, "
    "which sorts object keys; DuckDB keeps the written order. Same values, other bytes.",
)
def test_exports_are_byte_identical(both: tuple[Path, Path]) -> None:
    duck, spark = both
    for stem in ("targets", "rescue"):
        assert (spark / "export" / f"{stem}.jsonl").read_bytes() == (
            duck / "export" / f"{stem}.jsonl"
        ).read_bytes()


@pytest.mark.spark
@pytest.mark.slow
def test_failed_ingest_leaves_nothing_on_spark(both: tuple[Path, Path], tmp_path: Path) -> None:
    """Parquet has no transactions: the engine's segment catalog gives all-or-nothing."""
    from threadline.ingest.canonical import SourceOptions, ingest_file
    from threadline.store.loader import InjectedFailure

    _, spark = both
    rows = tmp_path / "payments.csv"
    rows.write_text(
        "provider,transaction_id,sent_at,sender_name,receiver_name,amount,currency\n"
        "gcash,T-1,2024-05-01T10:00:00+08:00,A B,C D,10.00,PHP\n",
        encoding="utf-8",
    )
    with Case.open(spark / "case", spark_master=MASTER) as case:
        before = case.status().counts
        with pytest.raises(InjectedFailure):
            ingest_file(
                case.engine, "payments", rows, SourceOptions("a", "s"), fail_after_stage=True
            )
        assert case.status().counts == before
        report = case.ingest("payments", [rows], agency="a", seizure="s")
        assert report[0].stored == 1
        assert case.status().counts["payments"] == before["payments"] + 1


@pytest.mark.spark
@pytest.mark.slow
def test_case_keeps_its_engine(both: tuple[Path, Path]) -> None:
    from threadline.errors import CaseError

    duck, _ = both
    with pytest.raises(CaseError, match="made on duckdb"):
        Case.open(duck / "case", engine="spark")


# -- the transpiler, checked against DuckDB (no Spark needed) -------------------------------
def test_accent_folding_matches_duckdb() -> None:
    from threadline.store.spark_sql import accent_map

    src, dst = accent_map()
    folded = duckdb.sql(f"SELECT strip_accents('{src}')").fetchone()
    assert folded is not None
    assert folded[0] == dst


@pytest.mark.parametrize(
    ("duck", "spark"),
    [
        ("SELECT list(x ORDER BY y DESC)", "ARRAY_SORT(COLLECT_LIST(NAMED_STRUCT('k0', y"),
        ("SELECT (list(x))[1:5]", "SLICE((COLLECT_LIST(x)), 1, 5)"),
        ("SELECT strftime(t, '%Y-%m-%dT%H')", "DATE_FORMAT(t, 'yyyy\\'-\\'MM"),
        ("SELECT epoch(t)", "UNIX_MICROS(CAST(t AS TIMESTAMP_LTZ)) / 1000000.0"),
        ("SELECT json(x)", "PARSE_JSON(x)"),
        ("SELECT jaro_winkler_similarity(a, b)", "JARO_WINKLER(a, b)"),
        ("SELECT CAST(x AS TIMESTAMPTZ)", "CAST(x AS TIMESTAMP_LTZ)"),
        ("SELECT md5(CAST(t AS VARCHAR)) FROM p t", "CAST((STRUCT(t.*)) AS STRING)"),
        ("SELECT k, (SELECT 1 FROM q WHERE q.k = p.k) FROM p GROUP BY k", "GROUP BY k, 2"),
        ("SELECT list(x ORDER BY y) FILTER (WHERE z)", "NAMED_STRUCT('k0', y, 'v', x)) FILTER"),
        ("SELECT list(DISTINCT x ORDER BY y)", "(ARRAY_DISTINCT(TRANSFORM(ARRAY_SORT("),
        ("SELECT string_agg(a, '|' ORDER BY b)", "(NULLIF(ARRAY_JOIN(TRANSFORM(ARRAY_SORT("),
        ("SELECT string_agg(a, '|')", "LISTAGG(a, '|')"),  # sqlglot's own
        ("SELECT l[3:2]", "SLICE(l, 3, 0)"),
        ("SELECT strip_accents(a)", "TRANSLATE(a, 'ÀÁÂ"),
        ("SELECT CAST(x AS TIMESTAMPTZ[])", "CAST(x AS ARRAY<TIMESTAMP_LTZ>)"),
        ("SELECT * FROM t QUALIFY row_number() OVER (ORDER BY a) = 1", "WHERE _w = 1"),
    ],
)
def test_translations(duck: str, spark: str) -> None:
    from threadline.store.spark_sql import transpile

    assert spark in transpile(duck)


def test_parameters_become_literals() -> None:
    from datetime import datetime

    from threadline.store.spark_sql import bind

    sql = bind(
        "SELECT ?, '?', ?, ? WHERE list_contains(?, x)",
        ["it's", 2, datetime(2024, 5, 1, 10, 0), ["a", "b"]],
    )
    assert sql == (
        "SELECT 'it''s', '?', 2, CAST('2024-05-01 10:00:00' AS TIMESTAMP) "
        "WHERE list_contains(['a', 'b'], x)"
    )


def test_java_pattern_quotes_literal_text() -> None:
    from threadline.store.spark_sql import java_pattern

    assert java_pattern("%Y-%m-%dT%H:%M:%S.%fZ") == ("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'SSSSSS'Z'")
