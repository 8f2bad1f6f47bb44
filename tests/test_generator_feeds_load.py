"""Generated demo feeds with every defect class, loaded end to end: each injected defect is caught as reported."""
import json

import duckdb
import pytest

from generator import generate
from ingestion.loader import load_landing

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    generate(landing, scale="demo", seed=7, defects=True, progress=False)
    summary = load_landing(landing, warehouse)
    manifest = json.loads((landing / "defects_manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quarantine = con.execute("SELECT file_path, source_row, reason_code, message FROM audit.quarantine").fetchall()
        files = {path: (status, error, duplicate_of) for path, status, error, duplicate_of in con.execute(
            "SELECT file_path, status, error, duplicate_of FROM audit.ingest_files").fetchall()}
    return landing, warehouse, summary, manifest, quarantine, files


def test_the_manifest_covers_every_defect_class(loaded):
    _, _, _, manifest, _, _ = loaded
    assert {d["defect"] for d in manifest} >= {
        "invalid_check_digit", "unknown_region", "impossible_date", "negative_headcount", "malformed_json",
        "truncated_file", "wrong_encoding", "delivered_twice", "duplicate_event_id"}


def test_every_injected_bad_record_is_quarantined_with_its_reason_file_and_row(loaded):
    _, _, _, manifest, quarantine, _ = loaded
    by_row = {(path, row): (reason, message) for path, row, reason, message in quarantine}
    for defect in (d for d in manifest if d["row"] is not None):
        reason, message = by_row[(defect["file"], defect["row"])]
        assert reason == defect["expected_reason"], defect
        assert message.startswith(f"{defect['file']} row {defect['row']}: "), message


def test_every_injected_bad_file_is_recorded_with_a_clear_error_and_its_rows_quarantined(loaded):
    _, _, _, manifest, quarantine, files = loaded
    for defect in (d for d in manifest if d["row"] is None):
        status, error, duplicate_of = files[defect["file"]]
        assert status == defect["expected_status"], defect
        if status == "rejected":
            assert error.startswith(defect["file"]), error
            reasons = {reason for path, _, reason, _ in quarantine if path == defect["file"]}
            assert reasons == {defect["expected_reason"]}
        if status == "duplicate":
            assert duplicate_of and duplicate_of != defect["file"]


def test_only_the_injected_defects_are_quarantined(loaded):
    _, _, _, manifest, quarantine, _ = loaded
    injected_rows = {(d["file"], d["row"]) for d in manifest if d["row"] is not None}
    rejected_files = {d["file"] for d in manifest if d["expected_status"] == "rejected"}
    unexpected = [q for q in quarantine if (q[0], q[1]) not in injected_rows and q[0] not in rejected_files]
    assert unexpected == []


def test_nothing_is_lost_in_any_file(loaded):
    _, warehouse, summary, _, _, _ = loaded
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in summary.files)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        read, accounted = con.execute("""
            SELECT sum(rows_read),
                   (SELECT count(*) FROM raw.firms) + (SELECT count(*) FROM raw.funding)
                 + (SELECT count(*) FROM raw.employment) + (SELECT count(*) FROM audit.quarantine)
            FROM audit.ingest_files""").fetchone()
    assert read == accounted > 50_000


def test_loading_the_same_landing_again_loads_nothing_new(loaded):
    landing, warehouse, first, _, _, _ = loaded
    again = load_landing(landing, warehouse)
    assert {f.status for f in again.files} == {"unchanged"}
    assert len(again.files) == len(first.files)
