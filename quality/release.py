"""Write-audit-publish of the official KPIs: copies kpi.kpi_official_candidate into the append-only release tables
once every blocking check of the run's recorded gate outcome has passed, and writes the run's report either way.

Tables (created on first publish; code only ever inserts into them):
  kpi.kpi_official          release_id + the candidate's contract columns, one immutable set of rows per release
  kpi.kpi_lineage_sets      each distinct set of lineage rows behind one number, stored once: lineage_hash (the
                            hash of the set's rows), release_id (the release that first stored it) + the
                            kpi.kpi_candidate_lineage columns but the number's key, each row with the sha256 of the
                            file version it was read from (so an old release names its versions)
  kpi.kpi_release_lineage   release_id, kpi_code, region_code, quarter -> lineage_hash: the set behind each number
                            of a release that has lineage rows
  kpi.kpi_official_lineage  view: release_id + the kpi.kpi_candidate_lineage rows as they were at publish time, with
                            source_sha256 (kpi_release_lineage joined with kpi_lineage_sets)
  kpi.kpi_releases          one row per release: release_seq, release_id, run_id, quarter (latest covered),
                            published_at (UTC), input_files (JSON: path, feed, sha256, size, batch of every loaded
                            input file), code_version, checks_passed/warned/failed, checks (JSON), content_sha256,
                            row_count, previous_release_id, content_changed
  kpi.kpi_official_latest   view: the rows of the newest release (highest release_seq)

Decisions:
  * content_sha256 hashes the released rows sorted by (kpi_code, region_code, quarter), tab-separated, numbers
    rounded to 6 decimals and written without trailing zeros (-0 as 0, null as empty), release_id and times
    excluded. Same candidate rows -> same hash, whatever the run.
  * release_id = "<quarter>-r<release_seq:04d>-<first 12 hex of content_sha256>".
  * A release stores only the lineage sets no earlier release stored, so publishing writes what the release
    changed (a new quarter, a corrected file), not the whole history once more. lineage_hash is the sha256 of a
    set's row count and two sums of DuckDB's 64-bit hash() of its rows (each summed in 128 bits): order-free,
    one vectorised pass over the candidate's lineage (sorting and hashing the rows as text took 15 times longer),
    equal rows giving the same set wherever they stand. Two different sets share it only if both sums collide;
    a DuckDB whose hash() changed stores the sets again under new hashes rather than confusing them.
  * A warehouse whose kpi.kpi_official_lineage is still a table (one copy of every row per release, before the
    sets) is migrated to the sets on the next publish, in a transaction of its own, every release keeping its rows.
  * A passing run whose content equals the latest release still records a release (content_changed = false): the
    release log then shows every run that certified the numbers, with its own checks and input files.
  * Publishing twice for the same run_id (a retried step) returns the existing release when the content is the
    same, and refuses when it differs.
  * Every configured blocking check must be among check_results and have passed; otherwise ReleaseWithheld is
    raised, nothing is written and the previous release stays official.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.connections import connect
from .checks.registry import QualityConfig, load_config
from .checks.results import CheckResult, GateOutcome, jsonable
from .gate import ReleaseWithheld, gate_verdict
from .report import RunReport, write_run_report
from .revisions import find_revisions, reference_sha256
from .warehouse import LIVE_FILE_VERSIONS, LOADED_STATUSES, table_exists

RELEASE_COLUMNS = ("kpi_code", "region_code", "quarter", "actual", "target", "achievement_pct", "definition_version",
                   "entity_count", "status", "status_reason")
NUMBER_COLUMNS = frozenset({"actual", "target", "achievement_pct", "entity_count"})
LINEAGE_COLUMNS = ("kpi_code", "region_code", "quarter", "entity_type", "entity_id", "source_feed", "source_file",
                   "source_row")
NUMBER_KEY = ("kpi_code", "region_code", "quarter")
SET_COLUMNS = ("entity_type", "entity_id", "source_feed", "source_file", "source_row", "source_sha256")
OFFICIAL_LINEAGE_VIEW = f"""
    select m.release_id, {', '.join('m.' + c for c in NUMBER_KEY)}, {', '.join('s.' + c for c in SET_COLUMNS)}
    from kpi.kpi_release_lineage m join kpi.kpi_lineage_sets s on s.lineage_hash = m.lineage_hash"""
# The lineage of the candidate as a release stores it: each row with the live version of its file.
CANDIDATE_LINEAGE_ROWS = f"""
    select {', '.join('l.' + c for c in LINEAGE_COLUMNS)}, f.sha256 as source_sha256
    from kpi.kpi_candidate_lineage l left join ({LIVE_FILE_VERSIONS}) f on f.file_path = l.source_file"""

DDL = """
create schema if not exists kpi;
create table if not exists kpi.kpi_official (
    release_id varchar not null, kpi_code varchar not null, region_code varchar not null, quarter varchar not null,
    actual double, target double, achievement_pct double, definition_version varchar,
    primary key (release_id, kpi_code, region_code, quarter));
