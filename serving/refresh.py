"""Refreshes the serving copy of the warehouse: data/serving.duckdb (SME_SERVING_PATH) and
data/exports/<table>.parquet (SME_EXPORTS_DIR).

DuckDB lets one process write a database file, and a BI tool holding the warehouse open would block the pipeline.
So BI tools read a separate file that the pipeline never keeps open:

  * the warehouse is attached READ_ONLY and every table and view of the schemas marts and kpi (views such as
    kpi.kpi_official_latest are materialised as tables) plus the label seeds of schema ref are copied into a new
    database built under a hidden temporary name in the serving file's own directory, in one transaction;
  * meta.serving_refresh records when, from which warehouse and for which release the copy was made;
  * one Parquet file per marts/kpi object is written from that copy, also under temporary names;
  * only when everything is built are the files moved into place with os.replace, an atomic rename on POSIX.
    A reader sees either the old file or the new one, never a half-written one; a process still holding the old
    serving file open keeps reading the old inode until it reconnects.

A failure anywhere leaves the previous serving file and exports untouched and removes the temporary files.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.connections import connect

SERVED_SCHEMAS = ("marts", "kpi")      # copied and exported as Parquet
LABEL_SCHEMAS = ("ref",)               # copied for labels (region and KPI names), not exported
META_TABLE = "meta.serving_refresh"


@dataclass(frozen=True)
class ServedTable:
    schema: str
    name: str
    rows: int
    parquet_path: Path | None          # None for label tables, which are not exported
    parquet_bytes: int

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class ServingSummary:
    serving_path: Path
    exports_dir: Path
    tables: tuple[ServedTable, ...]
    serving_bytes: int
    release_id: str | None
    refreshed_at: dt.datetime
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def exports_bytes(self) -> int:
        return sum(t.parquet_bytes for t in self.tables)

    @property
    def total_bytes(self) -> int:
        return self.serving_bytes + self.exports_bytes

    def table(self, qualified_name: str) -> ServedTable:
        return next(t for t in self.tables if t.qualified_name == qualified_name)

    def to_dict(self) -> dict:
        return {
            "serving_path": str(self.serving_path), "exports_dir": str(self.exports_dir),
            "release_id": self.release_id, "refreshed_at": self.refreshed_at.isoformat(),
            "seconds": round(self.seconds, 3), "tables": len(self.tables), "rows": self.total_rows,
            "serving_bytes": self.serving_bytes, "exports_bytes": self.exports_bytes,
            "per_table": [{"table": t.qualified_name, "rows": t.rows, "parquet": str(t.parquet_path or ""),
                           "parquet_bytes": t.parquet_bytes} for t in self.tables],
        }


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _temp_sibling(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _temporary_files() -> Iterator[list[Path]]:
    """Collects temporary paths; whatever is still there when the block ends (normally or not) is removed."""
    paths: list[Path] = []
    try:
        yield paths
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _source_objects(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return [tuple(row) for row in con.execute("""
        select schema_name, table_name from duckdb_tables()
        where database_name = 'warehouse' and list_contains(?::varchar[], schema_name)
        union
        select schema_name, view_name from duckdb_views()
        where database_name = 'warehouse' and not internal and list_contains(?::varchar[], schema_name)
        order by 1, 2""", [list(schemas), list(schemas)]).fetchall()]


def _latest_release_id(con: duckdb.DuckDBPyConnection, objects: list[tuple[str, str]]) -> str | None:
    if ("kpi", "kpi_releases") not in objects:
        return None
    row = con.execute("select release_id from warehouse.kpi.kpi_releases order by release_seq desc limit 1").fetchone()
    return row[0] if row else None


def refresh_serving(warehouse_path: str | Path, serving_path: str | Path, exports_dir: str | Path) -> ServingSummary:
    """Rebuilds the serving database and the Parquet exports from the warehouse, swapping each file in atomically."""
    started = time.perf_counter()
    warehouse_path, serving_path, exports_dir = Path(warehouse_path), Path(serving_path), Path(exports_dir)
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse_path}")
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    exports_dir.mkdir(parents=True, exist_ok=True)
    refreshed_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)

    with _temporary_files() as temporaries:
        temp_db = _temp_sibling(serving_path, ".tmp")
        temporaries += [temp_db, Path(f"{temp_db}.wal")]
        con = connect()
        try:
            con.execute(f"attach {duckdb_literal(warehouse_path)} as warehouse (read_only)")
            con.execute(f"attach {duckdb_literal(temp_db)} as serving")
            served = _source_objects(con, SERVED_SCHEMAS)
            labels = _source_objects(con, LABEL_SCHEMAS)
            if not served:
                raise ValueError(f"{warehouse_path} has no tables in schemas {', '.join(SERVED_SCHEMAS)}")
            names = [name for _, name in served]
            clashes = sorted({n for n in names if names.count(n) > 1})
            if clashes:
                raise ValueError(f"tables with the same name in several schemas cannot share exports/: {clashes}")
            release_id = _latest_release_id(con, served)

            con.begin()
            for schema in sorted({s for s, _ in served + labels} | {"meta"}):
                con.execute(f"create schema serving.{_quote(schema)}")
            for schema, name in served + labels:
                con.execute(f"create table serving.{_quote(schema)}.{_quote(name)} as "
                            f"select * from warehouse.{_quote(schema)}.{_quote(name)}")
            con.execute(f"""create table serving.{META_TABLE} as select
                                ?::timestamp as refreshed_at, ?::varchar as release_id,
                                ?::varchar as source_warehouse, ?::integer as tables""",
                        [refreshed_at, release_id, str(warehouse_path.resolve()), len(served) + len(labels)])
            con.commit()

            tables, staged_exports = [], []
            for schema, name in served + labels:
                rows = con.execute(f"select count(*) from serving.{_quote(schema)}.{_quote(name)}").fetchone()[0]
                parquet_path, parquet_bytes = None, 0
                if (schema, name) in served:
                    parquet_path = exports_dir / f"{name}.parquet"
                    temp_parquet = _temp_sibling(parquet_path, ".tmp")
                    temporaries.append(temp_parquet)
                    con.execute(f"copy serving.{_quote(schema)}.{_quote(name)} to {duckdb_literal(temp_parquet)} "
                                "(format parquet, compression zstd)")
                    parquet_bytes = temp_parquet.stat().st_size
                    staged_exports.append((temp_parquet, parquet_path))
                tables.append(ServedTable(schema, name, rows, parquet_path, parquet_bytes))
            con.execute("detach serving")
        finally:
            con.close()

        if Path(f"{temp_db}.wal").exists():
            raise RuntimeError(f"{temp_db} was not checkpointed on close; the serving file was left as it was")
        for path in [temp_db] + [temp for temp, _ in staged_exports]:
            _fsync(path)
        serving_bytes = temp_db.stat().st_size
        # A write-ahead log beside the serving path can only come from someone opening it read-write; replayed onto
        # the new file it would corrupt it, so it goes first.
        Path(f"{serving_path}.wal").unlink(missing_ok=True)
        os.replace(temp_db, serving_path)
        for temp_parquet, parquet_path in staged_exports:
            os.replace(temp_parquet, parquet_path)
        _fsync(serving_path.parent)
        if exports_dir.resolve() != serving_path.parent.resolve():
            _fsync(exports_dir)

    return ServingSummary(serving_path, exports_dir, tuple(tables), serving_bytes, release_id, refreshed_at,
                          time.perf_counter() - started)


def duckdb_literal(path: str | Path) -> str:
    """A file path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"
