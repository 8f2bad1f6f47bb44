"""Checks that GX expresses poorly (cross-row, cross-table, manifest reconciliation), computed with DuckDB SQL
on a read-only connection and reported in the same CheckResult shape as the GX suites.

Each kind writes a query returning the failing rows; the check fails when that query returns any row
(except linkage_match_rate, which compares a share with its floor).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import duckdb

from .definitions import KpiDefinitions, read_definitions
from .registry import CheckSpec, Programme
from .results import MAX_FAILING_ROWS, CheckResult
from quality.revisions import find_revisions
from quality.warehouse import fetch_dicts, table_exists

CANDIDATE = "kpi.kpi_official_candidate"


class MissingTable(RuntimeError):
    pass


@dataclass
class SqlCheckContext:
    """What every check reads: the warehouse connection, the programme frame of checks.yml, the run's load
    batches and, read from the warehouse on first use, the KPI definitions."""
    con: duckdb.DuckDBPyConnection
    programme: Programme
    batch_ids: tuple[str, ...] | None

    @cached_property
    def definitions(self) -> KpiDefinitions:
        return read_definitions(self.con)


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


def national_equals_distinct_entities(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """The national row of each count KPI against the number of distinct entities of its lineage, counted from
    the lineage rows themselves (never from the regional numbers)."""
    _require(ctx, CANDIDATE, "kpi.kpi_candidate_lineage")
    national = ctx.definitions.national_region_code
    sql = f"""
      with lineage as (
        select kpi_code, quarter, count(distinct entity_type || ':' || entity_id) as distinct_entities
        from kpi.kpi_candidate_lineage where region_code = ? group by kpi_code, quarter)
      select c.kpi_code, c.quarter, c.actual as national_actual, coalesce(l.distinct_entities, 0) as distinct_entities
      from {CANDIDATE} c left join lineage l using (kpi_code, quarter)
      where c.region_code = ? and list_contains(?::varchar[], c.kpi_code)
        and c.actual is distinct from cast(coalesce(l.distinct_entities, 0) as double)"""
    return _failing_rows_result(ctx, spec, sql, [national, national, sorted(ctx.definitions.count_kpis)],
                                lambda n: f"{n} national row(s) differ from the distinct entities of their lineage")


def entities_have_region(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """Every entity upstream of a KPI has a programme region: the bridged designations and the KPI entities
    (except an entity resting on a provisional reference row that names no region)."""
    _require(ctx, "intermediate.int_firm_designations_bridged", "intermediate.int_kpi_entities")
    sql = """
      select 'designation' as entity_type, brn as entity_id, region_code as region_as_delivered,
             cast(null as varchar) as kpi_code, cast(null as varchar) as quarter, source_file, source_row
      from intermediate.int_firm_designations_bridged where programme_region_code is null
      union all
      select entity_type, entity_id, null, kpi_code, quarter, null, null
      from intermediate.int_kpi_entities where region_code is null and not is_provisional"""
    return _failing_rows_result(ctx, spec, sql, [], lambda n: f"{n} entit(y/ies) without a programme region")


def superregional_outside_cross_regional_industries(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """초광역 designations whose programme region takes part in no cross-regional (초광역) industry."""
    _require(ctx, "intermediate.int_firm_designations_bridged", "ref.ref_key_industries",
             "ref.ref_key_industry_regions")
    sql = """
      select d.brn, d.programme_region_code, d.stage, d.designated_on, d.source_file, d.source_row
      from intermediate.int_firm_designations_bridged d
      where d.industry_type = '초광역'
        and not exists (select 1 from ref.ref_key_industry_regions r
                        join ref.ref_key_industries i using (industry_id)
                        where i.industry_type = '초광역' and r.region_code = d.programme_region_code)"""
    return _failing_rows_result(ctx, spec, sql, [],
                                lambda n: f"{n} 초광역 designation(s) in a region of no cross-regional industry")


def revisions_explained(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """The candidate against the latest release: a changed value of a quarter older than the two latest, with no
    cause found, fails (every revision is listed in the observed text's count and stored at publish)."""
    _require(ctx, CANDIDATE)
    revisions = find_revisions(ctx.con)
    quarters = sorted({q for (q,) in ctx.con.execute(f"select distinct quarter from {CANDIDATE}").fetchall()})
    recent = set(quarters[-int(spec.params["recent_quarters"]):])
    unexplained = [r.to_dict() for r in revisions if r.cause is None and r.quarter not in recent]
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity,
                       status="failed" if unexplained else "passed", engine="duckdb_sql",
                       observed=f"{len(revisions)} revision(s) against the latest release, "
                                f"{sum(r.cause is None for r in revisions)} without a cause, "
                                f"{len(unexplained)} of them in a quarter older than {', '.join(sorted(recent))}",
                       failing_row_count=len(unexplained), failing_rows=unexplained[:MAX_FAILING_ROWS])


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
    kpis = sorted(ctx.definitions.cumulative_kpis) if p["kpis"] == "cumulative" else list(p["kpis"])
    stages = [r[0] for r in ctx.con.execute("select stage_code from ref.ref_growth_stages where is_leading_stage")
              .fetchall()]
    params = [kpis, stages, ctx.definitions.national_region_code, stages,
              sorted(ctx.definitions.withdrawal_explained_kpis)]
    return _failing_rows_result(ctx, spec, sql, params,
                                lambda n: f"{n} unexplained quarter-over-quarter fall(s) of a cumulative KPI")


