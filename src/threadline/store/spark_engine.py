"""The distributed engine: the same store SQL on Spark, tables as Parquet in the case directory.

Statements arrive in DuckDB's spelling and are transpiled (:mod:`threadline.store.spark_sql`).
Spark has no transactions and Parquet tables take no ``DELETE`` or ``UPDATE``, so the engine
carries them out itself over a catalog of immutable Parquet segments
(:mod:`threadline.store.spark_tables`): an ingest that fails leaves nothing, as on DuckDB.

Runs in local mode (``local[*]``) or against a cluster (``--spark-master spark://...``,
``yarn``, ``k8s://...``); see docs/scaling.md.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from py4j.protocol import Py4JError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType
from sqlglot import exp
from sqlglot.errors import SqlglotError

from threadline.errors import CaseError, EngineError
from threadline.store.engine import Dialect, Engine, StagedFile, quote_literal
from threadline.store.spark_sql import parse, translate
from threadline.store.spark_tables import MAX_SEGMENTS, TableStore

SPARK_DIR = "spark"  # inside the case directory: catalog.json and tables/
DEFAULT_MASTER = "local[*]"
_ERRORS = (PySparkException, Py4JError, SqlglotError)


@dataclass(frozen=True)
class SparkDialect(Dialect):
    """Whole expressions the store asks the engine to spell, where Spark's is not a transpile.

    Everything else reaches Spark through :class:`~threadline.store.spark_sql.ThreadlineSpark`.
    """

    def local_to_utc(self, expr: str, timezone: str) -> str:
        """A naive local time at ``timezone`` as naive UTC, in Spark's spelling."""
        return f"CAST(to_utc_timestamp({expr}, {quote_literal(timezone)}) AS TIMESTAMP)"

    def utc_to_local(self, expr: str, timezone: str) -> str:
        """A naive UTC time as the wall time at ``timezone``, in Spark's spelling."""
        return f"CAST(from_utc_timestamp({expr}, {quote_literal(timezone)}) AS TIMESTAMP)"

    def json_is_object(self, expr: str) -> str:
        """True where the text parses as a JSON object (Spark has no json_type)."""
        return f"(json_object_keys({expr}) IS NOT NULL)"

    def json_has_duplicate_keys(self, expr: str) -> str:
        """True where a JSON object text names a top-level key twice, in Spark's spelling."""
        keys = f"json_object_keys({expr})"
        return f"(size({keys}) <> size(array_distinct({keys})))"

    def json_object(self, pairs: list[tuple[str, str]]) -> str:
        """A JSON object text from (key, SQL expression) pairs."""
        args = ", ".join(f"{quote_literal(k)}, {v}" for k, v in pairs)
        return f"to_json(named_struct({args}))"

    def json_text(self, expr: str, key: str) -> str:
        """The text under a top-level key of a JSON text."""
        path = f"$.{key}" if key.isidentifier() else "$['" + key.replace("'", "") + "']"
        return f"get_json_object({expr}, {quote_literal(path)})"


DIALECT = SparkDialect("spark")

_sessions: dict[str, SparkSession] = {}


def spark_session(master: str = DEFAULT_MASTER, scratch: Path | None = None) -> SparkSession:
    """The process's Spark session (one per process), made with what Threadline needs.

    Under ``spark-submit`` the session already exists and its settings win; give Splink's
    similarity jar with ``--jars`` there (docs/scaling.md).
    """
    if master in _sessions:
        return _sessions[master]
    from splink.backends.spark import similarity_jar_location

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    local = master.startswith("local")
    cores = os.cpu_count() or 2
    conf = {
        "spark.jars": similarity_jar_location(),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.jsonGenerator.ignoreNullFields": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.shuffle.partitions": str(2 * cores if local else 200),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": os.environ.get("THREADLINE_SPARK_DRIVER_MEMORY", "4g"),
    }
    if local:
        # Hundreds of small statements: planning and code generation cost more than they
        # save on one machine (measured: ingest of a tiny case 2-3x faster without them).
        conf["spark.sql.adaptive.enabled"] = "false"
        conf["spark.sql.codegen.wholeStage"] = "false"
        conf["spark.sql.codegen.factoryMode"] = "NO_CODEGEN"
    # More settings, as THREADLINE_SPARK_CONF="spark.executor.memory=8g,spark.cores.max=16"
    for item in os.environ.get("THREADLINE_SPARK_CONF", "").split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            conf[key.strip()] = value.strip()
    if scratch is not None:
        conf["spark.local.dir"] = str(scratch)
        conf["spark.sql.warehouse.dir"] = str(scratch / "warehouse")
    builder = SparkSession.builder.master(master).appName("threadline")
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except _ERRORS as exc:
        raise CaseError(
            f"cannot start Spark ({master}): {exc}. Spark needs Java 17 "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        ) from None
    spark.sparkContext.setLogLevel("OFF")
    _sessions[master] = spark
    return spark