alter table kpi.kpi_official add column if not exists entity_count bigint;
alter table kpi.kpi_official add column if not exists status varchar;
alter table kpi.kpi_official add column if not exists status_reason varchar;
create table if not exists kpi.kpi_lineage_sets (
    lineage_hash varchar not null, release_id varchar not null, entity_type varchar, entity_id varchar,
    source_feed varchar, source_file varchar, source_row bigint, source_sha256 varchar);
create table if not exists kpi.kpi_release_lineage (
    release_id varchar not null, kpi_code varchar, region_code varchar, quarter varchar,
    lineage_hash varchar not null);
create table if not exists kpi.kpi_releases (
    release_seq integer primary key, release_id varchar not null unique, run_id varchar not null,
    quarter varchar not null, published_at timestamp not null, input_files json not null, code_version varchar,
    checks_passed integer not null, checks_warned integer not null, checks_failed integer not null,
    checks json not null, content_sha256 varchar not null, row_count integer not null,
    previous_release_id varchar, content_changed boolean not null);
alter table kpi.kpi_releases add column if not exists reference_sha256 varchar;
create table if not exists kpi.kpi_revisions (
    release_id varchar not null, previous_release_id varchar not null, kpi_code varchar not null,
    region_code varchar not null, quarter varchar not null, old_value double, new_value double, cause varchar,
    cause_detail varchar);
create or replace view kpi.kpi_official_latest as
    select o.* from kpi.kpi_official o
    where o.release_id = (select release_id from kpi.kpi_releases order by release_seq desc limit 1);
"""


def _set_hashes(rows_sql: str, key: Sequence[str]) -> str:
    """A query of the lineage_hash of the rows of `rows_sql` (columns `key` and SET_COLUMNS) per `key`."""
    columns = ", ".join(SET_COLUMNS)
    return f"""select {', '.join(key)},
                      sha256(concat_ws(' ', count(*), sum(hash({columns})), sum(hash({columns}, 'second'))))
                          as lineage_hash
               from ({rows_sql}) group by {', '.join(key)}"""


def _same(left: str, right: str, columns: Sequence[str]) -> str:
    """A join condition: equal `columns` of `left` and `right`, nulls equal (a lineage row without a key is kept)."""
    return " and ".join(f"{left}.{c} is not distinct from {right}.{c}" for c in columns)


def _migrate_lineage_table(con: duckdb.DuckDBPyConnection) -> None:
    """Moves the rows of a kpi.kpi_official_lineage table (one copy of the lineage per release) into the sets."""
    [(is_table,)] = con.execute("""select count(*) from duckdb_tables() where database_name = current_database()
                                   and schema_name = 'kpi' and table_name = 'kpi_official_lineage'""").fetchall()
    if not is_table:
        return
    release_key = ("release_id", *NUMBER_KEY)
    con.begin()
    try:
        con.execute("alter table kpi.kpi_official_lineage add column if not exists source_sha256 varchar")
        con.execute(f"""insert into kpi.kpi_release_lineage
                        {_set_hashes('select * from kpi.kpi_official_lineage', release_key)}""")
        con.execute(f"""insert into kpi.kpi_lineage_sets
                        select first_use.lineage_hash, l.release_id, {', '.join('l.' + c for c in SET_COLUMNS)}
                        from kpi.kpi_official_lineage l
                        join (select m.* from kpi.kpi_release_lineage m
                              left join kpi.kpi_releases r on r.release_id = m.release_id
                              qualify row_number() over (partition by m.lineage_hash
                                                         order by r.release_seq nulls last, m.release_id) = 1
                             ) first_use on {_same('first_use', 'l', release_key)}""")
        con.execute("drop table kpi.kpi_official_lineage")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def create_release_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Creates the release tables and views not there yet, migrating a lineage table of the older layout."""
    con.execute(DDL)
    _migrate_lineage_table(con)
    con.execute(f"create or replace view kpi.kpi_official_lineage as {OFFICIAL_LINEAGE_VIEW}")


