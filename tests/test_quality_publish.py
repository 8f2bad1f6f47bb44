"""Write-audit-publish on hand-made warehouses and hand-made gate outcomes: a passing outcome publishes an
immutable, hashed release; a blocking failure publishes nothing and leaves the previous release official;
warnings publish and are recorded. (The checks are evaluated in tests/test_quality_planted_defects.py.)"""
from __future__ import annotations

import json

import duckdb
import pytest

from quality.checks.registry import load_config
from quality.gate import ReleaseWithheld, record_outcome, recorded_outcome
from quality.release import candidate_content_hash, canonical_number, latest_release, publish_release, release_run
from tests.test_quality_fixtures import BATCH, FILES, build_clean_warehouse, check_outcome, execute

CANDIDATE = "kpi.kpi_official_candidate"


@pytest.fixture
def clean(tmp_path):
    return build_clean_warehouse(tmp_path / "warehouse.duckdb")


def _publish(path, run_id, outcome=None):
    return publish_release(path, run_id, "abc1234", (outcome or check_outcome()).results, [BATCH])


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
                                 achievement_pct, definition_version, entity_count, status, status_reason
                                 from kpi.kpi_official_latest
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


@pytest.mark.parametrize("check", ["candidate_independent_recount", "ingest_rows_reconcile"])
def test_blocking_failure_withholds_and_previous_release_stays(clean, check):
    official = _publish(clean, "run-001")
    before = _query(clean, "select * from kpi.kpi_official_latest order by all")
    execute(clean, f"update {CANDIDATE} set actual = actual + 1 where kpi_code = 'leading_firms'")
    with pytest.raises(ReleaseWithheld) as withheld:
        _publish(clean, "run-002", check_outcome(failing={check: [{"kpi_code": "leading_firms"}]}))
    assert check in withheld.value.failed_checks and check in str(withheld.value)
    assert latest_release(clean).release_id == official.release_id
    assert _query(clean, "select count(*) from kpi.kpi_releases") == [(1,)]
    assert _query(clean, "select * from kpi.kpi_official_latest order by all") == before


def test_withheld_first_run_creates_nothing(clean):
    with pytest.raises(ReleaseWithheld, match="ingest_rows_reconcile"):
        _publish(clean, "run-001", check_outcome(failing={"ingest_rows_reconcile": [{"file_path": FILES["firms"]}]}))
    assert latest_release(clean) is None


def test_warning_publishes_and_is_recorded(clean):
    release = _publish(clean, "run-001", check_outcome(warning={"linkage_match_rate_target": [{"scope": "region 26"}]}))
    assert release.checks_warned == 1
    [(checks,)] = _query(clean, "select checks from kpi.kpi_releases")
    warned = [c for c in json.loads(checks) if c["status"] != "passed"]
    assert warned == [{"name": "linkage_match_rate_target", "severity": "warning", "status": "failed",
                       "observed": "1 failing row(s)"}]


def test_missing_blocking_check_results_withhold(clean):
    only_audit = [r for r in check_outcome().results if r.table == "audit.ingest_files"]
    with pytest.raises(ReleaseWithheld, match="not run: candidate_not_empty"):
        publish_release(clean, "run-001", "abc1234", only_audit, [BATCH])


def test_canonical_numbers():
    assert [canonical_number(v) for v in (None, 3.0, -0.0, 12.5, 1 / 3, 280)] == ["", "3", "0", "12.5", "0.333333",
                                                                                  "280"]


def test_publish_refuses_a_candidate_another_run_rebuilt_after_this_runs_gate(clean, tmp_path):
    # Run A's gate judges the candidate; run B's dbt step then rebuilds it before A publishes.
    record_outcome(clean, "run-A", check_outcome(), candidate_content_hash(clean))
    execute(clean, f"update {CANDIDATE} set definition_version = 'v2' where kpi_code = 'collaboration_models'")
    with pytest.raises(ReleaseWithheld, match="changed after this run's gate judged it"):
        release_run(clean, tmp_path / "reports", "run-A", "abc1234", recorded_outcome(clean, "run-A"))
    assert latest_release(clean) is None
    # Run B's own gate saw what it built, so B publishes it.
    record_outcome(clean, "run-B", check_outcome(), candidate_content_hash(clean))
    published = release_run(clean, tmp_path / "reports", "run-B", "abc1234", recorded_outcome(clean, "run-B"))
    assert published.release.run_id == "run-B" and published.release.content_sha256 == candidate_content_hash(clean)
