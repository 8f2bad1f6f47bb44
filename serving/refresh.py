"""Refreshes the serving copy of the warehouse: data/serving.duckdb (SME_SERVING_PATH) and
data/exports/<table>.parquet (SME_EXPORTS_DIR).

DuckDB lets one process write a database file, and a BI tool holding the warehouse open would block the pipeline.
So BI tools read a separate file that the pipeline never keeps open:

  * the new serving database is built under a hidden temporary name in the serving file's own directory, holding
    every table and view of the schemas marts and kpi (views such as kpi.kpi_official_latest are materialised as
    tables) plus the label seeds of schema ref, copied from the warehouse attached READ_ONLY in one transaction;
  * it starts as a copy of the previous serving file when that copy was made from the same warehouse: the
    release tables, which publish only appends to, then receive the rows of the releases published since (their
    earlier releases checked against the warehouse's release log, row counts included), and every other table is
    dropped (its space freed by a checkpoint of the private copy) and copied again. The release lineage is stored
    as sets, each once, so a release adds only the sets it was the first to use;
  * kpi.kpi_official_lineage stays a view over those sets (the lineage of every quarter once per release, which
    materialised would grow with every release); it has no Parquet file of its own (one left by a warehouse of the
    older layout is removed), its two tables have;
  * meta.serving_refresh records when, from which warehouse and for which release the copy was made;
  * one Parquet file per marts/kpi object is written from that copy, also under temporary names, but for the
    lineage sets: exports/kpi_lineage_sets/<release_id>.parquet holds the sets each release first stored, and only
    the files of releases published since (or missing) are written;
  * only when everything is built are the files moved into place with os.replace, an atomic rename on POSIX.
    A reader sees either the old file or the new one, never a half-written one; a process still holding the old
    serving file open keeps reading the old inode until it reconnects.

A failure anywhere leaves the previous serving file and exports untouched and removes the temporary files.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.connections import connect
from quality.release import OFFICIAL_LINEAGE_VIEW

SERVED_SCHEMAS = ("marts", "kpi")      # copied and exported as Parquet
LABEL_SCHEMAS = ("ref",)               # copied for labels (region and KPI names), not exported
META_TABLE = "meta.serving_refresh"
RELEASE_LOG = ("kpi", "kpi_releases")
# Tables publish only appends to, a set of rows per release_id written with that release's row in RELEASE_LOG.
APPEND_ONLY = (("kpi", "kpi_official"), ("kpi", "kpi_lineage_sets"), ("kpi", "kpi_release_lineage"),
               ("kpi", "kpi_revisions"))
# Exported as <name>/<release_id>.parquet, the rows of each release in a file of their own.
RELEASE_FILES = (("kpi", "kpi_lineage_sets"),)
# The candidate the gate judges before a release: readers get what was published (kpi_official, its views and the
# release lineage), never a candidate, which a later run's gate may withhold.
UNPUBLISHED = (("kpi", "kpi_official_candidate"), ("kpi", "kpi_candidate_lineage"))
# Views of the warehouse served as the same view over the copied tables, not materialised.
VIEWS = {("kpi", "kpi_official_lineage"): OFFICIAL_LINEAGE_VIEW}


@dataclass(frozen=True)
class ServedTable:
    schema: str
    name: str
    rows: int
    parquet_path: Path | None          # a folder for RELEASE_FILES; None for label tables, which are not exported
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
    """The tables and views of `schemas` in the warehouse, but the UNPUBLISHED ones and those served as VIEWS."""
    views = {*_served_views(con), *UNPUBLISHED}
    return [tuple(row) for row in con.execute("""
        select schema_name, table_name from duckdb_tables()
        where database_name = 'warehouse' and list_contains(?::varchar[], schema_name)
        union
        select schema_name, view_name from duckdb_views()
        where database_name = 'warehouse' and not internal and list_contains(?::varchar[], schema_name)
        order by 1, 2""", [list(schemas), list(schemas)]).fetchall() if tuple(row) not in views]


def _served_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The VIEWS the warehouse has as views (a warehouse not yet migrated has its lineage as a table)."""
    return [(s, n) for s, n in con.execute("select schema_name, view_name from duckdb_views() "
                                           "where database_name = 'warehouse'").fetchall() if (s, n) in VIEWS]


