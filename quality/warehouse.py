"""Read-only access to the DuckDB warehouse for checks, lineage look-ups and reports."""
from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.connections import connect

# Audit statuses of a landing file version whose rows the warehouse holds.
LOADED_STATUSES = ("loaded", "loaded_with_quarantine")
# The version of each landing file whose rows the warehouse holds now: the one a release built today uses.
LIVE_FILE_VERSIONS = f"""select file_path, any_value(sha256 order by loaded_at desc) as sha256 from audit.ingest_files
                         where status in ({", ".join(f"'{status}'" for status in LOADED_STATUSES)})
                         group by file_path"""


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
