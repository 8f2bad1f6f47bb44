"""The gate on hand-made warehouses: a clean warehouse passes every check; each seeded defect fails exactly the
check(s) that own it, with failing-row samples; checks that cannot run report an error."""
from __future__ import annotations

import pytest

from quality.checks.registry import load_config
from quality.gate import run_all, run_checks
from tests.test_quality_fixtures import BATCH, build_clean_warehouse, execute, links_frame, replace_rows

CANDIDATE = "kpi.kpi_official_candidate"

DEFECTS = {
    "missing_region": (
        f"delete from {CANDIDATE} where region_code = '36' and quarter = '2024Q2' and kpi_code = 'collaboration_models'",
        {"candidate_region_quarter_complete", "candidate_national_equals_sum_of_regions"}),
    "national_not_sum": (
        f"""update {CANDIDATE} set actual = actual + 1, achievement_pct = 100 * (actual + 1) / target
            where region_code = 'ALL' and kpi_code = 'leading_firms' and quarter = '2024Q4'""",
        {"candidate_national_equals_sum_of_regions"}),
    "wrong_target": (
        f"""update {CANDIDATE} set target = 250, achievement_pct = 100 * actual / 250
            where region_code = 'ALL' and kpi_code = 'leading_firms'""",
        {"candidate_national_targets_match_plan"}),
    "negative_count": (
        f"""update {CANDIDATE} set actual = -1
            where kpi_code = 'growth_project_success_cases' and region_code = '26' and quarter = '2024Q1'""",
        {"candidate_counts_non_negative", "candidate_national_equals_sum_of_regions"}),
    "fractional_count": (
        f"""update {CANDIDATE} set actual = actual + 0.5
            where kpi_code = 'jobs_created' and quarter = '2024Q3' and region_code in ('26', 'ALL')""",
        {"candidate_counts_integral"}),
    "coverage_above_17": (
        f"""update {CANDIDATE} set actual = 18, achievement_pct = 100 * 18 / 17
            where kpi_code = 'crisis_centre_regions' and region_code = 'ALL'""",
        {"candidate_coverage_kpis_within_region_count", "candidate_national_equals_sum_of_regions"}),
    "unknown_region": (
        f"update {CANDIDATE} set region_code = '42' where region_code = '51' and quarter = '2024Q1'",
        {"candidate_region_codes_known", "candidate_region_quarter_complete",
         "candidate_national_equals_sum_of_regions", "candidate_numbers_traceable"}),
    "achievement_inconsistent": (
        f"update {CANDIDATE} set achievement_pct = 50 where region_code = 'ALL' and kpi_code = 'collaboration_models'",
        {"candidate_achievement_pct_consistent"}),
    "unexplained_withdrawal": (
        "update marts.fct_region_stage set withdrawals = 0",
        {"candidate_cumulative_never_decreases"}),
    "number_without_lineage": (
        "delete from kpi.kpi_candidate_lineage where kpi_code = 'jobs_created' and region_code = '48'",
        {"candidate_numbers_traceable"}),
    "reconciliation_broken": (
        "update audit.ingest_files set rows_loaded = 296 where status = 'loaded_with_quarantine'",
        {"ingest_rows_reconcile"}),
    "rejected_file_partly_loaded": (
        "update audit.ingest_files set rows_loaded = 4, rows_quarantined = 6 where status = 'rejected'",
        {"ingest_rejected_files_fully_quarantined"}),
    "workplace_key_on_unmatched": (
        "update marts.fct_firm_workplace_links set workplace_key = 'WP999999' where match_status = 'unmatched'",
        {"links_one_row_per_firm"}),
}


@pytest.fixture
def clean(tmp_path):
    return build_clean_warehouse(tmp_path / "warehouse.duckdb")


def test_clean_warehouse_passes_every_check(clean):
    outcome = run_all(clean, batch_ids=[BATCH])
    assert [r.name for r in outcome.results] == [c.name for c in load_config().checks]
    assert {r.status for r in outcome.results} == {"passed"}, [r for r in outcome.results if r.status != "passed"]
    assert outcome.passed and not outcome.warnings


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_seeded_defect_fails_the_check_that_owns_it(clean, defect):
    sql, expected = DEFECTS[defect]
    execute(clean, sql)
    outcome = run_all(clean, batch_ids=[BATCH])
    failed = {r.name for r in outcome.blocking_failures}
    assert failed == expected
    for result in outcome.blocking_failures:
        assert result.status == "failed" and result.failing_rows and len(result.failing_rows) <= 20
        assert result.failing_row_count >= len(result.failing_rows)


