"""A hand-made warehouse for the serving tests: the mart and KPI tables in the shapes of the fixed contracts, the
label seeds read from dbt_project/seeds, and published releases written with quality.release's own DDL.

It does not run dbt, so the serving tests do not depend on the models; the numbers are small but realistic
(17 programme regions, three growth stages, two years of quarters, a few hundred supported firms).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contracts.identifiers import brn_check_digit
from quality.release import RELEASE_COLUMNS, content_hash, create_release_tables, store_lineage

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
STAGES = ("잠재", "예비", "선도")
QUARTERS = tuple(f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4))
PROGRAMS = ("GP300", "LEAD", "COLLAB", "SUPRA")


@dataclass(frozen=True)
class HandmadeWarehouse:
    path: Path
    region_codes: tuple[str, ...]
    latest_quarter: str
    release_ids: tuple[str, ...]          # oldest first
    run_ids: tuple[str, ...]


def quarter_end(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year}-{3 * q:02d}-{(31 if q in (1, 4) else 30)}"


def _brn(rng: random.Random) -> str:
    first_nine = f"{rng.randint(101, 899)}{rng.choice(['81', '86', '87', '88'])}{rng.randint(0, 9999):04d}"
    return first_nine + str(brn_check_digit(first_nine))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Bulk insert through a data frame (executemany is slow in DuckDB); values are cast to the table's types."""
    columns = [c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()]
    frame = pd.DataFrame(rows, columns=columns[:len(rows[0])], dtype=object)
    con.register("incoming", frame)
    con.execute(f"insert into {table} ({', '.join(frame.columns)}) select * from incoming")
    con.unregister("incoming")


def _seed(con: duckdb.DuckDBPyConnection, name: str, casts: dict[str, str]) -> None:
    select = ", ".join(f"cast({c} as {t}) as {c}" for c, t in casts.items())
    con.execute(f"create table ref.{name} as select * replace ({select}) "
                f"from read_csv('{SEEDS / name}.csv', header = true, all_varchar = true)")


def _kpi_rows(con: duckdb.DuckDBPyConnection, rng: random.Random, regions: list[str]) -> list[tuple]:
    """Candidate rows: regional actuals growing over the quarters, national = sum (mean for mean KPIs)."""
    definitions = con.execute("select kpi_code, aggregation, unit, definition_version from ref.ref_kpi_definitions "
                              "order by kpi_code").fetchall()
    targets = dict(con.execute("select kpi_code, max_by(target_value, target_year) from ref.ref_kpi_targets "
                               "where region_code = 'ALL' group by kpi_code").fetchall())
    rows = []
    for kpi_code, aggregation, unit, version in definitions:
        level = {region: rng.randint(0, 3) for region in regions}
        opened = {region: rng.randint(0, 2 * len(QUARTERS)) for region in regions}
        for i, quarter in enumerate(QUARTERS):
            if unit == "regions":           # a centre is open in the region or not
                regional = {r: float(i >= opened[r]) for r in regions}
            elif aggregation == "mean":     # a per-firm effect, fluctuating
                regional = {r: round(rng.uniform(-1, 4), 2) for r in regions}
            elif unit == "jobs":
                regional = {r: float(level[r] * (i + 1) * 3 + rng.randint(-2, 2)) for r in regions}
            else:                           # counts of firms, projects, consortia growing quarter by quarter
                regional = {r: float(level[r] * (i + 1) // 3) for r in regions}
            for region in regions:
                rows.append((kpi_code, region, quarter, regional[region], None, None, version,
                             abs(int(regional[region])), "final", None))
            values = list(regional.values())
            national = sum(values) / len(values) if aggregation == "mean" else sum(values)
            target = targets.get(kpi_code)
            rows.append((kpi_code, "ALL", quarter, national, target,
                         100.0 * national / target if target else None, version, abs(int(national)), "final", None))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))


