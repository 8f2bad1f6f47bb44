"""Write-audit-publish on hand-made warehouses: a clean run publishes an immutable, hashed release; a blocking
failure publishes nothing and leaves the previous release official; warnings publish and are recorded."""
from __future__ import annotations

import json

import duckdb
import pytest

from quality.checks.registry import load_config
from quality.gate import ReleaseWithheld, record_outcome, recorded_outcome, run_all
from quality.release import candidate_content_hash, canonical_number, latest_release, publish_release, release_run
from tests.test_quality_fixtures import BATCH, FILES, build_clean_warehouse, execute, links_frame, replace_rows

CANDIDATE = "kpi.kpi_official_candidate"


@pytest.fixture
def clean(tmp_path):
    return build_clean_warehouse(tmp_path / "warehouse.duckdb")


def _publish(path, run_id):
    return publish_release(path, run_id, "abc1234", run_all(path, batch_ids=[BATCH]).results, [BATCH])


def _query(path, sql, params=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_clean_run_publishes_candidate_with_release_record(clean):
    release = _publish(clean, "run-001")
    assert release.quarter == "2024Q4" and release.row_count == 648 and release.content_changed
    assert release.release_id.startswith("2024Q4-r0001-") and release.checks_failed == 0
    assert _query(clean, f"""select count(*) from (select kpi_code, region_code, quarter, actual, target,
                                 achievement_pct, definition_version from kpi.kpi_official_latest
                             except all select * from {CANDIDATE})""") == [(0,)]
    [(files, code_version, passed)] = _query(clean, """select input_files, code_version, checks_passed
                                                       from kpi.kpi_releases""")
    files = json.loads(files)
    assert sorted(f["file_path"] for f in files) == sorted(FILES.values())      # loaded files of the batch only
    assert {f["sha256"] for f in files} == {"b2" * 32, "c3" * 32, "d4" * 32}
    assert code_version == "abc1234" and passed == len(load_config().checks)
    lineage_rows = _query(clean, "select count(*) from kpi.kpi_candidate_lineage")[0][0]
    assert _query(clean, "select count(*) from kpi.kpi_official_lineage where release_id = ?",
                  [release.release_id]) == [(lineage_rows,)]


def test_same_inputs_give_same_content_hash_and_a_recertifying_release(clean, tmp_path):
    first = _publish(clean, "run-001")
    second = _publish(clean, "run-002")
    other_copy = build_clean_warehouse(tmp_path / "rebuilt.duckdb")
    third = _publish(other_copy, "run-xyz")
    assert first.content_sha256 == second.content_sha256 == third.content_sha256
    assert second.release_id != first.release_id and second.previous_release_id == first.release_id
    assert not second.content_changed
    assert _query(clean, "select count(*), count(distinct release_id) from kpi.kpi_official") == [(1296, 2)]


def test_retried_publish_of_the_same_run_returns_the_existing_release(clean):
    first = _publish(clean, "run-001")
    again = _publish(clean, "run-001")
    assert again.release_id == first.release_id
    assert _query(clean, "select count(*) from kpi.kpi_releases") == [(1,)]


def test_changed_number_changes_the_hash(clean):
    first = _publish(clean, "run-001")
    execute(clean, f"""update {CANDIDATE} set actual = actual + 1 where kpi_code = 'jobs_created'
                       and quarter = '2024Q4' and region_code in ('26', 'ALL')""")
    second = _publish(clean, "run-002")
    assert second.content_sha256 != first.content_sha256 and second.content_changed


@pytest.mark.parametrize("defect_sql, check", [
    (f"delete from {CANDIDATE} where region_code = '50' and kpi_code = 'leading_firms' and quarter = '2024Q4'",
     "candidate_region_quarter_complete"),
    (f"update {CANDIDATE} set actual = actual + 3 where region_code = 'ALL' and kpi_code = 'collaboration_models'",
     "candidate_national_equals_sum_of_regions"),
    (f"update {CANDIDATE} set target = 200, achievement_pct = 100 * actual / 200 "
     "where region_code = 'ALL' and kpi_code = 'representative_smes'", "candidate_national_targets_match_plan"),
    ("update audit.ingest_files set rows_quarantined = 0 where status = 'loaded_with_quarantine'",
     "ingest_rows_reconcile"),
    (f"update {CANDIDATE} set actual = -2 where kpi_code = 'structural_centre_regions' and region_code = 'ALL'",
     "candidate_counts_non_negative"),
])
def test_blocking_failure_withholds_and_previous_release_stays(clean, defect_sql, check):
    official = _publish(clean, "run-001")
    before = _query(clean, "select * from kpi.kpi_official_latest order by all")
    execute(clean, defect_sql)
    with pytest.raises(ReleaseWithheld) as withheld:
        _publish(clean, "run-002")
    assert check in withheld.value.failed_checks and check in str(withheld.value)
    assert latest_release(clean).release_id == official.release_id
    assert _query(clean, "select count(*) from kpi.kpi_releases") == [(1,)]
    assert _query(clean, "select * from kpi.kpi_official_latest order by all") == before


def test_withheld_first_run_creates_nothing(clean):
    execute(clean, "update audit.ingest_files set rows_loaded = 0 where status = 'loaded'")
    with pytest.raises(ReleaseWithheld, match="ingest_rows_reconcile"):
        _publish(clean, "run-001")
    assert latest_release(clean) is None


def test_warning_publishes_and_is_recorded(clean):
    replace_rows(clean, "marts.fct_firm_workplace_links", links_frame(matched=30, ambiguous=8, unmatched=2))
    release = _publish(clean, "run-001")
    assert release.checks_warned == 1
    [(checks,)] = _query(clean, "select checks from kpi.kpi_releases")
    warned = [c for c in json.loads(checks) if c["status"] != "passed"]
    assert warned == [{"name": "linkage_match_rate_target", "severity": "warning", "status": "failed",
                       "observed": "75.00% matched (30 of 40 firms)"}]


def test_missing_blocking_check_results_withhold(clean):
    only_audit = [r for r in run_all(clean, batch_ids=[BATCH]).results if r.table == "audit.ingest_files"]
    with pytest.raises(ReleaseWithheld, match="not run: candidate_not_empty"):
        publish_release(clean, "run-001", "abc1234", only_audit, [BATCH])


def test_canonical_numbers():
    assert [canonical_number(v) for v in (None, 3.0, -0.0, 12.5, 1 / 3, 280)] == ["", "3", "0", "12.5", "0.333333",
                                                                                  "280"]


def test_publish_refuses_a_candidate_another_run_rebuilt_after_this_runs_gate(clean, tmp_path):
    # Run A's gate judges the candidate; run B's dbt step then rebuilds it before A publishes.
    record_outcome(clean, "run-A", run_all(clean, batch_ids=[BATCH]), candidate_content_hash(clean))
    execute(clean, f"update {CANDIDATE} set definition_version = 'v2' where kpi_code = 'collaboration_models'")
    with pytest.raises(ReleaseWithheld, match="changed after this run's gate judged it"):
        release_run(clean, tmp_path / "reports", "run-A", "abc1234", recorded_outcome(clean, "run-A"))
    assert latest_release(clean) is None
    # Run B's own gate saw what it built, so B publishes it.
    record_outcome(clean, "run-B", run_all(clean, batch_ids=[BATCH]), candidate_content_hash(clean))
    published = release_run(clean, tmp_path / "reports", "run-B", "abc1234", recorded_outcome(clean, "run-B"))
    assert published.release.run_id == "run-B" and published.release.content_sha256 == candidate_content_hash(clean)