def numbers_traceable(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    _require(ctx, CANDIDATE, "kpi.kpi_candidate_lineage")
    sql = f"""
      select c.kpi_code, c.region_code, c.quarter, c.actual from {CANDIDATE} c
      where c.region_code <> ? and coalesce(c.actual, 0) <> 0
        and not exists (select 1 from kpi.kpi_candidate_lineage l
                        where l.kpi_code = c.kpi_code and l.region_code = c.region_code and l.quarter = c.quarter)"""
    return _failing_rows_result(ctx, spec, sql, [ctx.definitions.national_region_code],
                                lambda n: f"{n} non-zero regional number(s) without lineage rows")


def linkage_match_rate(ctx: SqlCheckContext, spec: CheckSpec) -> CheckResult:
    """The share of programme firms linked to exactly one workplace, against its floor nationally, in every
    programme region and among supported firms; each group below the floor is a failing row."""
    table = "marts.fct_firm_workplace_links"
    _require(ctx, table, "marts.dim_firm")
    floor = float(spec.params["floor"])
    sql = f"""
      with links as (
        select l.brn, l.region_code, l.match_status = 'matched' as matched, coalesce(f.is_supported, false) as supported
        from {table} l left join marts.dim_firm f using (brn)),
      groups as (
        select 'national' as scope, 'all firms' as firms_group, count(*) as firms, count(*) filter (where matched) as matched
        from links
        union all
        select 'region ' || coalesce(region_code, '(none)'), 'all firms', count(*), count(*) filter (where matched)
        from links group by region_code
        union all
        select 'national', 'supported firms', count(*), count(*) filter (where matched)
        from links where supported having count(*) > 0)
      select scope, firms_group, firms, matched, round(matched / firms, 4) as match_rate from groups
      where firms > 0 and matched / firms < ?"""
    totals = ctx.con.execute(f"select count(*), count(*) filter (where match_status = 'matched') from {table}").fetchall()[0]
    if not totals[0]:
        return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity, status="failed",
                           observed="no programme firms in the links table", engine="duckdb_sql",
                           failing_row_count=0)
    return _failing_rows_result(ctx, spec, sql, [floor], lambda n: (
        f"{totals[1] / totals[0]:.2%} matched nationally ({totals[1]} of {totals[0]} firms); "
        f"{n} group(s) below {floor:.0%}"))


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
    "national_equals_distinct_entities": national_equals_distinct_entities,
    "entities_have_region": entities_have_region,
    "revisions_explained": revisions_explained,
    "superregional_outside_cross_regional_industries": superregional_outside_cross_regional_industries,
    "cumulative_non_decreasing": cumulative_non_decreasing,
    "numbers_traceable": numbers_traceable,
    "linkage_match_rate": linkage_match_rate,
    "ingest_reconciliation": ingest_reconciliation,
    "rejected_fully_quarantined": rejected_fully_quarantined,
    "quarantine_matches_manifest": quarantine_matches_manifest,
    "employment_month_swing": employment_month_swing,
    "rejected_files_reported": rejected_files_reported,
}