def _latest_release_id(con: duckdb.DuckDBPyConnection, objects: list[tuple[str, str]]) -> str | None:
    if ("kpi", "kpi_releases") not in objects:
        return None
    row = con.execute("select release_id from warehouse.kpi.kpi_releases order by release_seq desc limit 1").fetchone()
    return row[0] if row else None


def _previous_copy(serving_path: Path, warehouse_path: Path, temp_db: Path) -> bool:
    """Copy the previous serving file to `temp_db` when it was made from this warehouse; False when there is none."""
    if not serving_path.is_file() or Path(f"{serving_path}.wal").exists():
        return False
    try:
        with connect(serving_path, read_only=True) as con:
            source = con.execute(f"select source_warehouse from {META_TABLE}").fetchone()
    except duckdb.Error:
        return False
    if source is None or source[0] != str(warehouse_path.resolve()):
        return False
    shutil.copyfile(serving_path, temp_db)
    return True


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, name: str) -> list[tuple]:
    return con.execute("""select column_name, data_type from duckdb_columns()
                          where database_name = ? and schema_name = ? and table_name = ? order by column_index""",
                       [database, schema, name]).fetchall()


def _releases_to_add(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """Release ids the warehouse published since the copied serving file, or None when the copy's release tables
    cannot be kept (a release of the copy that the warehouse does not hold as it is, another table shape, or
    another number of rows in a release)."""
    tables = {(s, n) for s, n in con.execute("select schema_name, table_name from duckdb_tables() "
                                             "where database_name = 'serving'").fetchall()}
    for schema, name in (RELEASE_LOG, *APPEND_ONLY):
        if (schema, name) not in tables or \
                _columns(con, "serving", schema, name) != _columns(con, "warehouse", schema, name):
            return None
    log = f"{RELEASE_LOG[0]}.{RELEASE_LOG[1]}"
    [(served, kept)] = con.execute(f"""
        select count(*), count(w.release_id) from serving.{log} s
        left join warehouse.{log} w using (release_seq, release_id, run_id, published_at, content_sha256)""").fetchall()
    if served != kept:
        return None
    for schema, name in APPEND_ONLY:
        counts = f"select release_id, count(*) as n from {{}}.{schema}.{name} group by release_id"
        differing = con.execute(f"""select count(*) from (select release_id from serving.{log}) r
                                    left join ({counts.format('serving')}) s using (release_id)
                                    left join ({counts.format('warehouse')}) w using (release_id)
                                    where coalesce(s.n, 0) <> coalesce(w.n, 0)""").fetchone()[0]
        if differing:
            return None
    return [r for (r,) in con.execute(f"""select release_id from warehouse.{log}
                                          except select release_id from serving.{log}""").fetchall()]


def _copy_tables(con: duckdb.DuckDBPyConnection, objects: list[tuple[str, str]], reused: bool) -> list[str] | None:
    """Fill the attached serving database with `objects` from the attached warehouse; the copy ends in an open
    transaction that the caller commits. Returns the releases added to the kept release tables, None when every
    table was copied anew."""
    added = _releases_to_add(con) if reused else None
    kept = {RELEASE_LOG, *APPEND_ONLY} if added is not None else set()
    for schema, name in con.execute("select schema_name, table_name from duckdb_tables() "
                                    "where database_name = 'serving'").fetchall():
        if (schema, name) not in kept:
            con.execute(f"drop table serving.{_quote(schema)}.{_quote(name)}")
    con.execute("checkpoint serving")    # the dropped tables' blocks are free for the new ones
    con.begin()
    for schema in sorted({s for s, _ in objects} | {"meta"}):
        con.execute(f"create schema if not exists serving.{_quote(schema)}")
    for schema, name in objects:
        table = f"{_quote(schema)}.{_quote(name)}"
        if (schema, name) in kept:
            con.execute(f"insert into serving.{table} select * from warehouse.{table} "
                        "where list_contains(?::varchar[], release_id)", [added])
        else:
            con.execute(f"create table serving.{table} as select * from warehouse.{table}")
    for schema, name in _served_views(con):
        con.execute(f"create or replace view serving.{_quote(schema)}.{_quote(name)} as {VIEWS[schema, name]}")
    return added


def _stage_release_files(con: duckdb.DuckDBPyConnection, schema: str, name: str, folder: Path,
                         added: list[str] | None, temporaries: list[Path]
                         ) -> tuple[list[tuple[Path, Path]], list[Path], int]:
    """Writes the Parquet files of a RELEASE_FILES table under temporary names (listed in `temporaries`) in
    `folder`: of the releases in `added` and of those whose file is missing (of every release when `added` is
    None). Returns the staged (temporary, final) paths, the files of releases the serving copy does not hold, and
    the bytes the folder will hold."""
    folder.mkdir(exist_ok=True)
    releases = [r for (r,) in con.execute(f"select release_id from serving.{RELEASE_LOG[0]}.{RELEASE_LOG[1]} "
                                          "order by release_seq").fetchall()]
    staged = []
    for release_id in releases:
        target = folder / f"{release_id}.parquet"
        if added is None or release_id in added or not target.exists():
            temp = _temp_sibling(target, ".tmp")
            temporaries.append(temp)
            staged.append((temp, target))
            con.execute(f"copy (select * from serving.{_quote(schema)}.{_quote(name)} where release_id = ?) "
                        f"to {duckdb_literal(temp)} (format parquet, compression zstd)", [release_id])
    stale = [path for path in folder.glob("*.parquet") if path.stem not in releases]
    rewritten = {target for _, target in staged}
    kept_bytes = sum(path.stat().st_size for path in folder.glob("*.parquet")
                     if path.stem in releases and path not in rewritten)
    return staged, stale, kept_bytes + sum(temp.stat().st_size for temp, _ in staged)


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
        reused = _previous_copy(serving_path, warehouse_path, temp_db)
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

            added = _copy_tables(con, served + labels, reused)
            con.execute(f"""create table serving.{META_TABLE} as select
                                ?::timestamp as refreshed_at, ?::varchar as release_id,
                                ?::varchar as source_warehouse, ?::integer as tables""",
                        [refreshed_at, release_id, str(warehouse_path.resolve()), len(served) + len(labels)])
            con.commit()

            tables, staged_exports = [], []
            # a view served as a view and the unpublished candidate have no export; a file of one is from before
            stale_exports = [path for path in (exports_dir / f"{name}.parquet"
                                               for _, name in (*_served_views(con), *UNPUBLISHED)) if path.exists()]
            for schema, name in served + labels:
                rows = con.execute(f"select count(*) from serving.{_quote(schema)}.{_quote(name)}").fetchone()[0]
                parquet_path, parquet_bytes = None, 0
                if (schema, name) in RELEASE_FILES:
                    parquet_path = exports_dir / name
                    staged, stale, parquet_bytes = _stage_release_files(con, schema, name, parquet_path, added,
                                                                        temporaries)
                    staged_exports += staged
                    stale_exports += stale
                elif (schema, name) in served:
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
        for path in stale_exports:
            path.unlink()
        for folder in {serving_path.parent.resolve(), exports_dir.resolve(),
                       *((exports_dir / name).resolve() for schema, name in RELEASE_FILES if (schema, name) in served)}:
            _fsync(folder)

    return ServingSummary(serving_path, exports_dir, tuple(tables), serving_bytes, release_id, refreshed_at,
                          time.perf_counter() - started)


def duckdb_literal(path: str | Path) -> str:
    """A file path as a DuckDB string literal."""
    return "'" + str(path).replace("'", "''") + "'"
