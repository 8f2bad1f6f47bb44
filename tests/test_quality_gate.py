"""The gate's selection and scoping on a hand-made warehouse: run_checks picks the checks of one guarded table, and
the audit checks judge only the run's own load batches. (Every check is shown to fail on its planted defect in a
dbt-built warehouse in tests/test_quality_planted_defects.py.)"""
from __future__ import annotations

import pytest

from quality.gate import run_checks
from tests.test_quality_fixtures import BATCH, build_clean_warehouse, execute


@pytest.fixture
def clean(tmp_path):
    return build_clean_warehouse(tmp_path / "warehouse.duckdb")


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