def _publish(con: duckdb.DuckDBPyConnection, seq: int, run_id: str, rows: list[tuple],
             previous: str | None) -> str:
    sha = content_hash(rows)
    quarter = max(r[2] for r in rows)
    release_id = f"{quarter}-r{seq:04d}-{sha[:12]}"
    _insert(con, "kpi.kpi_official", [(release_id, *r) for r in rows])
    store_lineage(con, release_id, "select *, null as source_sha256 from kpi.kpi_candidate_lineage")
    checks = [{"name": "kpi_candidate_grain", "severity": "blocking", "status": "passed", "observed": 0}]
    con.execute("insert into kpi.kpi_releases (release_seq, release_id, run_id, quarter, published_at, input_files, "
                "code_version, checks_passed, checks_warned, checks_failed, checks, content_sha256, row_count, "
                "previous_release_id, content_changed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [seq, release_id, run_id, quarter, f"2025-0{seq}-15 09:30:00",
                 json.dumps([{"file_path": "funding/2024-12.jsonl", "feed": "funding", "sha256": "0" * 64}]),
                 "test", 1, 0, 0, json.dumps(checks), sha, len(rows), previous, True])
    return release_id


def publish_next_release(path: Path, run_id: str, bump: float) -> str:
    """Publishes one more release whose every actual is `bump` higher than the candidate's."""
    con = duckdb.connect(str(path))
    try:
        previous, seq = con.execute("select release_id, release_seq from kpi.kpi_releases "
                                    "order by release_seq desc limit 1").fetchone()
        rows = [(k, r, q, a + bump, t, (100.0 * (a + bump) / t) if t else None, v, n, status, reason)
                for k, r, q, a, t, _, v, n, status, reason in
                con.execute(f"select {', '.join(RELEASE_COLUMNS)} from kpi.kpi_official_candidate "
                            "order by kpi_code, region_code, quarter").fetchall()]
        return _publish(con, seq + 1, run_id, rows, previous)
    finally:
        con.close()


def _report_marts(con: duckdb.DuckDBPyConnection) -> None:
    """The rpt_ marts of the KPI report, derived from the hand-made tables the way the dbt models derive them."""
    con.execute("create temporary table quarters (quarter varchar, quarter_end date)")
    _insert(con, "quarters", [(q, quarter_end(q)) for q in QUARTERS])
    con.execute("""create table marts.rpt_kpi_progress as
        with report_regions as (
            select region_code, short_name_ko || ' ' || name_en as region_label, display_order as region_order
            from marts.dim_region
            union all select 'ALL', '전국 National', 0),
        plan_targets as (
            select kpi_code, region_code, max(target_year) as target_year,
                   max_by(target_value, target_year) as plan_target
            from ref.ref_kpi_targets group by all)
        select d.kpi_code, r.region_code, q.quarter, q.quarter_end, cast(d.display_order as integer) as kpi_order,
               d.name_ko as kpi_name_ko, d.name_en as kpi_name_en, d.unit, d.aggregation, d.definition,
               d.program_code, t.target_year, t.plan_target, r.region_label, r.region_order
        from ref.ref_kpi_definitions d cross join report_regions r cross join quarters q
        left join plan_targets t on t.kpi_code = d.kpi_code and t.region_code = r.region_code""")
    con.execute("""create table marts.rpt_region_stage as
        select s.region_code, s.stage, s.quarter, r.short_name_ko || ' ' || r.name_en as region_label,
               r.display_order as region_order,
               s.stage || ' ' || case s.stage when '잠재' then 'Potential' when '예비' then 'Preliminary'
                                  else 'Leading' end as stage_label,
               case s.stage when '잠재' then 1 when '예비' then 2 else 3 end as stage_order,
               s.designated_firms, s.new_designations, s.promotions_in, s.withdrawals, s.headcount,
               s.net_jobs_since_designation
        from marts.fct_region_stage s join marts.dim_region r using (region_code)""")
    con.execute("""create table marts.rpt_program_summary as
        with participations as (
            select * from marts.fct_program_outcomes
            union all
            select * replace ('ALL' as program_code) from (
                select * from marts.fct_program_outcomes
                qualify row_number() over (partition by brn order by first_paid_on, program_code) = 1))
        select o.program_code,
               coalesce(p.name_ko || ' ' || p.name_en,
                        if(o.program_code = 'ALL', '전체 All programmes (first participation)', o.program_code))
                   as program_label,
               count(distinct o.brn) as supported_firms, sum(o.net_funding_krw)::bigint as net_funding_krw,
               sum(o.headcount_m12 - o.baseline_headcount)::bigint as jobs_m12,
               count(*) filter (where o.did_m12 is not null and o.comparison_group_size > 0) as firms_with_did,
               avg(o.did_m12) filter (where o.comparison_group_size > 0) as mean_did_m12,
               coalesce(sum(o.comparison_group_size) filter (where o.did_m12 is not null), 0)::bigint
                   as comparison_workplaces,
               median(o.comparison_group_size) filter (where o.did_m12 is not null and o.comparison_group_size > 0)
                   ::double as median_comparison_group_size
        from participations o left join marts.dim_program p using (program_code)
        group by all""")


