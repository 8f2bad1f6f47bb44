"""Checks that GX expresses poorly (cross-row, cross-table, manifest reconciliation), computed with DuckDB SQL
on a read-only connection and reported in the same CheckResult shape as the GX suites.

Each kind writes a query returning the failing rows; the check fails when that query returns any row
(except linkage_match_rate, which compares a share with its floor).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb

from .registry import CheckSpec, Programme
from .results import MAX_FAILING_ROWS, CheckResult
from quality.warehouse import fetch_dicts, table_exists

CANDIDATE = "kpi.kpi_official_candidate"
QUARTER_PATTERN = "^[0-9]{4}Q[1-4]$"


class MissingTable(RuntimeError):
    pass


@dataclass(frozen=True)
class SqlCheckContext:
    con: duckdb.DuckDBPyConnection
    programme: Programme
    batch_ids: tuple[str, ...] | None


def _require(ctx: SqlCheckContext, *tables: str) -> None:
    missing = [t for t in tables if not table_exists(ctx.con, t)]
    if missing:
        raise MissingTable(f"table(s) not in warehouse: {', '.join(missing)}")


def _failing_rows_result(ctx: SqlCheckContext, spec: CheckSpec, failing_sql: str, params: list,
                         describe: Callable[[int], str]) -> CheckResult:
    count = ctx.con.execute(f"select count(*) from ({failing_sql}) as failing", params).fetchall()[0][0]
    sample = fetch_dicts(ctx.con, f"select * from ({failing_sql}) as failing order by all limit {MAX_FAILING_ROWS}",
                         params) if count else []
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity,
                       status="failed" if count else "passed", observed=describe(count), engine="duckdb_sql",
                       failing_row_count=count, failing_rows=sample)


def _batch_filter(ctx: SqlCheckContext, column: str = "load_batch_id") -> tuple[str, list]:
    if ctx.batch_ids is None:
        return "true", []
    return f"list_contains(?::varchar[], {column})", [list(ctx.batch_ids)]


def _quarter_index(expr: str) -> str:
    return f"(cast(substr({expr}, 1, 4) as integer) * 4 + cast(substr({expr}, 6, 1) as integer) - 1)"


def counts_integral(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE)
    sql = f"""select kpi_code, region_code, quarter, actual from {CANDIDATE}
              where not list_contains(?::varchar[], kpi_code) and actual is not null
                and abs(actual - round(actual)) > ?"""
    return _failing_rows_result(ctx, spec, sql, [list(spec.params["non_count_kpis"]), spec.params["tolerance"]],
                                lambda n: f"{n} non-integral count value(s)")


def region_quarter_complete(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE)
    regions = [*ctx.programme.region_codes, ctx.programme.national_region_code]
    valid = f"regexp_full_match(quarter, '{QUARTER_PATTERN[1:-1]}')"
    idx = _quarter_index("quarter")
    sql = f"""
      with present as (select distinct kpi_code, region_code, quarter from {CANDIDATE} where {valid}),
      span as (select min({idx}) as lo, max({idx}) as hi from present),
      quarters as (select (i // 4)::varchar || 'Q' || (i % 4 + 1)::varchar as quarter
                   from span, range(span.lo, span.hi + 1) as r(i)),
      regions as (select unnest(?::varchar[]) as region_code),
      grid as (select k.kpi_code, r.region_code, q.quarter
               from (select distinct kpi_code from present) k, regions r, quarters q)
      select g.kpi_code, g.region_code, g.quarter, 'missing' as problem from grid g
      anti join present p using (kpi_code, region_code, quarter)"""
    expected = ctx.con.execute(
        f"""with present as (select distinct kpi_code, quarter from {CANDIDATE} where {valid})
            select count(distinct kpi_code) * (max({idx}) - min({idx}) + 1) from present""").fetchall()[0][0] or 0
    expected_cells = expected * len(regions)
    return _failing_rows_result(ctx, spec, sql, [regions],
                                lambda n: f"{n} of {expected_cells} expected kpi x region x quarter rows missing")


def national_equals_sum(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE)
    sql = f"""
      with regional as (
        select kpi_code, quarter, sum(actual) as sum_of_regions, count(*) as regions_present
        from {CANDIDATE} where list_contains(?::varchar[], region_code) group by kpi_code, quarter),
      national as (select kpi_code, quarter, actual as national_actual from {CANDIDATE} where region_code = ?)
      select n.kpi_code, n.quarter, n.national_actual, r.sum_of_regions,
             n.national_actual - r.sum_of_regions as difference, r.regions_present
      from national n join regional r using (kpi_code, quarter)
      where not list_contains(?::varchar[], n.kpi_code)
        and (n.national_actual is null or r.sum_of_regions is null
             or abs(n.national_actual - r.sum_of_regions) > ?)"""
    params = [list(ctx.programme.region_codes), ctx.programme.national_region_code,
              list(spec.params["non_additive_kpis"]), spec.params["tolerance"]]
    return _failing_rows_result(ctx, spec, sql, params,
                                lambda n: f"{n} kpi x quarter national row(s) differ from the sum of regions")


def achievement_pct_consistent(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE)
    sql = f"""
      select kpi_code, region_code, quarter, actual, target, achievement_pct,
             case when target > 0 then 100.0 * actual / target end as expected_pct
      from {CANDIDATE}
      where (target > 0 and (achievement_pct is null or abs(achievement_pct - 100.0 * actual / target) > ?))
         or ((target is null or target = 0) and achievement_pct is not null)"""
    return _failing_rows_result(ctx, spec, sql, [spec.params["tolerance_pct_points"]],
                                lambda n: f"{n} row(s) with achievement_pct inconsistent with actual/target")


def cumulative_non_decreasing(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE, "marts.fct_region_stage")
    p = spec.params
    sql = f"""
      with series as (
        select kpi_code, region_code, quarter, actual,
               lag(quarter) over w as previous_quarter, lag(actual) over w as previous_actual
        from {CANDIDATE} where list_contains(?::varchar[], kpi_code)
        window w as (partition by kpi_code, region_code order by quarter)),
      withdrawals as (
        select region_code, quarter, sum(withdrawals) as withdrawals from marts.fct_region_stage
        where list_contains(?::varchar[], stage) group by region_code, quarter
        union all
        select ? as region_code, quarter, sum(withdrawals) from marts.fct_region_stage
        where list_contains(?::varchar[], stage) group by quarter),
      drops as (
        select s.kpi_code, s.region_code, s.previous_quarter, s.quarter, s.previous_actual, s.actual,
               s.previous_actual - s.actual as fall,
               case when list_contains(?::varchar[], s.kpi_code) then coalesce(w.withdrawals, 0) else 0 end
                 as explained_by_withdrawals
        from series s left join withdrawals w using (region_code, quarter)
        where s.previous_actual - s.actual > 1e-9)
      select * from drops where fall > explained_by_withdrawals + 1e-9"""
    stages = list(p["withdrawal_stages"])
    params = [list(p["cumulative_kpis"]), stages, ctx.programme.national_region_code, stages,
              list(p["withdrawal_explained_kpis"])]
    return _failing_rows_result(ctx, spec, sql, params,
                                lambda n: f"{n} unexplained quarter-over-quarter fall(s) of a cumulative KPI")


def numbers_traceable(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE, "kpi.kpi_candidate_lineage")
    sql = f"""
      select c.kpi_code, c.region_code, c.quarter, c.actual from {CANDIDATE} c
      where c.region_code <> ? and coalesce(c.actual, 0) <> 0
        and not exists (select 1 from kpi.kpi_candidate_lineage l
                        where l.kpi_code = c.kpi_code and l.region_code = c.region_code and l.quarter = c.quarter)"""
    return _failing_rows_result(ctx, spec, sql, [ctx.programme.national_region_code],
                                lambda n: f"{n} non-zero regional number(s) without lineage rows")


def linkage_match_rate(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    table = "marts.fct_firm_workplace_links"
    _require(ctx, table)
    floor = float(spec.params["floor"])
    total, matched = ctx.con.execute(
        f"select count(*), count(*) filter (where match_status = 'matched') from {table}").fetchall()[0]
    rate = matched / total if total else None
    ok = rate is not None and rate >= floor
    sample = [] if ok else fetch_dicts(ctx.con, f"""
        select brn, region_code, match_status, match_reason from {table}
        where match_status is distinct from 'matched' order by brn limit {MAX_FAILING_ROWS}""")
    observed = (f"{rate:.2%} matched ({matched} of {total} firms)" if total
                else "no programme firms in the links table")
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity,
                       status="passed" if ok else "failed", observed=observed, engine="duckdb_sql",
                       failing_row_count=None if ok else total - matched, failing_rows=sample)


def ingest_reconciliation(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, "audit.ingest_files")
    batch_sql, batch_params = _batch_filter(ctx)
    sql = f"""
      select file_path, feed, status, load_batch_id, rows_read, rows_loaded, rows_quarantined
      from audit.ingest_files
      where {batch_sql} and list_contains(?::varchar[], status)
        and (rows_read is null or rows_loaded is null or rows_quarantined is null
             or rows_read <> rows_loaded + rows_quarantined)"""
    files = ctx.con.execute(f"select count(*) from audit.ingest_files where {batch_sql}", batch_params).fetchall()[0][0]
    return _failing_rows_result(ctx, spec, sql, [*batch_params, list(spec.params["statuses"])],
                                lambda n: f"{n} of {files} file(s) do not reconcile")


def rejected_fully_quarantined(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, "audit.ingest_files")
    batch_sql, batch_params = _batch_filter(ctx)
    sql = f"""
      select file_path, feed, load_batch_id, rows_read, rows_loaded, rows_quarantined, error
      from audit.ingest_files
      where {batch_sql} and status = 'rejected'
        and (coalesce(rows_loaded, 0) <> 0 or rows_quarantined is distinct from rows_read)"""
    return _failing_rows_result(ctx, spec, sql, batch_params,
                                lambda n: f"{n} rejected file(s) not fully quarantined")


def quarantine_matches_manifest(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, "audit.ingest_files", "audit.quarantine")
    batch_sql, batch_params = _batch_filter(ctx, "f.load_batch_id")
    sql = f"""
      select f.file_path, f.load_batch_id, f.rows_quarantined, count(q.file_path) as quarantine_rows
      from audit.ingest_files f
      left join audit.quarantine q on q.file_path = f.file_path and q.load_batch_id = f.load_batch_id
      where {batch_sql} and f.status = 'loaded_with_quarantine'
      group by f.file_path, f.load_batch_id, f.rows_quarantined
      having count(q.file_path) is distinct from f.rows_quarantined"""
    return _failing_rows_result(ctx, spec, sql, batch_params,
                                lambda n: f"{n} file(s) whose quarantine rows differ from the manifest")


def employment_month_swing(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """Each NPS month loaded by the run against the month before it in raw.employment: the workplace count moves
    by at most `max_share` (a month cut short or delivered twice shows up here)."""
    _require(ctx, "audit.ingest_files", "raw.employment")
    batch_sql, batch_params = _batch_filter(ctx)
    sql = f"""
      with delivered as (
          select distinct data_month from audit.ingest_files
          where {batch_sql} and feed = 'employment' and status in ('loaded', 'loaded_with_quarantine')
      ),
      workplaces as (
          select data_month, count(*) as workplaces from raw.employment
          where data_month >= (select min(data_month) - interval 12 month from delivered)
          group by data_month
      ),
      compared as (
          select data_month, workplaces,
                 lag(data_month) over (order by data_month) as previous_month,
                 lag(workplaces) over (order by data_month) as previous_workplaces
          from workplaces
      )
      select strftime(data_month, '%Y-%m') as data_month, workplaces,
             strftime(previous_month, '%Y-%m') as previous_month, previous_workplaces,
             round(workplaces / previous_workplaces - 1, 4) as share_change
      from compared
      where data_month in (select data_month from delivered) and previous_workplaces > 0
        and abs(workplaces / previous_workplaces - 1) > ?"""
    share = float(spec.params["max_share"])
    return _failing_rows_result(ctx, spec, sql, [*batch_params, share],
                                lambda n: f"{n} month(s) whose workplace count moved by more than {share:.0%}")


def rejected_files_reported(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """Files of the run's batches rejected whole for one of `reasons` (an empty month, say), listed for review."""
    _require(ctx, "audit.ingest_files")
    batch_sql, batch_params = _batch_filter(ctx)
    sql = f"""
      select file_path, feed, reject_reason, rows_read, error from audit.ingest_files
      where {batch_sql} and status = 'rejected' and list_contains(?::varchar[], reject_reason)"""
    return _failing_rows_result(ctx, spec, sql, [*batch_params, list(spec.params["reasons"])],
                                lambda n: f"{n} file(s) rejected whole")


SQL_KINDS: dict[str, Callable[[SqlCheckContext, CheckSpec], CheckResult]] = {
    "counts_integral": counts_integral,
    "region_quarter_complete": region_quarter_complete,
    "national_equals_sum": national_equals_sum,
    "achievement_pct_consistent": achievement_pct_consistent,
    "cumulative_non_decreasing": cumulative_non_decreasing,
    "numbers_traceable": numbers_traceable,
    "linkage_match_rate": linkage_match_rate,
    "ingest_reconciliation": ingest_reconciliation,
    "rejected_fully_quarantined": rejected_fully_quarantined,
    "quarantine_matches_manifest": quarantine_matches_manifest,
    "employment_month_swing": employment_month_swing,
    "rejected_files_reported": rejected_files_reported,
}
