"""Hand-made warehouses for the publish, report and lineage tests: a small, realistic warehouse (4 quarters x 9 KPIs
x 17 regions + national, with marts, audit tables, lineage and the KPI definitions seed), plus gate outcomes made
by hand (check_outcome) for the publish and report mechanics. The checks themselves are evaluated on warehouses
dbt built from landing files (tests/test_quality_planted_defects.py), never on these hand-made tables.

The other tests/test_quality_*.py import build_clean_warehouse, check_outcome and execute from here; the tests in
this file check that the fixture itself is what the others assume.
"""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.loader import ensure_schema
from ingestion.contracts.identifiers import brn_check_digit
from quality.checks.registry import load_config
from quality.checks.results import CheckResult, GateOutcome

REPO = Path(__file__).resolve().parents[1]
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
QUARTER_ENDS = {"2024Q1": "2024-03-31", "2024Q2": "2024-06-30", "2024Q3": "2024-09-30", "2024Q4": "2024-12-31"}
REGIONS = list(load_config().programme.region_codes)
CRISIS_CENTRE_REGIONS = {"51", "27", "47", "26", "46", "29", "30", "31", "43", "44", "48", "52"}
STRUCTURAL_CENTRE_REGIONS = {"26", "27", "29", "30", "31", "43", "44", "46", "47", "48"}
PLAN_TARGETS = {"leading_firms": 280, "superregional_leading_firms": 20, "representative_smes": 300,
                "growth_project_success_cases": 300, "collaboration_models": 100,
                "crisis_centre_regions": 17, "structural_centre_regions": 17}
BATCH = "batch-2025-01-05"
EARLIER_BATCH = "batch-2024-10-05"
# Leading firms in region 27 fall by one in 2024Q3; the one withdrawal at stage 선도 recorded there explains it.
WITHDRAWAL = ("27", "2024Q3")

DDL = """
create schema if not exists kpi; create schema if not exists marts; create schema if not exists audit;
create table kpi.kpi_official_candidate (kpi_code varchar, region_code varchar, quarter varchar, actual double,
    target double, achievement_pct double, definition_version varchar, entity_count bigint, status varchar,
    status_reason varchar);
create table kpi.kpi_candidate_lineage (kpi_code varchar, region_code varchar, quarter varchar, entity_type varchar,
    entity_id varchar, source_feed varchar, source_file varchar, source_row bigint);
create table marts.fct_region_stage (region_code varchar, stage varchar, quarter varchar, quarter_end date,
    designated_firms bigint, new_designations bigint, promotions_in bigint, withdrawals bigint,
    funding_paid_krw bigint, headcount bigint, net_jobs_since_designation bigint);
create table marts.fct_firm_workplace_links (brn varchar, region_code varchar, match_status varchar,
    match_reason varchar, workplace_key varchar);
"""


def brn(serial: int) -> str:
    first_nine = f"{134 + serial % 600:03d}86{serial:04d}"
    return first_nine + str(brn_check_digit(first_nine))


def _regional_values(kpi: str, region_index: int, region: str, q: int) -> float:
    if kpi == "leading_firms":
        value = 2 + region_index % 4 + q
        return value - 2 if (region, QUARTERS[q]) == WITHDRAWAL else value
    if kpi == "superregional_leading_firms":
        return 1.0 if region_index % 6 == 0 and q >= 1 else 0.0
    if kpi == "representative_smes":
        return _regional_values("leading_firms", region_index, region, q) + \
            _regional_values("superregional_leading_firms", region_index, region, q)
    if kpi == "growth_project_success_cases":
        return 1 + region_index % 3 + 2 * q
    if kpi == "collaboration_models":
        return region_index % 2 + q
    if kpi == "crisis_centre_regions":
        return 1.0 if region in CRISIS_CENTRE_REGIONS else 0.0
    if kpi == "structural_centre_regions":
        return 1.0 if region in STRUCTURAL_CENTRE_REGIONS else 0.0
    if kpi == "jobs_created":
        return float((region_index * 7 + q * 5) % 23 - 6)       # some regions lose jobs
    if kpi == "employment_effect_did":
        return round(0.4 + region_index * 0.137 + q * 0.05, 3)
    raise KeyError(kpi)


KPIS = [*PLAN_TARGETS, "jobs_created", "employment_effect_did"]
ENTITY = {  # entity_type, source_feed, file stem per KPI (what the lineage of each number points at)
    "leading_firms": ("firm", "firms"), "superregional_leading_firms": ("firm", "firms"),
    "representative_smes": ("firm", "firms"), "growth_project_success_cases": ("project", "funding"),
    "collaboration_models": ("consortium", "funding"), "crisis_centre_regions": ("region", "firms"),
    "structural_centre_regions": ("region", "firms"), "jobs_created": ("firm", "employment"),
    "employment_effect_did": ("firm", "employment"),
}
FILES = {"firms": "data/landing/firms/firms_2024Q4.csv", "funding": "data/landing/funding/funding_2024Q4.csv",
         "employment": "data/landing/employment/nps_202412.csv"}