def _program_effects(con: duckdb.DuckDBPyConnection, rng: random.Random) -> None:
    """marts.rpt_program_effects: an event-study path per programme and sample; STRUCT has nothing measured."""
    con.execute("""create table marts.rpt_program_effects (program_code varchar, program_label varchar,
        display_group integer, sample varchar, horizon_months integer, is_lead boolean, estimate_jobs double,
        std_error_jobs double, ci_low_jobs double, ci_high_jobs double, estimate_pct double, ci_low_pct double,
        ci_high_pct double, treated_firms bigint, comparison_workplaces bigint, pretrend_p_value double,
        pretrend_rejected boolean)""")
    rows = []
    for program in ("ALL", *PROGRAMS, "STRUCT"):
        label = "전체 All programmes (first participation)" if program == "ALL" else program
        p_value = round(rng.uniform(0.001, 0.9), 3)
        for sample in ("all_firms", "survivors"):
            for horizon in (h for h in range(-12, 25) if h != 0):
                if program == "STRUCT":
                    rows.append((program, label, 1, sample, horizon, horizon < 0, None, None, None, None, None,
                                 None, None, 0, 0, None, None))
                    continue
                estimate = round(rng.uniform(-0.5, 0.5) + max(horizon, 0) / 8, 3)
                error = round(rng.uniform(0.2, 1.0), 3)
                low, high = estimate - 1.96 * error, estimate + 1.96 * error
                rows.append((program, label, 0 if program == "ALL" else 1, sample, horizon, horizon < 0, estimate,
                             error, low, high, 5 * estimate, 5 * low, 5 * high, rng.randint(20, 90),
                             rng.randint(90, 400), p_value, p_value < 0.05))
    _insert(con, "marts.rpt_program_effects", rows)


