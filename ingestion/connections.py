"""How every process opens a DuckDB database: with a memory limit and a thread count, spilling beside the file.

DuckDB's own default lets one connection take 80 % of the machine's memory, so a national run (the loader, the
gate, the serving refresh and dbt each in turn) grew with the history. Every connection of the project comes
from `connect`, with `SME_DUCKDB_MEMORY_LIMIT` (default 2GB) and `SME_DUCKDB_THREADS` (default 2); what does not
fit spills into `<database>.tmp/` beside the file. The dbt profile reads the same two variables.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"
DEFAULT_THREADS = "2"


def limits(spill_beside: str | Path | None = None) -> dict[str, str]:
    config = {"memory_limit": os.environ.get("SME_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
              "threads": os.environ.get("SME_DUCKDB_THREADS") or DEFAULT_THREADS}
    if spill_beside is not None:
        config["temp_directory"] = f"{spill_beside}.tmp"
    return config


def connect(database: str | Path = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to `database` (a file, or an in-memory database) under the project's limits."""
    on_disk = str(database) != ":memory:"
    return duckdb.connect(str(database), read_only=read_only, config=limits(database if on_disk else None))