def candidate_frame() -> pd.DataFrame:
    rows = []
    for kpi in KPIS:
        for q, quarter in enumerate(QUARTERS):
            regional = [_regional_values(kpi, i, region, q) for i, region in enumerate(REGIONS)]
            for region, value in zip(REGIONS, regional):
                rows.append((kpi, region, quarter, float(value), None, None, "v1", abs(int(value)), "final", None))
            national = sum(regional) if kpi != "employment_effect_did" else round(sum(regional) / len(regional), 3)
            target = PLAN_TARGETS.get(kpi)
            pct = 100.0 * national / target if target else None
            rows.append((kpi, "ALL", quarter, float(national), target, pct, "v1", abs(int(national)), "final", None))
    return pd.DataFrame(rows, columns=["kpi_code", "region_code", "quarter", "actual", "target",
                                       "achievement_pct", "definition_version", "entity_count", "status",
                                       "status_reason"])


def lineage_frame(candidate: pd.DataFrame) -> pd.DataFrame:
    rows = []
    regional = candidate[(candidate.region_code != "ALL") & (candidate.actual != 0)]
    for r in regional.itertuples():
        entity_type, feed = ENTITY[r.kpi_code]
        n = 1 if entity_type == "region" else max(1, int(abs(r.actual)) if r.kpi_code != "employment_effect_did" else 3)
        for k in range(n):
            if entity_type == "firm":
                entity_id = brn(int(r.region_code) * 50 + k)
            elif entity_type == "project":
                entity_id = f"GP300-{r.region_code}-{k + 1:02d}"
            elif entity_type == "consortium":
                entity_id = f"CM-{r.region_code}-{k + 1:02d}"
            else:
                entity_id = r.region_code
            source_row = int(r.region_code) * 100 + k + 2
            rows.append((r.kpi_code, r.region_code, r.quarter, entity_type, entity_id, feed, FILES[feed], source_row))
    return pd.DataFrame(rows, columns=["kpi_code", "region_code", "quarter", "entity_type", "entity_id",
                                       "source_feed", "source_file", "source_row"])


def region_stage_frame() -> pd.DataFrame:
    rows = []
    for i, region in enumerate(REGIONS):
        for q, quarter in enumerate(QUARTERS):
            for stage, designated in (("잠재", 40 + i), ("예비", 15 + i % 5), ("선도", 2 + i % 4 + q)):
                withdrawals = 1 if (stage == "선도" and (region, quarter) == WITHDRAWAL) else 0
                rows.append((region, stage, quarter, QUARTER_ENDS[quarter], designated, 2, 1, withdrawals,
                             (designated * 35_000_000), designated * 23, designated * 2))
    frame = pd.DataFrame(rows, columns=["region_code", "stage", "quarter", "quarter_end", "designated_firms",
                                        "new_designations", "promotions_in", "withdrawals", "funding_paid_krw",
                                        "headcount", "net_jobs_since_designation"])
    frame["quarter_end"] = pd.to_datetime(frame["quarter_end"]).dt.date
    return frame


def links_frame(matched: int = 34, ambiguous: int = 4, unmatched: int = 2) -> pd.DataFrame:
    rows = []
    statuses = ["matched"] * matched + ["ambiguous"] * ambiguous + ["unmatched"] * unmatched
    for k, status in enumerate(statuses):
        region = REGIONS[k % len(REGIONS)]
        reason = {"matched": "brn6+name+region", "ambiguous": "2 candidate workplaces",
                  "unmatched": "no workplace with brn prefix"}[status]
        rows.append((brn(1000 + k), region, status, reason, f"WP{k:06d}" if status == "matched" else None))
    return pd.DataFrame(rows, columns=["brn", "region_code", "match_status", "match_reason", "workplace_key"])


INGEST_FILES = [
    # file_path, feed, sha256 (64 hex), size, encoding, read, loaded, quarantined, status, error, duplicate_of, batch
    ("data/landing/firms/firms_2024Q3.csv", "firms", "a1" * 32, 20_480, "utf-8", 118, 118, 0, "loaded", None, None,
     EARLIER_BATCH),
    (FILES["firms"], "firms", "b2" * 32, 21_004, "utf-8", 121, 121, 0, "loaded", None, None, BATCH),
    (FILES["funding"], "funding", "c3" * 32, 48_230, "utf-8", 300, 297, 3, "loaded_with_quarantine", None, None,
     BATCH),
    (FILES["employment"], "employment", "d4" * 32, 1_204_311, "cp949", 5_000, 5_000, 0, "loaded", None, None, BATCH),
    ("data/landing/funding/funding_bad_header.csv", "funding", "e5" * 32, 1_020, "utf-8", 10, 0, 10, "rejected",
     "missing column 지급액", None, BATCH),
    ("data/landing/firms/firms_2024Q4 (1).csv", "firms", "b2" * 32, 21_004, "utf-8", 0, 0, 0, "duplicate", None,
     FILES["firms"], BATCH),
]


