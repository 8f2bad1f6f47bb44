"""Row-by-row comparison of the DuckDB build and the Spark build of the dbt project (the Spark CI lane's verdict).

Every table in the compared schemas (default: marts and kpi, i.e. every mart and the KPI candidate tables) plus
any extra tables named with --table is read from the DuckDB warehouse and from the Spark warehouse's Parquet files
(<spark-warehouse>/<schema>.db/<table>/, hive-partitioned folders included), and the two are diffed with EXCEPT ALL
both ways on the DuckDB table's columns. A table passes when both sides hold exactly the same multiset of rows.
DOUBLE columns are compared rounded to --float-decimals places, because a sum of doubles may differ in its last
bits when the engines add the terms in another order.

Exit status 0 when every table passes, 1 otherwise; each failure names the table and prints sample rows found on
one side only. The last line reads `N passed, M failed` (counting tables).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

DEFAULT_SCHEMAS = ("marts", "kpi")
SAMPLE_ROWS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default=os.environ.get("SME_WAREHOUSE_PATH", "data/warehouse.duckdb"),
                        help="the DuckDB warehouse file (default: SME_WAREHOUSE_PATH)")
    parser.add_argument("--spark-warehouse", default=os.environ.get("SME_SPARK_WAREHOUSE_DIR", "data/spark-warehouse"),
                        help="Spark's spark.sql.warehouse.dir (default: SME_SPARK_WAREHOUSE_DIR)")
    parser.add_argument("--schema", action="append", dest="schemas",
                        help="compare every table of this schema (repeatable; default: marts and kpi)")
    parser.add_argument("--table", action="append", dest="tables", default=[],
                        help="also compare this schema.table (repeatable)")
    parser.add_argument("--float-decimals", type=int, default=9,
                        help="decimal places DOUBLE values are rounded to before comparing (default 9)")
    args = parser.parse_args(argv)

    con = duckdb.connect()
    con.execute(f"ATTACH '{Path(args.duckdb).resolve()}' AS duck (READ_ONLY)")
    tables = _tables_to_compare(con, tuple(args.schemas or DEFAULT_SCHEMAS), args.tables)
    if not tables:
        print(f"no tables found in {args.duckdb}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    passed = failed = 0
    for schema, table in tables:
        problems = compare_table(con, Path(args.spark_warehouse), schema, table, args.float_decimals)
        if problems:
            failed += 1
            print(f"FAIL {schema}.{table}")
            for line in problems:
                print(f"    {line}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def _tables_to_compare(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], extra: list[str]) -> list[tuple[str, str]]:
    found = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'duck' "
        f"AND schema_name IN ({', '.join('?' for _ in schemas)}) ORDER BY 1, 2", list(schemas)).fetchall()
    named = [tuple(name.split(".", 1)) for name in extra]
    return list(dict.fromkeys([*found, *named]))


def compare_table(con: duckdb.DuckDBPyConnection, spark_warehouse: Path, schema: str, table: str,
                  float_decimals: int) -> list[str]:
    """Differences between duck.<schema>.<table> and Spark's copy, as printable lines (empty when equal)."""
    spark_dir = spark_warehouse / f"{schema}.db" / table
    files = sorted(spark_dir.rglob("*.parquet")) if spark_dir.is_dir() else []
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'duck' AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index", [schema, table]).fetchall()
    if not columns:
        return ["no such table in the DuckDB warehouse"]
    if not files:
        return [f"no Parquet files under {spark_dir}"]
    partitioned = any("=" in part for f in files for part in f.relative_to(spark_dir).parts[:-1])
    con.execute(f"CREATE OR REPLACE TEMP VIEW spark_side AS SELECT * FROM read_parquet("
                f"'{spark_dir}/**/*.parquet', hive_partitioning = {str(partitioned).lower()})")
    spark_columns = {name for (name,) in con.execute(
        "SELECT column_name FROM (DESCRIBE spark_side)").fetchall()}
    missing = [name for name, _ in columns if name not in spark_columns]
    if missing:
        return [f"columns missing on Spark: {', '.join(missing)}"]

    def projection(source_prefix: str) -> str:
        items = []
        for name, data_type in columns:
            value = f"CAST({source_prefix}{name} AS {data_type})"
            if data_type in ("DOUBLE", "FLOAT", "REAL"):
                value = f"round({value}, {float_decimals})"
            items.append(f"{value} AS {name}")
        return ", ".join(items)

    duck_rows = f"SELECT {projection('')} FROM duck.{schema}.{table}"
    spark_rows = f"SELECT {projection('')} FROM spark_side"
    counts = con.execute(f"SELECT (SELECT count(*) FROM duck.{schema}.{table}), (SELECT count(*) FROM spark_side)"
                         ).fetchone()
    only_duck = con.execute(f"SELECT count(*) FROM ({duck_rows} EXCEPT ALL {spark_rows})").fetchone()[0]
    only_spark = con.execute(f"SELECT count(*) FROM ({spark_rows} EXCEPT ALL {duck_rows})").fetchone()[0]
    if only_duck == 0 and only_spark == 0:
        print(f"ok   {schema}.{table}: {counts[0]} rows identical")
        return []
    problems = [f"rows duckdb={counts[0]} spark={counts[1]}; only in duckdb={only_duck}, only in spark={only_spark}"]
    names = [name for name, _ in columns]
    for side, query in (("duckdb", f"{duck_rows} EXCEPT ALL {spark_rows}"), ("spark", f"{spark_rows} EXCEPT ALL {duck_rows}")):
        for row in con.execute(f"SELECT * FROM ({query}) ORDER BY ALL LIMIT {SAMPLE_ROWS}").fetchall():
            problems.append(f"only in {side}: " + ", ".join(f"{n}={v!r}" for n, v in zip(names, row)))
    return problems


if __name__ == "__main__":
    sys.exit(main())
