"""Planted-defect tests of the gate: every blocking check of quality/checks.yml is shown to fail.

One module fixture writes a small landing folder (six programme firms in six regions, each linked to its NPS
workplace; GP300 and COLLAB funding with a reversal; 18 monthly NPS files), loads it with the loader and runs
`dbt build` on it; that warehouse passes every check. Each test copies it, plants the defect one check guards
against, runs the gate on the run's batch and tries to release: the release is withheld and the audit report
names the check. The recount is also shown to catch a mutated KPI model (a wrong stage), rebuilt by dbt.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.contracts.identifiers import brn_check_digit
from ingestion.loader import load_landing
from quality.checks.registry import load_config
from quality.gate import ReleaseWithheld, run_all
from quality.release import candidate_content_hash, release_run
from serving.kpi_report import build_kpi_report
from tests.dbt_cli import PROJECT, run_dbt
from tests.handmade import write_employment, write_firms, write_funding

pytestmark = pytest.mark.slow

BATCH = "planted-defects-batch"
MONTHS = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(18)]     # 2023-01 .. 2024-06


def brn(first_nine: str) -> str:
    return first_nine + str(brn_check_digit(first_nine))


# brn, name, region, sigungu, industry type, designations (stage, designated_on, withdrawn_on), headcount by month
FIRMS = [
    (brn("134860001"), "가나테크", "51", "51110", "주축", [("예비", "2023-02-01", None), ("선도", "2023-08-01", None)],
     lambda i: 20 if i <= 2 else 20 + (i - 2)),
    (brn("226810002"), "부산수소", "26", "26440", "초광역", [("선도", "2023-05-01", None)], lambda i: 50),
    (brn("318810003"), "경북소재", "47", "47190", "주축", [("선도", "2023-05-10", "2024-02-01")], lambda i: 40),
    (brn("410810004"), "대구정밀", "27", "27290", "주축", [("잠재", "2023-04-01", None)], lambda i: 10 if i < 12 else 12),
    (brn("502810005"), "광주배터리", "29", "29110", "주축", [("선도", "2024-01-15", None)], lambda i: 30),
    (brn("604810006"), "충북바이오", "43", "43110", "미래", [("예비", "2023-06-01", None)], lambda i: 15),
]
F1, F2, F3, F4 = (firm[0] for firm in FIRMS[:4])
FUNDING = [
    ("E1", F1, "GP300", "GP300-51-01", None, 50_000_000, "2023-04-20", None),
    ("E2", F1, "COLLAB", None, "K1", 1_000_000, "2023-05-10", None),
    ("E3", F4, "COLLAB", None, "K1", 500_000, "2023-06-15", None),
    ("E4", F2, "COLLAB", None, "K2", 800_000, "2023-07-01", None),
    ("E5", F3, "COLLAB", None, "K2", 700_000, "2023-07-05", None),
    ("E6", F3, "COLLAB", None, None, -700_000, "2023-11-20", "E5"),
]


def _write_landing(landing: Path) -> None:
    write_firms(landing, "agency_batch.csv", [
        [f"{b[:3]}-{b[3:5]}-{b[5:]}", name, region, "29299", "", track, stage, on, off or ""]
        for b, name, region, _, track, designations, _ in FIRMS for stage, on, off in designations])
    write_funding(landing, "events.jsonl", [
        {"event_id": event, "brn": b, "program_code": programme, "project_id": project, "consortium_id": consortium,
         "amount_krw": amount, "paid_on": paid_on, "kind": "grant", "reverses": reverses}
        for event, b, programme, project, consortium, amount, paid_on, reverses in FUNDING])
    for i, month in enumerate(MONTHS):
        write_employment(landing, f"nps_{month:%Y%m}.csv", [
            [f"{month:%Y%m}", name, b[:6], "1", "24000", "", "", sigungu + "00000", "", region, sigungu, "", "1",
             "292203", "제조업", "20150101", "", "", str(headcount(i)), str(headcount(i) * 100_000), "0", "0"]
            for b, name, region, sigungu, _, _, headcount in FIRMS])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse dbt built from the landing folder above, through the loader (dbt's target folder beside it)."""
    work = tmp_path_factory.mktemp("planted")
    db_path = work / "warehouse.duckdb"
    _write_landing(work / "landing")
    summary = load_landing(work / "landing", db_path, batch_id=BATCH)
    assert summary.total("rows_quarantined") == 0
    run_dbt(["build"], db_path, work)
    return db_path


@pytest.fixture
def warehouse(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built, copy)
    shutil.copytree(built.parent / "target", tmp_path / "target", ignore=shutil.ignore_patterns("compiled", "run"))
    return copy