def _quarantine_rows() -> list[tuple]:
    rows = [("funding", FILES["funding"], 40 + k, f"{brn(7 + k)},2024-13-0{k + 1},5000000", "invalid_date",
             "지급일 is not a date", "c3" * 32, BATCH) for k in range(3)]
    rows += [("funding", "data/landing/funding/funding_bad_header.csv", k + 2, f"row {k + 2}", "file_rejected",
              "missing column 지급액", "e5" * 32, BATCH) for k in range(10)]
    return rows


def build_clean_warehouse(path: Path) -> Path:
    """Writes the clean hand-made warehouse to path (a new DuckDB file) and returns path."""
    candidate = candidate_frame()
    frames = {"kpi.kpi_official_candidate": candidate, "kpi.kpi_candidate_lineage": lineage_frame(candidate),
              "marts.fct_region_stage": region_stage_frame(), "marts.fct_firm_workplace_links": links_frame()}
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
        ensure_schema(con)      # the loader's own audit and raw tables
        for table, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"insert into {table} by name select * from frame")
            con.unregister("frame")
        con.executemany("insert into audit.ingest_files (file_path, feed, sha256, size_bytes, encoding, rows_read, "
                        "rows_loaded, rows_quarantined, status, error, duplicate_of, load_batch_id, loaded_at) "
                        "values (?,?,?,?,?,?,?,?,?,?,?,?, timestamp '2025-01-05 09:00:00')", INGEST_FILES)
        con.executemany("insert into audit.quarantine values (?,?,?,?,?,?,?,?, timestamp '2025-01-05 09:00:01')",
                        _quarantine_rows())
        con.execute("create schema if not exists ref; create table ref.ref_kpi_definitions as "
                    "select * from read_csv(?, header = true, all_varchar = false)",
                    [str(REPO / "dbt_project/seeds/ref_kpi_definitions.csv")])
    finally:
        con.close()
    return path


def check_outcome(failing: dict[str, list[dict]] | None = None, warning: dict[str, list[dict]] | None = None,
                  batch_ids: tuple[str, ...] = (BATCH,), candidate_sha256: str | None = None) -> GateOutcome:
    """A gate outcome made by hand: one result per configured check, passed unless named in `failing` or
    `warning` (check name -> its failing rows)."""
    failing, warning = failing or {}, warning or {}
    results = []
    for spec in load_config().checks:
        rows = failing.get(spec.name, warning.get(spec.name))
        results.append(CheckResult(
            name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity,
            status="passed" if rows is None else "failed",
            observed="as planned" if rows is None else f"{len(rows)} failing row(s)", engine="duckdb_sql",
            failing_row_count=None if rows is None else len(rows), failing_rows=rows or []))
    return GateOutcome(tuple(results), batch_ids, candidate_sha256)


def execute(path: Path, sql: str) -> None:
    """Applies a defect (or any SQL) to a warehouse file and closes the connection."""
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()


def replace_rows(path: Path, table: str, frame: pd.DataFrame) -> None:
    """Replaces every row of table with frame's rows."""
    con = duckdb.connect(str(path))
    try:
        con.register("frame", frame)
        con.execute(f"delete from {table}; insert into {table} by name select * from frame")
    finally:
        con.close()


# ---- tests of the fixture itself ----

def test_configured_regions_are_the_programme_region_seed():
    with open(REPO / "dbt_project/seeds/ref_programme_regions.csv", encoding="utf-8") as handle:
        programme = [row["region_code"] for row in csv.DictReader(handle)]
    assert sorted(REGIONS) == sorted(programme) and len(programme) == 17


def test_clean_warehouse_has_the_contract_grain(tmp_path):
    path = build_clean_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    try:
        n, cells = con.execute("""select count(*), count(distinct (kpi_code, region_code, quarter))
                                  from kpi.kpi_official_candidate""").fetchone()
        assert n == cells == len(KPIS) * 18 * len(QUARTERS)
        assert con.execute("""select min(actual) from kpi.kpi_official_candidate
                              where kpi_code = 'jobs_created'""").fetchall()[0][0] < 0
        falls = con.execute("""select kpi_code from (select kpi_code, actual - lag(actual) over
                                  (partition by kpi_code, region_code order by quarter) as change
                                  from kpi.kpi_official_candidate where region_code = ? and kpi_code in ?) where change < 0
                                  order by kpi_code""", [WITHDRAWAL[0], list(PLAN_TARGETS)]).fetchall()
        assert falls == [("leading_firms",), ("representative_smes",)]
    finally:
        con.close()
