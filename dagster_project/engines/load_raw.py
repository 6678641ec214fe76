"""Copy the `raw` schema of a DuckDB warehouse to PostgreSQL or to Parquet files for Spark.

Why: ingest (validation, lineage, quarantine) is written once, on DuckDB. A team whose models run on PostgreSQL
or Spark ingests as usual and then moves the resulting raw tables, so `dbt build --target postgres|spark` reads
the very rows the DuckDB build reads. Column types are kept (raw columns are text plus typed lineage columns).

    python -m dagster_project.engines.load_raw postgres --warehouse data/warehouse.duckdb --url postgresql://...
    python -m dagster_project.engines.load_raw parquet --warehouse data/warehouse.duckdb --out data/raw_parquet
    python -m dagster_project.engines.load_raw spark --warehouse data/warehouse.duckdb --out data/raw_parquet
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from dagster_project import db
from dagster_project.db import ident

RAW_SCHEMA = "raw"
_BATCH_ROWS = 50_000

# DuckDB type name (information_schema.columns.data_type) -> PostgreSQL type. DECIMAL(p,s) keeps p and s.
_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type for a DuckDB column type; an unknown type is an error, not a silent text column."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    try:
        return _PG_TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"raw column type {duckdb_type} has no PostgreSQL mapping in load_raw._PG_TYPES") from None


def pg_column(name: str) -> str:
    """A raw column's name on PostgreSQL: lower case (`StageName` -> `stagename`), the form an unquoted identifier
    in the staging SQL folds to. No two raw columns differ only in case: DuckDB's names are case-insensitive too."""
    return name.lower()


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, duckdb type), ...]} of the raw schema, columns in table order."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [RAW_SCHEMA],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    if not tables:
        raise ValueError(f"the warehouse has no {RAW_SCHEMA} tables: run `spm ingest` first")
    return tables


def copy_raw_to_postgres(warehouse: Path, url: str) -> dict[str, int]:
    """Replace PostgreSQL's `raw` schema with the warehouse's raw tables (COPY, one transaction); rows per table."""
    import psycopg

    counts: dict[str, int] = {}
    with db.connect(warehouse) as con:
        tables = raw_tables(con)
        with psycopg.connect(url) as pg, pg.cursor() as cur:
            cur.execute(f"drop schema if exists {RAW_SCHEMA} cascade")
            cur.execute(f"create schema {RAW_SCHEMA}")
            for table, columns in tables.items():
                target = f"{RAW_SCHEMA}.{ident(table)}"
                # Lower-case names: what PostgreSQL folds an unquoted identifier to, so staging reads `StageName`
                # plainly on every engine (DuckDB and Spark resolve names without case; docs/sources.md).
                ddl = ", ".join(f"{ident(pg_column(c))} {pg_type(t)}" for c, t in columns)
                cur.execute(f"create table {target} ({ddl})")
                names = ", ".join(ident(c) for c, _ in columns)
                pg_names = ", ".join(ident(pg_column(c)) for c, _ in columns)
                result = con.execute(f"select {names} from {RAW_SCHEMA}.{ident(table)}")
                counts[table] = 0
                with cur.copy(f"copy {target} ({pg_names}) from stdin") as copy:
                    while batch := result.fetchmany(_BATCH_ROWS):
                        for row in batch:
                            copy.write_row(row)
                        counts[table] += len(batch)
    return counts


def export_raw_to_parquet(warehouse: Path, out_dir: Path) -> dict[str, Path]:
    """Write each raw table to `<out_dir>/<table>/part-0.parquet` (for Spark or any lake engine); {table: folder}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    with db.connect(warehouse) as con:
        for table in raw_tables(con):
            folder = out_dir.resolve() / table  # a table location is a folder (Spark, Hive, Delta)
            folder.mkdir(exist_ok=True)
            con.execute(f"copy {RAW_SCHEMA}.{ident(table)} to '{folder / 'part-0.parquet'}' (format parquet)")
            files[table] = folder
    return files


def register_parquet_in_spark(spark, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    """Create the Spark `raw` database with one table per Parquet file (the dbt sources' schema)."""
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for table, path in files.items():
        spark.sql(f"drop table if exists {RAW_SCHEMA}.`{table}`")
        spark.sql(f"create table {RAW_SCHEMA}.`{table}` using parquet location '{path}'")


def local_spark_session():  # type: ignore[no-untyped-def]
    """A local Spark session with the same metastore and warehouse folder as dbt's `spark` profile output.

    Why the same settings: the raw tables registered here must be visible to the session dbt starts later, and a
    local session keeps its catalog in an embedded Derby database (one process at a time: stop this one first).
    Derby's log goes beside the metastore (`<metastore>.derby.log`), not into the working directory.
    """
    import os

    from pyspark.sql import SparkSession

    dbt_dir = Path(__file__).resolve().parents[2] / "dbt"
    warehouse_dir = (dbt_dir / os.environ.get("SPM_SPARK_WAREHOUSE", "../data/spark-warehouse")).resolve()
    metastore = (dbt_dir / os.environ.get("SPM_SPARK_METASTORE", "../data/spark-metastore")).resolve()
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={metastore};create=true")
        .config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={metastore}.derby.log")
        .enableHiveSupport()
        .getOrCreate()
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.engines.load_raw",
        description="Copy the raw schema of an ingested DuckDB warehouse to PostgreSQL, or to Parquet for Spark.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    pg = sub.add_parser("postgres", help="replace PostgreSQL's raw schema (COPY)", description="Replace the raw "
                        "schema of a PostgreSQL database with the warehouse's raw tables, in one transaction.")
    pg.add_argument("--warehouse", type=Path, required=True, help="ingested DuckDB file")
    pg.add_argument("--url", required=True, help="PostgreSQL URL, e.g. postgresql://user@host:5432/spm")
    pq = sub.add_parser("parquet", help="write raw tables as Parquet files", description="Write each raw table "
                        "to <out>/<table>/part-0.parquet, to register as tables of a Spark `raw` database.")
    pq.add_argument("--warehouse", type=Path, required=True, help="ingested DuckDB file")
    pq.add_argument("--out", type=Path, required=True, help="output folder")
    sp = sub.add_parser("spark", help="Parquet files registered as tables of a local Spark `raw` database",
                        description="Write raw tables as Parquet to <out> and register them in the local Spark "
                        "catalog used by dbt's `spark` profile (SPM_SPARK_WAREHOUSE, SPM_SPARK_METASTORE).")
    sp.add_argument("--warehouse", type=Path, required=True, help="ingested DuckDB file")
    sp.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    args = parser.parse_args(argv)
    if args.command == "postgres":
        for table, n in copy_raw_to_postgres(args.warehouse, args.url).items():
            print(f"{RAW_SCHEMA}.{table}: {n} rows")
    elif args.command == "parquet":
        for table, path in export_raw_to_parquet(args.warehouse, args.out).items():
            print(f"{RAW_SCHEMA}.{table}: {path}")
    else:
        files = export_raw_to_parquet(args.warehouse, args.out)
        spark = local_spark_session()
        try:
            register_parquet_in_spark(spark, files)
        finally:
            spark.stop()
        print(f"registered {len(files)} tables in Spark database {RAW_SCHEMA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