def _execute(db_path: Path, sql: str) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute(sql)


def _release(db_path: Path, reports: Path, run_id: str = BATCH):
    """Runs the gate on the run's batch as the pipeline does and tries to release on its outcome."""
    outcome = run_all(db_path, batch_ids=[run_id])
    outcome = type(outcome)(outcome.results, outcome.batch_ids, candidate_content_hash(db_path))
    return outcome, release_run(db_path, reports, run_id, "test", outcome, dbt_target=db_path.parent / "target")


def test_the_clean_build_passes_every_check_and_is_released(warehouse, tmp_path):
    outcome, published = _release(warehouse, tmp_path / "reports")
    report = json.loads(published.report.json_path.read_text(encoding="utf-8"))
    # the audit report lists dbt's own checks next to the gate's, and each KPI's status
    kinds = {c["kind"] for c in report["dbt_checks"]}
    assert kinds == {"data_test", "unit_test", "contract"}
    assert {c["status"] for c in report["dbt_checks"]} == {"pass", "success"}
    assert "contract of kpi_official_candidate" in {c["name"] for c in report["dbt_checks"]}
    status = {k["kpi_code"]: k["status"] for k in report["kpi_status"]}
    assert status["structural_centre_regions"] == status["growth_project_success_cases"] == "provisional"
    assert status["leading_firms"] == "final"
    assert [r for r in outcome.results if r.status == "error"] == [] and not outcome.blocking_failures
    # the one warning: K2 stops being a collaboration model when C's payment is reversed
    assert [r.name for r in outcome.warnings] == ["candidate_collaboration_models_fall_reviewed"]
    assert published.release.release_id.startswith("2024Q2-r0001-")


CANDIDATE = "kpi.kpi_official_candidate"
RELEASED = "'2024Q2'"
# check -> the defect it guards against, planted into the dbt-built warehouse
PLANTED = {
    "candidate_not_empty": f"delete from {CANDIDATE}",
    "candidate_required_columns_not_null":
        f"update {CANDIDATE} set definition_version = null where kpi_code = 'collaboration_models'",
    "candidate_grain_unique":
        f"insert into {CANDIDATE} select * from {CANDIDATE} where kpi_code = 'jobs_created' and region_code = '51'",
    "candidate_region_codes_known": f"update {CANDIDATE} set region_code = '42' where region_code = '51'",
    "candidate_coverage_kpis_within_region_count":
        f"update {CANDIDATE} set actual = 18 where kpi_code = 'crisis_centre_regions' and region_code = 'ALL'",
    # a wrong published number in the released quarter
    "candidate_independent_recount":
        f"update {CANDIDATE} set actual = actual + 1 where kpi_code = 'leading_firms' and region_code = '29' "
        f"and quarter = {RELEASED}",
    # the national row built as the sum of the regions of a firm counted in two regions
    "candidate_national_equals_distinct_entities":
        f"update {CANDIDATE} set actual = actual + 1 where kpi_code = 'representative_smes' and region_code = 'ALL' "
        "and quarter = '2023Q3'",
    "candidate_cumulative_never_decreases":
        f"update {CANDIDATE} set actual = actual - 1 where kpi_code = 'growth_project_success_cases' "
        "and region_code = '51' and quarter = '2024Q1'",
    "candidate_numbers_traceable": "delete from kpi.kpi_candidate_lineage where kpi_code = 'jobs_created'",
    "links_one_row_per_firm":
        f"update marts.fct_firm_workplace_links set workplace_key = null where brn = '{F2}'",
    "linkage_match_rate_floor":
        f"update marts.fct_firm_workplace_links set match_status = 'unmatched', workplace_key = null "
        f"where brn = '{F3}'",
    "ingest_rows_reconcile": "update audit.ingest_files set rows_loaded = rows_loaded - 1 where feed = 'firms'",
    "ingest_rejected_files_fully_quarantined":
        "update audit.ingest_files set status = 'rejected', rows_quarantined = 0 where feed = 'funding'",
    # an NPS month cut short: half of its workplaces missing
    "employment_month_workplaces_plausible":
        "delete from raw.employment where data_month = date '2024-06-01' and source_row <= 4",
}


# an old quarter changed since the previous release, with no new file, month, seed or definition behind it
UNEXPLAINED_REVISION = (f"update {CANDIDATE} set actual = actual + 5 where kpi_code = 'jobs_created' "
                        "and region_code = '51' and quarter = '2023Q3'")


def test_every_blocking_check_has_a_planted_defect():
    blocking = {c.name for c in load_config().checks if c.severity == "blocking"}
    assert blocking == set(PLANTED) | {"candidate_revisions_explained", "kpi_entities_have_region"}