def store_lineage(con: duckdb.DuckDBPyConnection, release_id: str, rows_sql: str) -> None:
    """Records the lineage of a release from `rows_sql` (columns NUMBER_KEY and SET_COLUMNS): the set behind each
    number in kpi.kpi_release_lineage, and in kpi.kpi_lineage_sets the rows of each set no earlier release stored."""
    key = ", ".join(NUMBER_KEY)
    con.execute(f"create or replace temporary table release_sets as {_set_hashes(rows_sql, NUMBER_KEY)}")
    con.execute(f"""create or replace temporary table new_sets as
                    select * from release_sets s
                    where not exists (select 1 from kpi.kpi_release_lineage m
                                      where m.lineage_hash = s.lineage_hash)
                    qualify row_number() over (partition by lineage_hash order by {key}) = 1""")
    con.execute(f"""insert into kpi.kpi_lineage_sets
                    select n.lineage_hash, ?, {', '.join('r.' + c for c in SET_COLUMNS)}
                    from ({rows_sql}) r join new_sets n on {_same('n', 'r', NUMBER_KEY)}""", [release_id])
    con.execute(f"insert into kpi.kpi_release_lineage select ?, {key}, lineage_hash from release_sets",
                [release_id])
    con.execute("drop table release_sets; drop table new_sets")


@dataclass(frozen=True)
class Release:
    release_id: str
    release_seq: int
    run_id: str
    quarter: str
    published_at: dt.datetime
    content_sha256: str
    row_count: int
    input_files: list[dict]
    code_version: str
    checks_passed: int
    checks_warned: int
    checks_failed: int
    previous_release_id: str | None
    content_changed: bool

    def to_dict(self) -> dict:
        return {k: jsonable(v) for k, v in self.__dict__.items()}


def canonical_number(value: float | int | None) -> str:
    if value is None:
        return ""
    text = f"{round(float(value), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def content_hash(rows: Iterable[Sequence]) -> str:
    """sha256 of rows given in RELEASE_COLUMNS order, already sorted by (kpi_code, region_code, quarter)."""
    digest = hashlib.sha256()
    digest.update(("\t".join(RELEASE_COLUMNS) + "\n").encode())
    for row in rows:
        fields = [canonical_number(value) if column in NUMBER_COLUMNS else (value or "")
                  for column, value in zip(RELEASE_COLUMNS, row)]
        digest.update(("\t".join(fields) + "\n").encode("utf-8"))
    return digest.hexdigest()


def _input_files(con: duckdb.DuckDBPyConnection, batch_ids: Iterable[str] | None) -> list[dict]:
    sql = f"""select file_path, feed, sha256, size_bytes, rows_loaded, load_batch_id from audit.ingest_files
              where list_contains(?::varchar[], status) {'' if batch_ids is None else
              'and list_contains(?::varchar[], load_batch_id)'}
              order by file_path, load_batch_id"""
    params: list = [list(LOADED_STATUSES)] + ([] if batch_ids is None else [list(batch_ids)])
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [jsonable(dict(zip(names, row))) for row in cur.fetchall()]


def _existing_release(con: duckdb.DuckDBPyConnection, where: str, params: list) -> Release | None:
    rows = con.execute(f"""select release_id, release_seq, run_id, quarter, published_at, content_sha256, row_count,
                                  input_files, code_version, checks_passed, checks_warned, checks_failed,
                                  previous_release_id, content_changed
                           from kpi.kpi_releases where {where} order by release_seq desc limit 1""",
                       params).fetchall()
    if not rows:
        return None
    (release_id, seq, run_id, quarter, published_at, sha, n, files, code_version, passed, warned, failed,
     previous, changed) = rows[0]
    return Release(release_id, seq, run_id, quarter, published_at, sha, n, json.loads(files), code_version,
                   passed, warned, failed, previous, changed)


