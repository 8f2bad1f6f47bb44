"""The Parquet raw zone: the raw tables exported from the DuckDB warehouse so that any engine can read them.

After a load, `export_raw_zone` copies `raw.firms`, `raw.funding` and `raw.employment` out of the warehouse (opened
read-only, so it never competes with the loader for the write lock) into

    <raw_zone>/firms/part-0.parquet
    <raw_zone>/funding/part-0.parquet
    <raw_zone>/employment/data_month=YYYY-MM-01/*.parquet      (hive-partitioned by month, data_month in the path)

Spark reads these as external tables (see dbt_project/macros/spark_raw_zone.sql); DuckDB can read them with
read_parquet(..., hive_partitioning = true). Each table or month partition is written to a temporary folder next to
its final place and swapped in by renames, so a reader sees the old or the new files of a partition, never half of
a write. The raw zone holds exactly the warehouse's rows: a full export also removes month partitions that no
longer have rows.
"""
from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import duckdb

from ingestion.connections import connect

WHOLE_TABLES = ("firms", "funding")
PARTITIONED_TABLE = "employment"
PARTITION_COLUMN = "data_month"


def export_raw_zone(warehouse_path: str | Path, raw_zone_dir: str | Path, months: list[str] | None = None) -> dict:
    """Export the raw tables to the Parquet raw zone and return what was written.

    `months` ('YYYY-MM' or 'YYYY-MM-DD', any day of the month) limits the employment export to those month
    partitions (a listed month without rows loses its partition); None exports every month and drops partitions
    of months the warehouse no longer has. The firms and funding tables are always exported whole.
    Returns {"firms": {"rows", "path"}, "funding": {...}, "employment": {"rows", "path", "partitions", "removed"}}.
    """
    raw_zone = Path(raw_zone_dir).resolve()
    raw_zone.mkdir(parents=True, exist_ok=True)
    wanted_months = None if months is None else sorted({_month_start(text) for text in months})
    result: dict = {}
    with connect(warehouse_path, read_only=True) as con:
        for table in WHOLE_TABLES:
            result[table] = _export_whole_table(con, table, raw_zone / table)
        result[PARTITIONED_TABLE] = _export_months(con, raw_zone / PARTITIONED_TABLE, wanted_months)
    return result


def _sql_path(path: Path) -> str:
    """A path as a SQL string literal (COPY ... TO takes no parameter)."""
    return "'" + str(path).replace("'", "''") + "'"


def _month_start(text: str) -> dt.date:
    parts = text.strip().split("-")
    if len(parts) not in (2, 3):
        raise ValueError(f"month {text!r} is not 'YYYY-MM' or 'YYYY-MM-DD'")
    return dt.date(int(parts[0]), int(parts[1]), 1)


def _scratch_dir(final: Path) -> Path:
    """A fresh folder beside `final` (same file system, so the swap is a rename), hidden from readers by its dot."""
    scratch = final.parent / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True)
    return scratch


def _swap_in(new: Path, final: Path) -> None:
    """Put the folder `new` where `final` is: old folder renamed aside, new renamed in, old removed."""
    retired = None
    if final.exists():
        retired = final.parent / f".old-{final.name}-{uuid.uuid4().hex[:8]}"
        final.rename(retired)
    new.rename(final)
    if retired is not None:
        shutil.rmtree(retired)


def _remove(final: Path) -> bool:
    """Take the folder `final` away (renamed aside first, then deleted); False when there was none."""
    if not final.exists():
        return False
    retired = final.parent / f".old-{final.name}-{uuid.uuid4().hex[:8]}"
    final.rename(retired)
    shutil.rmtree(retired)
    return True


def _export_whole_table(con: duckdb.DuckDBPyConnection, table: str, final: Path) -> dict:
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch_dir(final)
    try:
        con.execute(f"COPY (SELECT * FROM raw.{table}) TO {_sql_path(scratch / 'part-0.parquet')} (FORMAT parquet)")
        rows = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        _swap_in(scratch, final)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"rows": rows, "path": str(final)}


def _export_months(con: duckdb.DuckDBPyConnection, table_dir: Path, months: list[dt.date] | None) -> dict:
    table_dir.mkdir(parents=True, exist_ok=True)
    condition, params = "", []
    if months is not None:
        months = sorted(set(months) | set(_months_missing_columns(con, table_dir)))
        if not months:
            return {"rows": 0, "path": str(table_dir), "partitions": [], "removed": []}
        condition = f"WHERE {PARTITION_COLUMN} IN ({', '.join('?' for _ in months)})"
        params = list(months)
    present = [row[0] for row in con.execute(
        f"SELECT DISTINCT {PARTITION_COLUMN} FROM raw.{PARTITIONED_TABLE} {condition} ORDER BY 1", params).fetchall()]
    rows = con.execute(f"SELECT count(*) FROM raw.{PARTITIONED_TABLE} {condition}", params).fetchone()[0]
    scratch = _scratch_dir(table_dir)
    try:
        if present:
            # DuckDB's hive-partitioned COPY writes scratch/data_month=YYYY-MM-DD/data_0.parquet per month
            con.execute(
                f"COPY (SELECT * FROM raw.{PARTITIONED_TABLE} {condition}) TO {_sql_path(scratch)} "
                f"(FORMAT parquet, PARTITION_BY ({PARTITION_COLUMN}), OVERWRITE_OR_IGNORE)", params)
        written = []
        for month in present:
            name = f"{PARTITION_COLUMN}={month:%Y-%m-%d}"
            _swap_in(scratch / name, table_dir / name)
            written.append(f"{month:%Y-%m-%d}")
        stale = months if months is not None else _partition_months(table_dir)
        removed = []
        for month in sorted(set(stale) - set(present)):
            if _remove(table_dir / f"{PARTITION_COLUMN}={month:%Y-%m-%d}"):
                removed.append(f"{month:%Y-%m-%d}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"rows": rows, "path": str(table_dir), "partitions": written, "removed": removed}


def _months_missing_columns(con: duckdb.DuckDBPyConnection, table_dir: Path) -> list[dt.date]:
    """Month partitions whose files lack a column the raw table has now: written before the table gained it (as
    `copy_of_row`). An export of some months takes these along, so every partition has the table's columns."""
    files = sorted(str(path) for path in table_dir.glob(f"{PARTITION_COLUMN}=*/*.parquet"))
    if not files:
        return []
    columns = {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ? AND column_name <> ?",
        [PARTITIONED_TABLE, PARTITION_COLUMN]).fetchall()}
    behind = con.execute("SELECT file_name FROM parquet_schema(?) GROUP BY file_name "
                         "HAVING NOT list_has_all(list(name), ?)", [files, sorted(columns)]).fetchall()
    prefix = f"{PARTITION_COLUMN}="
    return sorted({dt.date.fromisoformat(Path(name).parent.name[len(prefix):]) for (name,) in behind})


def _partition_months(table_dir: Path) -> list[dt.date]:
    prefix = f"{PARTITION_COLUMN}="
    return [dt.date.fromisoformat(child.name[len(prefix):])
            for child in table_dir.iterdir() if child.is_dir() and child.name.startswith(prefix)]