@atexit.register
def _stop_sessions() -> None:
    for spark in _sessions.values():
        with contextlib.suppress(*_ERRORS):
            spark.stop()
    _sessions.clear()


class SparkEngine(Engine):
    """One case's store on Spark: Parquet tables under ``<case>/spark/tables`` (or a URL)."""

    dialect = DIALECT

    def __init__(
        self,
        case_dir: Path,
        *,
        master: str = DEFAULT_MASTER,
        tables: str | None = None,
        spark: SparkSession | None = None,
        break_lineage: str = "persist",
    ) -> None:
        self.path = case_dir
        self.master = master
        self.break_lineage = break_lineage
        self._lock = threading.RLock()
        scratch = case_dir / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        self.spark = spark or spark_session(master, scratch)
        self.spark.sparkContext.setCheckpointDir(str(scratch / "spark-checkpoints"))
        # Tables on shared storage for a cluster: THREADLINE_SPARK_TABLES=hdfs:///threadline
        shared = os.environ.get("THREADLINE_SPARK_TABLES")
        if shared and not tables:
            tables = f"{shared.rstrip('/')}/{case_dir.resolve().name}"
        root = tables or str(case_dir / SPARK_DIR / "tables")
        self.store = TableStore(case_dir / SPARK_DIR / "catalog.json", root)
        self._temp: dict[str, DataFrame] = {}  # temp tables and views this engine made
        self._schemas: dict[str, StructType] = {}
        for name in self.store.tables:
            self._refresh(name)
        self._views()
        self._register_similarity()

    def _views(self) -> None:
        for name, sql in self.store.views.items():
            self._view(name, parse(sql)[0])

    # -- tables -------------------------------------------------------------------------------
    def _schema(self, table: str) -> StructType:
        if table not in self._schemas:
            schema = StructType.fromDDL(self.store.tables[table].ddl)
            if not isinstance(schema, StructType):
                raise EngineError(f"{table}: not a table schema", self.store.tables[table].ddl)
            self._schemas[table] = schema
        return self._schemas[table]

    def _refresh(self, table: str) -> None:
        schema = self._schema(table)
        paths = [self.store.path(s) for s in self.store.tables[table].segments]
        if paths:
            df = self.spark.read.schema(schema).parquet(*paths)
        else:
            df = self.spark.createDataFrame([], schema)
        df.createOrReplaceTempView(table)

    def _conform(self, df: DataFrame, table: str, names: list[str] | None) -> DataFrame:
        """Rows of ``df`` as the table's columns: by position, by the named columns, or by name."""
        schema = self._schema(table)
        if names is None:
            names = [f.name for f in schema.fields][: len(df.columns)]
        else:
            names = [n.lower() for n in names]
        if len(names) != len(df.columns):
            raise EngineError(f"{table}: {len(df.columns)} values for {len(names)} columns", "")
        df = df.toDF(*[f"_c{i}" for i in range(len(df.columns))])
        given = {n.lower(): f"_c{i}" for i, n in enumerate(names)}
        cols = [
            (F.col(given[f.name.lower()]) if f.name.lower() in given else F.lit(None))
            .cast(f.dataType)
            .alias(f.name)
            for f in schema.fields
        ]
        return df.select(cols)

    def _write(self, table: str, df: DataFrame) -> str:
        segment = self.store.new_segment(table)
        df.write.mode("errorifexists").parquet(self.store.path(segment))
        return segment

    def _append(self, table: str, df: DataFrame) -> None:
        self.store.append(table, self._write(table, df))
        if len(self.store.tables[table].segments) > MAX_SEGMENTS:
            self._refresh(table)
            self.store.replace(table, self._write(table, self.spark.table(table)))
        self._refresh(table)

    def _rewrite(self, table: str, df: DataFrame | None) -> None:
        self.store.replace(table, self._write(table, df) if df is not None else None)
        self._refresh(table)

    # -- statements ----------------------------------------------------------------------------
    def _run(self, sql: str, params: Sequence[Any] | None) -> DataFrame | None:
        """Carry out each statement; return the result of the last one that is a query."""
        with self._lock:
            try:
                result = None
                for statement in parse(sql, params):
                    result = self._statement(statement)
                return result
            except _ERRORS as exc:
                raise EngineError(_short(exc), sql) from exc

    def _statement(self, node: exp.Expr) -> DataFrame | None:
        if isinstance(node, exp.Create):
            self._create(node)
        elif isinstance(node, exp.Insert):
            self._insert(node)
        elif isinstance(node, exp.Delete):
            self._delete(node)
        elif isinstance(node, exp.Update):
            self._update(node)
        elif isinstance(node, exp.Drop):
            self._drop(node)
        elif isinstance(node, exp.Copy):
            self._copy(node)
        elif isinstance(node, exp.Transaction | exp.Commit | exp.Rollback):
            pass  # the engine's transaction() is the unit of change
        else:
            return self.spark.sql(translate(self._information_schema(node)))
        return None

    def _information_schema(self, node: exp.Expr) -> exp.Expr:
        """Point ``information_schema.tables/columns`` at views of the catalog."""
        for t in list(node.find_all(exp.Table)):
            if str(t.args.get("db") or "").lower() != "information_schema":
                continue
            which = t.name.lower()
            rows: list[dict[str, str]] = []
            for name in sorted(self.store.tables):
                if which == "tables":
                    rows.append({"table_name": name, "table_type": "BASE TABLE"})
                else:
                    rows += [
                        {
                            "table_name": name,
                            "column_name": f.name,
                            "data_type": f.dataType.simpleString().upper(),
                        }
                        for f in self._schema(name).fields
                    ]
            if which == "tables":
                rows += [{"table_name": v, "table_type": "VIEW"} for v in sorted(self.store.views)]
            base = {"table_catalog": "spark_catalog", "table_schema": "default"}
            view = f"__tl_information_schema_{which}"
            keys = (
                ["table_name", "table_type"]
                if which == "tables"
                else ["table_name", "column_name", "data_type"]
            )
            table = pa.table(
                {k: pa.array([r[k] for r in rows], pa.string()) for k in keys}
                | {k: pa.array([v] * len(rows), pa.string()) for k, v in base.items()}
            )
            self.spark.createDataFrame(table).createOrReplaceTempView(view)
            alias = t.alias_or_name
            t.replace(exp.to_table(view).as_(alias))
        return node

    def _create(self, node: exp.Create) -> None:
        target = node.this
        kind = str(node.args.get("kind") or "").upper()
        temporary = any(
            isinstance(p, exp.TemporaryProperty)
            for p in (node.args.get("properties") or exp.Properties()).expressions
        )
        if isinstance(target, exp.Schema) and kind == "TABLE" and not temporary:
            name = target.this.name
            ddl = ", ".join(c.sql(dialect="spark") for c in target.expressions)
            if not self.store.create(name, ddl) and not node.args.get("exists"):
                raise EngineError(f"table {name} already exists", node.sql())
            self._schemas.pop(name, None)
            self._refresh(name)
            return
        name = target.name
        if kind == "VIEW":  # bound when queried, as DuckDB's views are
            self._view(name, node.expression)
            if not temporary:
                self.store.set_view(name, node.expression.sql(dialect="duckdb"))
            return
        df = self.spark.sql(translate(node.expression)).localCheckpoint(eager=True)
        old = self._temp.pop(name, None)
        df.createOrReplaceTempView(name)
        self._temp[name] = df
        if old is not None:
            old.unpersist()

    def _view(self, name: str, query: exp.Expr) -> None:
        self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS {translate(query)}")

    def _insert(self, node: exp.Insert) -> None:
        target = node.this
        names: list[str] | None = None
        if isinstance(target, exp.Schema):
            names = [c.name for c in target.expressions]
            target = target.this
        table = target.name
        df = self.spark.sql(translate(node.expression))
        if node.args.get("by_name"):
            names = list(df.columns)
        self._append(table, self._conform(df, table, names))

    def _delete(self, node: exp.Delete) -> None:
        table = node.this.name
        where = node.args.get("where")
        if not self.store.tables[table].segments:
            return
        if where is None:
            self._rewrite(table, None)
            return
        keep = self.spark.sql(
            f"SELECT * FROM `{table}` WHERE NOT coalesce(({translate(where.this)}), false)"
        )
        self._rewrite(table, keep)

    def _update(self, node: exp.Update) -> None:
        table = node.this.name
        sets = {e.this.name.lower(): translate(e.expression) for e in node.expressions}
        where = node.args.get("where")
        cond = translate(where.this) if where is not None else "true"
        cols = []
        for f in self._schema(table).fields:
            new = sets.get(f.name.lower())
            cols.append(
                f"CASE WHEN {cond} THEN {new} ELSE `{f.name}` END" if new else f"`{f.name}`"
            )
        df = self.spark.sql(f"SELECT {', '.join(cols)} FROM `{table}`")
        self._rewrite(table, self._conform(df, table, None))

    def _drop(self, node: exp.Drop) -> None:
        for t in node.args.get("tables") or [node.this]:
            name = t.name
            if name in self._temp:
                self.spark.catalog.dropTempView(name)
                self._temp.pop(name).unpersist()
            elif name in self.store.tables and str(t.args.get("db") or "") != "temp":
                self.store.drop(name)
                self.spark.catalog.dropTempView(name)
            elif name in self.store.views:
                self.store.set_view(name, None)
                self.spark.catalog.dropTempView(name)
            elif not node.args.get("exists"):
                raise EngineError(f"no table {name}", node.sql())

    def _copy(self, node: exp.Copy) -> None:
        """``COPY (query) TO 'file' (FORMAT json)``: one JSON object per line, in order."""
        query = node.this.this if isinstance(node.this, exp.Subquery) else node.this
        target = Path(node.args["files"][0].name)
        df = self.spark.sql(translate(query))
        tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}"
        try:
            (
                df.coalesce(1)
                .write.option("timestampNTZFormat", "yyyy-MM-dd HH:mm:ss[.SSSSSS]")
                .option("ignoreNullFields", "false")
                .json(str(tmp))
            )
            parts = sorted(tmp.glob("part-*"))
            with target.open("wb") as out:
                for part in parts:
                    with part.open("rb") as fh:
                        shutil.copyfileobj(fh, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # -- the Engine interface ---------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement (transpiled to Spark SQL; writes go to the table store)."""
        self._run(sql, params)

    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and collect its rows as an Arrow table on the driver."""
        with self._lock:
            df = self._run(sql, params)
            if df is None:
                raise EngineError("not a query", sql)
            try:
                return df.toArrow()
            except _ERRORS as exc:
                raise EngineError(_short(exc), sql) from exc

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return all rows as tuples."""
        table = self.query_arrow(sql, params)
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts keyed by column name."""
        table = self.query_arrow(sql, params)
        names = table.column_names
        return [dict(zip(names, row, strict=True)) for row in self.query_rows(table)]

    @staticmethod
    def query_rows(table: pa.Table) -> list[tuple[Any, ...]]:
        """An Arrow table's rows as tuples."""
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def iter_batches(self, sql: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in Arrow batches."""
        yield from self.query_arrow(sql).to_batches(max_chunksize=batch_rows)

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to Spark SQL as a temporary view."""
        with self._lock:
            if isinstance(table, pa.RecordBatchReader):
                table = table.read_all()
            df = self.spark.createDataFrame(table) if table.num_columns else None
            if df is None:
                raise EngineError(f"cannot register {name}: no columns", "")
            df.createOrReplaceTempView(name)
            self._temp[name] = df

    def unregister(self, name: str) -> None:
        """Drop a registered temporary view."""
        with self._lock:
            self.spark.catalog.dropTempView(name)
            self._temp.pop(name, None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside commit together: the table store swaps in new versions only at the end."""
        with self._lock:
            self.store.begin()
            try:
                yield
            except BaseException:
                self.store.rollback()
                for name in self.store.tables:
                    self._schemas.pop(name, None)
                    self._refresh(name)
                self._views()
                raise
            else:
                self.store.commit()

    # -- staging ------------------------------------------------------------------------------
    def _numbered(self, df: DataFrame, first: int) -> DataFrame:
        """``df`` with ``_row``: the record's number in file order (first record = ``first``)."""
        df = df.withColumn("_tl_pid", F.spark_partition_id()).withColumn(
            "_tl_mid", F.monotonically_increasing_id()
        )
        df = df.localCheckpoint(eager=True)
        counts = {
            int(r[0]): int(r[1]) for r in df.groupBy("_tl_pid").count().collect()
        }  # one row per partition
        offset, cases = 0, []
        for pid in sorted(counts):
            cases.append(f"WHEN {pid} THEN {offset}")
            offset += counts[pid]
        base = f"CASE _tl_pid {' '.join(cases)} END" if cases else "0"
        row = f"({base}) + (_tl_mid - shiftleft(CAST(_tl_pid AS BIGINT), 33)) + {first}"
        return df.withColumn("_row", F.expr(row).cast("bigint")).drop("_tl_pid", "_tl_mid")

    def stage_csv(self, path: Path, columns: Sequence[str], table: str) -> StagedFile:
        """Load a headered CSV file as text columns into a staging view."""
        with self._lock:
            schema = StructType(
                [StructField(c, StringType()) for c in columns]
                + [StructField("_corrupt", StringType())]
            )
            reader = self.spark.read.schema(schema).options(
                header=True,
                multiLine=True,
                quote='"',
                escape='"',
                mode="PERMISSIVE",
                columnNameOfCorruptRecord="_corrupt",
                encoding="UTF-8",
                enforceSchema=True,
            )
            try:
                numbered = self._numbered(reader.csv(str(path)), first=2).localCheckpoint()
                bad = numbered.where("_corrupt IS NOT NULL").select("_row", "_corrupt")
                rejects = [
                    (int(r), _csv_error(str(text), len(columns)), str(text))
                    for r, text in bad.orderBy("_row").collect()
                ]
            except _ERRORS as exc:
                raise EngineError(_short(exc), f"-- read {path}") from exc
            good = numbered.where("_corrupt IS NULL").select("_row", *[f"`{c}`" for c in columns])
            return self._stage(good, table, rejects)

    def stage_lines(self, path: Path, table: str) -> StagedFile:
        """Load a text file one line per row into a staging view."""
        with self._lock:
            try:
                df = self.spark.read.text(str(path)).withColumnRenamed("value", "line")
                return self._stage(self._numbered(df, first=1), table, [])
            except _ERRORS as exc:
                raise EngineError(_short(exc), f"-- read {path}") from exc

    def stage_arrow(self, records: pa.Table | pa.RecordBatchReader, table: str) -> StagedFile:
        """Stage records parsed in Python like a file."""
        with self._lock:
            if isinstance(records, pa.RecordBatchReader):
                records = records.read_all()
            df = self.spark.createDataFrame(records)
            return self._stage(df, table, [])

    def _stage(self, df: DataFrame, table: str, rejects: list[tuple[int, str, str]]) -> StagedFile:
        df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(table)
        self._temp[table] = df
        return StagedFile(table=table, rows=int(df.count()), rejects=rejects)

    def splink_api(self) -> Any:
        """Splink's Spark backend on this session (its similarity jar is in ``spark.jars``)."""
        from splink import SparkAPI

        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, break_lineage_method=self.break_lineage
        )

    def _register_similarity(self) -> None:
        """Splink's Java string similarity functions, for the SQL that compares names."""
        from pyspark.sql.types import DoubleType

        with contextlib.suppress(*_ERRORS):
            self.spark.udf.registerJavaFunction(
                "jaro_winkler", "uk.gov.moj.dash.linkage.JaroWinklerSimilarity", DoubleType()
            )

    def drop_stage(self, table: str) -> None:
        """Remove a staging view and its helpers."""
        with self._lock:
            for name in (table, f"{table}_raw"):
                if name in self._temp:
                    self.spark.catalog.dropTempView(name)
                    self._temp.pop(name).unpersist()

    def close(self) -> None:
        """Stop the Spark session this engine started."""
        with self._lock:
            for name, df in list(self._temp.items()):
                with contextlib.suppress(*_ERRORS):
                    self.spark.catalog.dropTempView(name)
                    df.unpersist()
            self._temp.clear()
            for name in self.store.tables:
                with contextlib.suppress(*_ERRORS):
                    self.spark.catalog.dropTempView(name)


def _csv_error(text: str, columns: int) -> str:
    """DuckDB's name for why a CSV record does not split into the header's fields."""
    try:
        fields = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return "UNQUOTED VALUE"
    if len(fields) > columns:
        return "TOO MANY COLUMNS"
    if len(fields) < columns:
        return "MISSING COLUMNS"
    return "CAST ERROR"


def _short(exc: BaseException) -> str:
    """The first line of Spark's message (the JVM stack trace says nothing to an analyst)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