def publish_release(warehouse_path: str | Path, run_id: str, code_version: str,
                    check_results: Sequence[CheckResult], batch_ids: Iterable[str] | None = None,
                    *, config: QualityConfig | None = None, expected_sha256: str | None = None) -> Release:
    """Publishes kpi.kpi_official_candidate as a new release in one transaction, or raises ReleaseWithheld.

    batch_ids selects the load batches whose loaded files are recorded as the release's inputs (None: every
    loaded file in audit.ingest_files, the warehouse being cumulative). expected_sha256, the content hash of the
    candidate the gate judged, makes publishing refuse a candidate that changed since (another run's dbt step)."""
    config = config or load_config()
    outcome = gate_verdict(check_results, config)
    batch_ids = list(batch_ids) if batch_ids is not None else None
    con = connect(warehouse_path)
    try:
        create_release_tables(con)
        con.begin()
        try:
            rows = con.execute(f"""select {', '.join(RELEASE_COLUMNS)} from kpi.kpi_official_candidate
                                   order by kpi_code, region_code, quarter""").fetchall()
            if not rows:
                raise ReleaseWithheld(["candidate_not_empty"], "kpi.kpi_official_candidate is empty")
            sha = content_hash(rows)
            if expected_sha256 is not None and sha != expected_sha256:
                raise ReleaseWithheld([], "kpi.kpi_official_candidate changed after this run's gate judged it "
                                          f"(content {sha[:12]}… where the gate saw {expected_sha256[:12]}…): another "
                                          "run rebuilt it, so this run publishes nothing")
            retried = _existing_release(con, "run_id = ?", [run_id])
            if retried is not None:
                if retried.content_sha256 != sha:
                    raise ReleaseWithheld([], f"run {run_id} already published release {retried.release_id} "
                                              "with different content")
                con.rollback()
                return retried
            previous = _existing_release(con, "true", [])
            seq = (previous.release_seq if previous else 0) + 1
            quarter = max(r[2] for r in rows)
            release_id = f"{quarter}-r{seq:04d}-{sha[:12]}"
            published_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
            files = _input_files(con, batch_ids)
            revisions = find_revisions(con)
            counts = outcome.counts()
            checks = [{"name": r.name, "severity": r.severity, "status": r.status,
                       "observed": jsonable(r.observed)} for r in check_results]
            con.execute(f"""insert into kpi.kpi_official (release_id, {', '.join(RELEASE_COLUMNS)})
                            select ?, {', '.join(RELEASE_COLUMNS)} from kpi.kpi_official_candidate""",
                        [release_id])
            store_lineage(con, release_id, CANDIDATE_LINEAGE_ROWS)
            con.execute("""insert into kpi.kpi_releases (release_seq, release_id, run_id, quarter, published_at,
                               input_files, code_version, checks_passed, checks_warned, checks_failed, checks,
                               content_sha256, row_count, previous_release_id, content_changed, reference_sha256)
                           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        [seq, release_id, run_id, quarter, published_at, json.dumps(files, ensure_ascii=False),
                         code_version, counts["passed"], counts["warned"], counts["failed"],
                         json.dumps(checks, ensure_ascii=False), sha, len(rows),
                         previous.release_id if previous else None,
                         previous is None or previous.content_sha256 != sha, reference_sha256(con)])
            if revisions:
                con.executemany("insert into kpi.kpi_revisions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [[release_id, previous.release_id, r.kpi_code, r.region_code, r.quarter, r.old_value,
                                  r.new_value, r.cause, r.cause_detail] for r in revisions])
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()
    return Release(release_id, seq, run_id, quarter, published_at, sha, len(rows), files, code_version,
                   counts["passed"], counts["warned"], counts["failed"],
                   previous.release_id if previous else None, previous is None or previous.content_sha256 != sha)


def candidate_content_hash(warehouse_path: str | Path) -> str | None:
    """The content hash the candidate would be released under now, or None when there is no candidate."""
    with connect(warehouse_path, read_only=True) as con:
        if not table_exists(con, "kpi.kpi_official_candidate"):
            return None
        rows = con.execute(f"""select {', '.join(RELEASE_COLUMNS)} from kpi.kpi_official_candidate
                               order by kpi_code, region_code, quarter""").fetchall()
    return content_hash(rows) if rows else None


def latest_release(warehouse_path: str | Path) -> Release | None:
    """The newest release, or None when nothing was ever published."""
    con = connect(warehouse_path, read_only=True)
    try:
        return _existing_release(con, "true", []) if table_exists(con, "kpi.kpi_releases") else None
    finally:
        con.close()


@dataclass(frozen=True)
class PublishedRun:
    release: Release
    report: RunReport


def release_run(warehouse_path: str | Path, reports_dir: str | Path, run_id: str, code_version: str,
                outcome: GateOutcome, dbt_target: str | Path | None = None) -> PublishedRun:
    """Publish the candidate on the gate's outcome and write the run's report (with dbt's checks from the run
    results in dbt_target); when the gate withholds the release, write the report and raise ReleaseWithheld
    (its .report_path points at the HTML)."""
    try:
        release = publish_release(warehouse_path, run_id, code_version, outcome.results,
                                  expected_sha256=outcome.candidate_sha256)
    except ReleaseWithheld as withheld:
        report = write_run_report(reports_dir, run_id, warehouse_path, outcome, withheld=withheld,
                                  batch_ids=_listed(outcome.batch_ids), code_version=code_version,
                                  dbt_target=dbt_target)
        withheld.report_path = report.html_path
        raise
    report = write_run_report(reports_dir, run_id, warehouse_path, outcome, release=release,
                              batch_ids=_listed(outcome.batch_ids), code_version=code_version, dbt_target=dbt_target)
    return PublishedRun(release, report)


def _listed(batch_ids: tuple[str, ...] | None) -> list[str] | None:
    return list(batch_ids) if batch_ids is not None else None