def test_duplicate_row_fails_grain_check_with_its_key(clean):
    execute(clean, f"""insert into {CANDIDATE} select * from {CANDIDATE}
                       where kpi_code = 'collaboration_models' and region_code = '11' and quarter = '2024Q2'""")
    results = {r.name: r for r in run_checks(clean, CANDIDATE)}
    grain = results["candidate_grain_unique"]
    assert grain.status == "failed" and grain.failing_row_count == 2
    assert {(r["kpi_code"], r["region_code"], r["quarter"]) for r in grain.failing_rows} == {
        ("collaboration_models", "11", "2024Q2")}


def test_negative_count_sample_names_the_row(clean):
    execute(clean, DEFECTS["negative_count"][0])
    result = {r.name: r for r in run_checks(clean, CANDIDATE)}["candidate_counts_non_negative"]
    assert result.engine == "great_expectations"
    assert result.failing_rows == [{"expectation": "expect_column_values_to_be_between", "actual": -1.0,
                                    "kpi_code": "growth_project_success_cases", "region_code": "26",
                                    "quarter": "2024Q1"}]


def test_unexplained_fall_names_the_region_and_quarter(clean):
    execute(clean, DEFECTS["unexplained_withdrawal"][0])
    result = {r.name: r for r in run_checks(clean, CANDIDATE)}["candidate_cumulative_never_decreases"]
    assert [(r["kpi_code"], r["region_code"], r["quarter"], r["fall"]) for r in result.failing_rows] == [
        ("leading_firms", "27", "2024Q3", 1.0), ("representative_smes", "27", "2024Q3", 1.0)]


def test_run_checks_selects_one_guarded_table(clean):
    results = run_checks(clean, "audit.ingest_files", batch_ids=[BATCH])
    assert [r.name for r in results] == ["ingest_rows_reconcile", "ingest_rejected_files_fully_quarantined",
                                         "ingest_employment_months_missing"]
    with pytest.raises(ValueError, match="no check guards"):
        run_checks(clean, "raw.firms")


def test_batch_filter_limits_reconciliation_to_the_runs_batches(clean):
    execute(clean, "update audit.ingest_files set rows_loaded = 117 where load_batch_id = 'batch-2024-10-05'")
    assert {r.status for r in run_checks(clean, "audit.ingest_files", batch_ids=[BATCH])} == {"passed"}
    failed = run_checks(clean, "audit.ingest_files")[0]
    assert failed.status == "failed" and failed.failing_rows[0]["file_path"].endswith("firms_2024Q3.csv")


def test_missing_mart_is_an_error_that_blocks(clean):
    execute(clean, "drop table marts.fct_region_stage")
    outcome = run_all(clean, batch_ids=[BATCH])
    [blocking] = outcome.blocking_failures
    assert blocking.name == "candidate_cumulative_never_decreases" and blocking.status == "error"
    assert "marts.fct_region_stage" in blocking.error


@pytest.mark.parametrize("matched, expected_blocking, expected_warnings", [
    (28, set(), {"linkage_match_rate_target"}),
    (16, {"linkage_match_rate_floor"}, {"linkage_match_rate_target"}),
])
def test_linkage_match_rate_thresholds(clean, matched, expected_blocking, expected_warnings):
    frame = links_frame(matched=matched, ambiguous=40 - matched - 2, unmatched=2)
    replace_rows(clean, "marts.fct_firm_workplace_links", frame)
    outcome = run_all(clean, batch_ids=[BATCH])
    assert {r.name for r in outcome.blocking_failures} == expected_blocking
    assert {r.name for r in outcome.warnings} == expected_warnings
    warning = next(r for r in outcome.results if r.name == "linkage_match_rate_target")
    assert warning.observed.startswith(f"{matched / 40:.2%}")
    assert all(row["match_status"] != "matched" for row in warning.failing_rows)
