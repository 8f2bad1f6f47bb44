"""Read-only access to the DuckDB warehouse for checks, lineage look-ups and reports."""
from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.connections import connect


def connect_readonly(warehouse_path: str | Path) -> duckdb.DuckDBPyConnection:
    return connect(warehouse_path, read_only=True)


def table_exists(con: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    schema, _, name = qualified_name.partition(".")
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0]
    return bool(row[0])


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row)) for row in cur.fetchall()]
