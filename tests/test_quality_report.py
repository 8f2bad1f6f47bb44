"""The auditor's report written by the whole quality step (the gate, then release.release_run): HTML standalone with the
release status and check names at the top, JSON valid against quality/quality_report.schema.json, GX Data Docs
beside it, and an index of every run."""
from __future__ import annotations

import json
import re

import jsonschema
import pytest

from quality.checks.registry import load_config
from quality.gate import ReleaseWithheld
from quality.release import release_run
from quality.checks.gx import GxSession
from quality.report import SCHEMA_PATH, run_dir
from tests.browser import chromium
from tests.test_quality_fixtures import BATCH, build_clean_warehouse, check_outcome

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def warehouse(tmp_path):
    return build_clean_warehouse(tmp_path / "warehouse.duckdb")


def audit_and_publish(warehouse, reports, run_id: str, code_version: str, batch_ids: list[str], failing=None):
    """The quality step as a run takes it, on a hand-made gate outcome (with GX Data Docs beside the report)."""
    GxSession(run_dir(reports, run_id) / "gx_docs").build_docs()
    return release_run(warehouse, reports, run_id, code_version, check_outcome(failing, batch_ids=tuple(batch_ids)))


def _validate(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    return data


def test_published_run_report(warehouse, tmp_path):
    reports = tmp_path / "reports"
    run = audit_and_publish(warehouse, reports, "run:2025-01-05/001", "abc1234", [BATCH])
    folder = reports / "runs" / "run_2025-01-05_001"
    assert run.report.html_path == folder / "quality.html"
    data = _validate(folder / "quality.json")
    assert data["outcome"] == "published" and data["release"]["release_id"] == run.release.release_id
    total = len(load_config().checks)
    assert data["summary"] == {"checks_total": total, "passed": total, "warned": 0, "failed": 0}
    page = run.report.html_path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and "'Noto Sans CJK KR'" in page and "NanumGothic" in page
    assert "<script" not in page and "http" not in page.replace(SCHEMA["$schema"], "")
    assert "RELEASE PUBLISHED" in page and run.release.release_id in page
    assert (folder / "gx_docs" / "index.html").exists() and "href='gx_docs/index.html'" in page
    assert "missing column 지급액" in page and "file_rejected" in page and "c3" * 32 in page
    assert {f["status"]: f["reconciles"] for f in data["ingestion_files"]}["loaded_with_quarantine"] is True
    assert {(q["reason_code"], q["rows"]) for q in data["quarantine_by_reason"]} == {
        ("file_rejected", 10), ("invalid_date", 3)}


def test_withheld_run_report_names_the_check_near_the_top(warehouse, tmp_path):
    reports = tmp_path / "reports"
    audit_and_publish(warehouse, reports, "run-001", "abc1234", [BATCH])
    differences = [{"kpi_code": "leading_firms", "region_code": region, "quarter": "2024Q4", "published": 5.0,
                    "recounted": 4.0} for region in ("26", "27", "ALL")]
    with pytest.raises(ReleaseWithheld) as withheld:
        audit_and_publish(warehouse, reports, "run-002", "abc1234", [BATCH],
                          failing={"candidate_independent_recount": differences})
    page = withheld.value.report_path.read_text(encoding="utf-8")
    top = page[: page.index("<h2>Checks</h2>")]
    assert "RELEASE WITHHELD" in top and "candidate_independent_recount" in top
    assert "withheld" in page.lower()
    data = _validate(withheld.value.report_path.with_name("quality.json"))
    assert data["outcome"] == "withheld" and data["release"] is None
    assert data["withheld"]["failed_checks"] == ["candidate_independent_recount"]
    [failed] = [c for c in data["checks"] if c["status"] != "passed"]
    assert {(r["region_code"], r["published"], r["recounted"]) for r in failed["failing_rows"]} == {
        ("26", 5.0, 4.0), ("27", 5.0, 4.0), ("ALL", 5.0, 4.0)}
    assert failed["failing_row_count"] == 3

    index = (reports / "index.html").read_text(encoding="utf-8")
    assert re.search(r"run-001</a>.*?published", index, re.S) and re.search(r"run-002</a>.*?withheld", index, re.S)
    assert index.index("run-002") < index.index("run-001")          # newest first


@pytest.mark.browser
def test_a_reader_of_the_withheld_report_sees_the_failed_check_and_the_withheld_release(warehouse, tmp_path):
    reports = tmp_path / "reports"
    with pytest.raises(ReleaseWithheld) as withheld:
        audit_and_publish(warehouse, reports, "run-003", "abc1234", [BATCH],
                          failing={"candidate_national_equals_distinct_entities": [{"kpi_code": "leading_firms"}]})
    page = withheld.value.report_path
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    text = re.sub(r"<[^>]+>", " ", dom)
    banner = text[: text.index("Checks")]
    assert "RELEASE WITHHELD" in banner and "candidate_national_equals_distinct_entities" in banner
    screenshot = tmp_path / "quality.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1200,900", page.as_uri(), profile=tmp_path / "profile")
    assert screenshot.stat().st_size > 20_000          # a rendered page, not a blank one