def test_an_unexplained_revision_of_an_old_quarter_withholds_the_release(warehouse, tmp_path):
    _release(warehouse, tmp_path / "reports")
    _execute(warehouse, UNEXPLAINED_REVISION)
    with pytest.raises(ReleaseWithheld) as withheld:
        _release(warehouse, tmp_path / "reports", "next-run")
    assert "candidate_revisions_explained" in withheld.value.failed_checks
    assert "candidate_revisions_explained" in withheld.value.report_path.read_text(encoding="utf-8")


def test_a_corrected_delivery_is_a_revision_naming_the_file(built, tmp_path, cache_dir):
    """The NPS file of 2023-09 is delivered again, corrected (가나테크 has 3 more people): jobs_created of 2023Q3
    changes from 6 to 9, the revision names the corrected file, and the release is published with it."""
    work = tmp_path / "work"
    work.mkdir()
    db_path = work / "warehouse.duckdb"
    shutil.copy(built, db_path)
    first = _release(db_path, tmp_path / "reports")[1].release
    landing = work / "landing"
    _write_landing(landing)
    corrected = landing / "employment" / "nps_202309.csv"
    lines = corrected.read_bytes().decode("cp949").splitlines()
    fields = lines[1].split(",")
    fields[18] = str(int(fields[18]) + 3)
    corrected.write_bytes(("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n").encode("cp949"))
    load_landing(landing, db_path, batch_id="correction-batch")
    run_dbt(["build"], db_path, work)
    published = _release(db_path, tmp_path / "reports", "correction-batch")[1]
    second = published.release
    report = json.loads(published.report.json_path.read_text(encoding="utf-8"))
    assert {(r["kpi_code"], r["region_code"], r["cause"]) for r in report["revisions"]} >= {
        ("jobs_created", "51", "late or corrected delivery")}
    with duckdb.connect(str(db_path), read_only=True) as con:
        revisions = con.execute("""select kpi_code, region_code, quarter, old_value, new_value, cause, cause_detail
                                   from kpi.kpi_revisions where release_id = ? and kpi_code = 'jobs_created'
                                   order by region_code""", [second.release_id]).fetchall()
    assert revisions == [
        ("jobs_created", "51", "2023Q3", 6.0, 9.0, "late or corrected delivery", "employment/nps_202309.csv"),
        ("jobs_created", "ALL", "2023Q3", 6.0, 9.0, "late or corrected delivery", "employment/nps_202309.csv")]
    assert second.previous_release_id == first.release_id
    # the KPI report shows each KPI's status, the recount and the revisions of the release it shows
    page = build_kpi_report(db_path, tmp_path / "reports", cache_dir).read_text(encoding="utf-8")
    assert 'data-status="provisional"' in page and 'data-status="final"' in page
    assert "독립 재집계 Independent recount: <b data-status=\"passed\">passed</b>" in page
    assert "late or corrected delivery: employment/nps_202309.csv" in page


@pytest.mark.parametrize("check", list(PLANTED))
def test_planted_defect_withholds_the_release_and_the_report_names_the_check(warehouse, tmp_path, check):
    _execute(warehouse, PLANTED[check])
    with pytest.raises(ReleaseWithheld) as withheld:
        _release(warehouse, tmp_path / "reports")
    assert check in withheld.value.failed_checks
    assert check in withheld.value.report_path.read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        released = con.execute("select count(*) from information_schema.tables "
                               "where table_schema = 'kpi' and table_name = 'kpi_releases'").fetchall()[0][0]
        assert not released or con.execute("select count(*) from kpi.kpi_releases").fetchall() == [(0,)]