def build_warehouse(path: Path, seed: int = 7) -> HandmadeWarehouse:
    rng = random.Random(seed)
    con = duckdb.connect(str(path))
    try:
        for schema in ("ref", "marts", "kpi"):
            con.execute(f"create schema {schema}")
        _seed(con, "ref_programme_regions", {"display_order": "integer", "is_capital_area": "boolean",
                                             "is_non_capital_14": "boolean"})
        _seed(con, "ref_kpi_definitions", {"is_count": "boolean"})
        _seed(con, "ref_kpi_targets", {"target_year": "integer", "target_value": "double"})
        _seed(con, "ref_programs", {"is_official_name": "boolean"})
        con.execute("create table marts.dim_region as select * exclude (source_note) from ref.ref_programme_regions")
        con.execute("create table marts.dim_program as select * exclude (source_note) from ref.ref_programs")
        regions = [r for (r,) in con.execute("select region_code from marts.dim_region order by display_order")
                   .fetchall()]

        con.execute("""create table marts.fct_region_stage (region_code varchar, stage varchar, quarter varchar,
            quarter_end date, designated_firms bigint, new_designations bigint, promotions_in bigint,
            withdrawals bigint, funding_paid_krw bigint, headcount bigint, net_jobs_since_designation bigint)""")
        stage_rows = []
        for region in regions:
            for stage, scale in zip(STAGES, (30, 12, 3)):
                firms = 0
                for quarter in QUARTERS:
                    new, promoted, withdrawn = rng.randint(0, scale // 3 + 1), rng.randint(0, 2), rng.randint(0, 1)
                    firms = max(0, firms + new + promoted - withdrawn)
                    stage_rows.append((region, stage, quarter, quarter_end(quarter), firms, new, promoted, withdrawn,
                                       firms * rng.randint(20, 90) * 1_000_000, firms * rng.randint(8, 40),
                                       firms * rng.randint(-1, 4)))
        _insert(con, "marts.fct_region_stage", stage_rows)

        con.execute("""create table marts.fct_program_outcomes (brn varchar, program_code varchar,
            region_code varchar, stage_at_entry varchar, first_paid_on date, last_paid_on date,
            net_funding_krw bigint, baseline_month date, baseline_headcount bigint, headcount_m6 bigint,
            headcount_m12 bigint, headcount_m24 bigint, comparison_group_size bigint, comparison_change_m12 double,
            did_m12 double, promoted_after_entry boolean, counts_toward_gp300_success boolean)""")
        con.execute("""create table marts.fct_firm_workplace_links (brn varchar, region_code varchar,
            match_status varchar, match_reason varchar, workplace_key varchar)""")
        outcome_rows, link_rows = [], []
        for i in range(240):
            brn, region, program = _brn(rng), rng.choice(regions), PROGRAMS[i % len(PROGRAMS)]
            month = rng.randint(1, 12)
            base = rng.randint(5, 80)
            m12 = base + rng.randint(-3, 12)
            comparison = rng.choice([0, 1, 3, 5, 8])
            change = round(rng.uniform(-1, 3), 2) if comparison else None
            outcome_rows.append((brn, program, region, rng.choice(STAGES), f"2023-{month:02d}-10",
                                 f"2024-{month:02d}-10", rng.randint(10, 300) * 1_000_000,
                                 f"{2023 if month > 1 else 2022}-{(month - 2) % 12 + 1:02d}-01", base,
                                 base + rng.randint(-2, 6), m12, None, comparison, change,
                                 (m12 - base) - change if comparison else None, rng.random() < 0.2,
                                 program == "GP300" and rng.random() < 0.3))
            status = rng.choices(["matched", "ambiguous", "unmatched"], [8, 1, 1])[0]
            link_rows.append((brn, region, status, f"{status} on brn prefix, name and region",
                              f"{rng.getrandbits(128):032x}" if status == "matched" else None))
        _insert(con, "marts.fct_program_outcomes", outcome_rows)
        _insert(con, "marts.fct_firm_workplace_links", link_rows)
        _report_marts(con)
        _program_effects(con, rng)

        con.execute("""create table kpi.kpi_official_candidate (kpi_code varchar, region_code varchar,
            quarter varchar, actual double, target double, achievement_pct double, definition_version varchar,
            entity_count bigint, status varchar, status_reason varchar)""")
        con.execute("""create table kpi.kpi_candidate_lineage (kpi_code varchar, region_code varchar,
            quarter varchar, entity_type varchar, entity_id varchar, source_feed varchar, source_file varchar,
            source_row bigint)""")
        candidate = _kpi_rows(con, rng, regions)
        _insert(con, "kpi.kpi_official_candidate", candidate)
        _insert(con, "kpi.kpi_candidate_lineage",
                [("leading_firms", row[1], QUARTERS[-1], "firm", row[0], "firms", "firms/2024-12.csv", n + 2)
                 for n, row in enumerate(link_rows[:40])])

        create_release_tables(con)
        # Release 1 certified the figures up to the quarter before; release 2 adds the latest quarter and revises.
        first = _publish(con, 1, "run-2025-01-15T09:30:00", [r for r in candidate if r[2] != QUARTERS[-1]], None)
    finally:
        con.close()
    second = publish_next_release(path, "run-2025-02-15T09:30:00", bump=0.0)
    return HandmadeWarehouse(path, tuple(regions), QUARTERS[-1], (first, second),
                             ("run-2025-01-15T09:30:00", "run-2025-02-15T09:30:00"))
