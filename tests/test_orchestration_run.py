"""`sme-warehouse run` end to end on generated feeds: a clean run publishes, a blocking failure withholds.

These are real runs: generated landing files, the loader, `dbt build`, the quality gate and the publish step,
all through the Dagster definitions in-process, on a temporary warehouse.
"""
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.files import data_month_of_file
from generator import generate
from orchestration.cli import main
from orchestration.settings import REPO_ROOT as REPO, Settings

pytestmark = pytest.mark.slow


def settings_for(root):
    return Settings.resolve(data_dir=root, landing=root / "landing", environ={})


def run_cli(settings) -> int:
    return main(["run", "--data-dir", settings.data_dir, "--landing", settings.landing_dir])


def releases(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("SELECT release_id, run_id, content_sha256, content_changed FROM kpi.kpi_releases "
                           "ORDER BY release_seq").fetchall()


@pytest.fixture(scope="module")
def published(tmp_path_factory, dbt_manifest):
    """One clean run of the demo feeds (with the generator's defects, which must not block a release)."""
    settings = settings_for(tmp_path_factory.mktemp("run"))
    generate(settings.landing, scale="demo", seed=11, defects=True, progress=False)
    assert run_cli(settings) == 0
    return settings


def test_a_clean_run_publishes_a_release_with_its_report_serving_copy_and_exports(published, capsys):
    [(release_id, run_id, content_hash, _)] = releases(published)
    report = json.loads((published.reports / "runs").glob(f"*{run_id}*/quality.json").__next__().read_text())
    assert report["release"]["release_id"] == release_id
    assert not [c for c in report["checks"] if c["severity"] == "blocking" and c["status"] != "passed"]
    assert (published.reports / "index.html").exists() and (published.reports / "kpi.html").exists()
    with duckdb.connect(str(published.serving), read_only=True) as con:
        served = con.execute("SELECT count(*) FROM kpi.kpi_official_latest WHERE release_id = ?",
                             [release_id]).fetchone()[0]
    assert served > 0
    assert (published.exports / "fct_region_stage.parquet").exists()
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        national = dict(con.execute("SELECT kpi_code, actual FROM kpi.kpi_official_latest WHERE region_code = 'ALL' "
                                    "AND quarter = (SELECT max(quarter) FROM kpi.kpi_official_latest)").fetchall())
    assert national["representative_smes"] == national["leading_firms"] + national["superregional_leading_firms"]
    assert national["leading_firms"] > 0 and national["crisis_centre_regions"] == 12


def test_the_same_inputs_reproduce_the_same_content_hash(published, tmp_path):
    again = settings_for(tmp_path)
    shutil.copytree(published.landing, again.landing)
    assert run_cli(again) == 0
    assert releases(again)[0][2] == releases(published)[0][2]


def test_a_blocking_failure_withholds_the_release_names_the_check_and_keeps_the_previous_one(
        published, capsys, tmp_path):
    # The next delivery renames every workplace (a broken NPS extract): linkage collapses below its floor.
    damaged = settings_for(tmp_path)
    shutil.copytree(published.landing, damaged.landing)
    shutil.copy(published.warehouse, damaged.warehouse)
    for path in sorted((damaged.landing / "employment").glob("*.csv")):
        lines = path.read_bytes().decode("cp949").splitlines()
        renamed = [lines[0]] + [",".join([f[0], f"폐업정리{n}", *f[2:]]) for n, f in
                                enumerate(line.split(",") for line in lines[1:])]
        path.write_bytes(("\n".join(renamed) + "\n").encode("cp949"))
    before = releases(damaged)
    assert run_cli(damaged) == 1
    printed = capsys.readouterr().out
    assert "FAILED" in printed and "quality_gate" in printed
    assert releases(damaged) == before
    [report_path] = [p for p in (damaged.reports / "runs").glob("*/quality.json")]
    report = json.loads(report_path.read_text())
    failed = [c["name"] for c in report["checks"] if c["status"] != "passed" and c["severity"] == "blocking"]
    assert "linkage_match_rate_floor" in failed
    assert report["outcome"] == "withheld" and report["release"] is None
    assert "linkage_match_rate_floor" in report["withheld"]["failed_checks"]


def test_a_month_redelivered_with_a_third_of_its_workplaces_missing_withholds_the_release(
        published, tmp_path):
    # The portal posts a "corrected" last month that lost 40 % of its rows: it replaces the month, and the
    # month-on-month workplace count check stops the release.
    damaged = settings_for(tmp_path)
    shutil.copytree(published.landing, damaged.landing)
    shutil.copy(published.warehouse, damaged.warehouse)
    last = max((damaged.landing / "employment").glob("*.csv"), key=data_month_of_file)
    lines = last.read_bytes().decode("cp949").splitlines()
    kept = [lines[0]] + [line for n, line in enumerate(lines[1:]) if n % 5 >= 2]
    correction = last.with_name("국민연금공단_국민연금 가입 사업장 내역_20991231.csv")
    correction.write_bytes(("\n".join(kept) + "\n").encode("cp949"))
    before = releases(damaged)
    assert run_cli(damaged) == 1
    assert releases(damaged) == before
    with duckdb.connect(str(damaged.warehouse), read_only=True) as con:
        assert con.execute("SELECT status, superseded_by FROM audit.ingest_files WHERE file_path = ? "
                           "ORDER BY loaded_at DESC LIMIT 1", [f"employment/{last.name}"]).fetchall() == [
            ("superseded", f"employment/{correction.name}")]
    [report_path] = [p for p in (damaged.reports / "runs").glob("*/quality.json")]
    report = json.loads(report_path.read_text())
    assert "employment_month_workplaces_plausible" in report["withheld"]["failed_checks"]


def outputs(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder with its size and modification time: what a run would change."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}


def test_two_warehouses_side_by_side_touch_only_their_own_outputs_and_the_ui_sees_the_cli_run(published, tmp_path):
    """`--warehouse FILE` alone puts every output beside FILE; the run is recorded in that folder's Dagster
    instance, where `make dev` (the webserver on the same DAGSTER_HOME) finds it, its materialisations and checks."""
    import os

    from tests.test_orchestration_webserver import graphql, running_webserver

    first_before = outputs(Path(published.data_dir))
    checkout_data_before = outputs(REPO / "data")
    other = tmp_path / "other" / "warehouse.duckdb"
    assert main(["run", "--warehouse", str(other), "--landing", published.landing_dir]) == 0
    assert outputs(Path(published.data_dir)) == first_before
    assert outputs(REPO / "data") == checkout_data_before
    beside = {p.name for p in other.parent.iterdir()}
    assert {"warehouse.duckdb", "serving.duckdb", "exports", "reports", "dbt_target", "dagster"} <= beside
    with duckdb.connect(str(other), read_only=True) as con:
        [(run_id,)] = con.execute("SELECT run_id FROM kpi.kpi_releases").fetchall()

    env = {**os.environ, "DAGSTER_HOME": str(other.parent / "dagster"), "SME_DATA_DIR": str(other.parent)}
    with running_webserver(env) as port:
        data = graphql(port, """{
            runsOrError { ... on Runs { results { runId status } } }
            assetNodes(assetKeys: [{path: ["kpi", "kpi_official"]}, {path: ["kpi", "kpi_official_candidate"]}]) {
                assetKey { path }
                assetMaterializations(limit: 1) { runId }
                assetChecksOrError { ... on AssetChecks { checks { name
                    executionForLatestMaterialization { runId status } } } }
            }
        }""")
    assert {"runId": run_id, "status": "SUCCESS"} in data["runsOrError"]["results"]
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert nodes["kpi/kpi_official"]["assetMaterializations"] == [{"runId": run_id}]
    checks = {c["name"]: c["executionForLatestMaterialization"]
              for c in nodes["kpi/kpi_official_candidate"]["assetChecksOrError"]["checks"]}
    assert checks["candidate_grain_unique"] == {"runId": run_id, "status": "SUCCEEDED"}


def test_explain_lists_the_firms_and_source_rows_behind_a_published_number(published, capsys):
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        quarter, region, actual = con.execute(
            "SELECT quarter, region_code, actual FROM kpi.kpi_official_latest WHERE kpi_code = 'leading_firms' "
            "AND region_code <> 'ALL' AND actual > 0 ORDER BY quarter DESC, actual DESC LIMIT 1").fetchone()
        designations = set(con.execute("SELECT brn, source_file, source_row FROM raw.firms").fetchall())
    assert main(["explain", "--kpi", "leading_firms", "--region", region, "--quarter", quarter,
                 "--warehouse", str(published.warehouse), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    firms = {e["entity_id"] for e in answer["entities"]}
    assert len(firms) == actual
    assert {(s["entity_id"], s["source_file"], s["source_row"]) for s in answer["sources"]} <= designations
    assert {s["entity_id"] for s in answer["sources"]} == firms


def test_a_rerun_with_nothing_new_says_so_and_publishes_nothing(published, capsys):
    before = releases(published)
    assert run_cli(published) == 0
    assert capsys.readouterr().out.startswith("nothing new: ")
    assert releases(published) == before


def test_a_bi_tool_reads_the_serving_copy_while_a_pipeline_run_writes_the_warehouse(published):
    import os
    import subprocess
    import sys

    touched = next((published.landing / "firms").iterdir())
    os.utime(touched)           # a file seen again (same content, new time): the run goes through every step

    from sqlalchemy import create_engine, text

    run = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "run", "--data-dir", published.data_dir,
                            "--landing", published.landing_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    engine = create_engine(f"duckdb:///{published.serving}", connect_args={"read_only": True})
    reads_during_run = 0
    try:
        while run.poll() is None:
            with engine.connect() as bi:
                rows = bi.execute(text("SELECT region_code, sum(designated_firms) FROM marts.fct_region_stage "
                                       "GROUP BY region_code")).fetchall()
            assert len(rows) == 17
            reads_during_run += 1
    finally:
        output = run.communicate(timeout=600)[0]
        engine.dispose()
    assert run.returncode == 0, output[-3000:]
    assert "succeeded" in output and reads_during_run > 10
    first, second = releases(published)           # the run published while the BI tool was reading
    assert second[2] == first[2] and second[3] is False   # same inputs, same warehouse: the same content hash