def test_a_bridge_gap_leaves_a_designation_without_region_and_withholds_the_release(warehouse, tmp_path):
    """kpi_entities_have_region: the loader quarantines every row under a code that spans regions (12), so a
    designation reaches the models without a programme region only through a gap in the reference data. Planted
    here: the bridge row of 강원 51 made to start on 2023-06-11, the day the code came in (as ref_regions says),
    which leaves 가나테크's 예비 designation of 2023-02-01, delivered under 51, without a programme region. dbt
    rebuilds the seed and everything downstream; the gate names the designation and its source row."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    bridge = project / "seeds" / "ref_admin_region_bridge.csv"
    rows = bridge.read_text(encoding="utf-8")
    row_51 = "B010,51,,1900-01-01,,51,"
    assert rows.count(row_51) == 1
    bridge.write_text(rows.replace(row_51, "B010,51,,2023-06-11,,51,"), encoding="utf-8")
    run_dbt(["seed", "--select", "ref_admin_region_bridge"], warehouse, tmp_path, project=project)
    run_dbt(["run", "--select", "ref_admin_region_bridge+"], warehouse, tmp_path, project=project)
    with pytest.raises(ReleaseWithheld) as withheld:
        _release(warehouse, tmp_path / "reports")
    assert "kpi_entities_have_region" in withheld.value.failed_checks
    assert "kpi_entities_have_region" in withheld.value.report_path.read_text(encoding="utf-8")
    outcome = run_all(warehouse, batch_ids=[BATCH])
    check = next(r for r in outcome.results if r.name == "kpi_entities_have_region")
    assert [(r["entity_type"], r["entity_id"], r["region_as_delivered"], r["source_file"], r["source_row"])
            for r in check.failing_rows] == [("designation", F1, "51", "firms/agency_batch.csv", 2)]


def _recount_after_mutating(warehouse: Path, tmp_path: Path, model_name: str, old: str, new: str):
    """Rebuild `model_name` and everything after it from a copy of the project in which `old` (found exactly once)
    reads `new`, run the gate, and return the failed recount with {(kpi, region): (published, recounted)}."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    model = project / "models" / "intermediate" / "kpi" / f"{model_name}.sql"
    source = model.read_text(encoding="utf-8")
    assert source.count(old) == 1
    model.write_text(source.replace(old, new), encoding="utf-8")
    run_dbt(["run", "--select", f"{model_name}+"], warehouse, tmp_path, project=project)
    outcome = run_all(warehouse, batch_ids=[BATCH])
    recount = next(r for r in outcome.results if r.name == "candidate_independent_recount")
    assert recount.status == "failed"
    return recount, {(row["kpi_code"], row["region_code"]): (row["published"], row["recounted"])
                     for row in recount.failing_rows}


def test_recount_catches_a_mutated_kpi_model(warehouse, tmp_path):
    """A KPI model counting the wrong stage, rebuilt by dbt: the recount differs and names the numbers."""
    _, differing = _recount_after_mutating(warehouse, tmp_path, "int_kpi_leading_firms",
                                           "where stages.is_leading_stage and", "where stages.stage_rank >= 1 and")
    assert differing[("leading_firms", "27")] == (1.0, 0.0)      # 대구's 잠재 firm is no leading firm


def test_recount_catches_a_pooled_jobs_model_counting_a_firm_once_per_programme(warehouse, tmp_path):
    """jobs_created rebuilt by dbt with its pooled entries grouped by programme: 가나테크 (GP300 from 2023-04,
    COLLAB from 2023-05) is counted twice in 강원, 15 + 14 jobs instead of once, 15. The national row takes each
    firm once and so still agrees; the recount, with its own rule, names the regional number."""
    pooled = "    where net_at_quarter_end > 0\n    group by quarter, reference_month, brn\n"
    recount, differing = _recount_after_mutating(warehouse, tmp_path, "int_kpi_jobs_created",
                                                 pooled, pooled[:-1] + ", payment_status.program_code\n")
    assert differing == {("jobs_created", "51"): (29.0, 15.0)}
    # the per-programme figures are recounted too, each firm from its own entry into the programme: COLLAB is
    # 가나테크's 14 (from 2023-04) and 대구정밀's 2 (10 -> 12)
    assert "jobs_created_collab 16.0 / 16.0" in recount.observed
    assert "jobs_created_gp300 15.0 / 15.0" in recount.observed


def test_a_check_that_cannot_run_is_an_error_that_blocks(warehouse, tmp_path):
    _execute(warehouse, "drop table marts.fct_region_stage")
    outcome = run_all(warehouse, batch_ids=[BATCH])
    [blocking] = outcome.blocking_failures
    assert blocking.name == "candidate_cumulative_never_decreases" and blocking.status == "error"
    assert "marts.fct_region_stage" in blocking.error


def test_linkage_floor_is_judged_per_region_and_among_supported_firms(warehouse):
    # 대구's one firm (supported through COLLAB) loses its match: 5 of 6 firms nationally is above the floor,
    # but 대구 falls to 0 %, and so does nothing else
    _execute(warehouse, f"update marts.fct_firm_workplace_links set match_status = 'ambiguous', workplace_key = null "
                        f"where brn = '{F4}'")
    outcome = run_all(warehouse, batch_ids=[BATCH])
    floor = next(r for r in outcome.results if r.name == "linkage_match_rate_floor")
    assert floor.status == "failed" and floor.observed.startswith("83.33% matched nationally")
    assert [(r["scope"], r["firms_group"], r["match_rate"]) for r in floor.failing_rows] == [
        ("region 27", "all firms", 0.0)]
