"""The Dagster definitions load and show the whole graph: feeds, dbt models and tests, the gate and the release;
importing the entry point does no work at all."""
import os
import subprocess
import sys
import textwrap

import dagster as dg
import pytest

from orchestration.settings import Settings
from quality.checks.registry import load_config


@pytest.fixture(scope="module")
def defs(dbt_manifest):
    from orchestration.definitions import build_definitions

    return build_definitions(Settings.resolve())


def test_importing_the_entry_point_parses_builds_and_writes_nothing(tmp_path):
    probe = textwrap.dedent("""
        import os, sys
        before = dict(os.environ)
        import orchestration.definitions as entry
        assert dict(os.environ) == before, "the import changed the environment"
        assert "great_expectations" not in sys.modules, "the import loaded Great Expectations"
        assert callable(entry.defs)
    """)
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "SME_DATA_DIR": str(tmp_path / "data")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (tmp_path / "data").exists(), "the import wrote into the data folder (a dbt parse, say)"


def test_the_command_line_imports_dagster_only_for_the_commands_that_need_it(tmp_path):
    """`make run` generates the demo feeds with `sme-warehouse generate` first: importing Dagster for it took
    0.65 s of its 1.6 s."""
    probe = "import sys, orchestration.cli; assert 'dagster' not in sys.modules, 'the command line imported Dagster'"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    generated = subprocess.run([sys.executable, "-m", "orchestration.cli", "generate", "--out", str(tmp_path),
                                "--scale", "demo", "--quiet"], capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stderr[-3000:]
    assert {"employment", "firms", "funding"} <= {p.name for p in tmp_path.iterdir()}


def test_the_definitions_are_built_once_per_process_and_data_folder(dbt_manifest):
    from orchestration.definitions import build_definitions

    settings = Settings.resolve()
    assert build_definitions(settings) is build_definitions(Settings.resolve())


def test_every_data_folder_builds_its_definitions_from_one_manifest_parsed_once_per_code_version(
        dbt_manifest, tmp_path):
    from orchestration.lib.dbt import MANIFEST_CACHE, prepared_manifest

    other = Settings.resolve(data_dir=tmp_path / "other", environ={})
    assert prepared_manifest(other.dbt_target, other.dbt_vars()) == dbt_manifest
    assert dbt_manifest.parent.parent == MANIFEST_CACHE
    assert not (tmp_path / "other").exists(), "the manifest was parsed again for a new data folder"


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout of a model, dbt's output of it and a loader module, cloned into a folder whose name is one the
    fingerprints skip inside the checkout."""
    from orchestration.lib import fingerprint

    root = tmp_path / "logs" / "sme-warehouse"
    for path, text in {"dbt_project/models/stg_firms.sql": "select 1 as firm", "ingestion/loader.py": "ROWS = 1",
                       "dbt_project/target/run/stg_firms.sql": "create table stg_firms as select 1 as firm"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    monkeypatch.setattr(fingerprint, "REPO_ROOT", root)
    yield root
    fingerprint.project_fingerprint.cache_clear()
    fingerprint.dbt_project_fingerprint.cache_clear()


def test_a_loader_change_keeps_the_prepared_dbt_manifest_and_a_model_change_does_not(checkout):
    from orchestration.lib import fingerprint
    from orchestration.lib.dbt import manifest_key

    dbt_vars = Settings.resolve(environ={}).dbt_vars()

    def taken() -> tuple[str, str]:
        """The rerun's code fingerprint and the key of the manifest the next run's definitions are built from."""
        fingerprint.project_fingerprint.cache_clear()
        fingerprint.dbt_project_fingerprint.cache_clear()
        return fingerprint.project_fingerprint("duckdb"), manifest_key(dbt_vars)

    first_release, first_manifest = taken()
    (checkout / "dbt_project/target/run/stg_firms.sql").write_text("create table stg_firms as select 2 as firm")
    assert taken() == (first_release, first_manifest), "dbt's own output counted as the project"
    (checkout / "ingestion/loader.py").write_text("ROWS = 2")
    second_release, second_manifest = taken()
    assert second_release != first_release, "a loader change must not count as the same code for a rerun"
    assert second_manifest == first_manifest, "a loader change made the next run parse dbt again"
    (checkout / "dbt_project/models/stg_firms.sql").write_text("select 2 as firm")
    assert taken()[1] != second_manifest, "a model change kept the old manifest"
    assert fingerprint.dbt_project_fingerprint("spark") != fingerprint.dbt_project_fingerprint("duckdb")


def test_every_layer_is_an_asset_keyed_like_its_table(defs):
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert {"raw/firms", "raw/funding", "raw/employment", "staging/stg_firms__designations",
            "staging/stg_funding__events", "marts/fct_region_stage", "marts/fct_program_outcomes",
            "marts/fct_firm_workplace_links", "kpi/kpi_official_candidate", "kpi/kpi_official"} <= keys
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["raw", "firms"]) in graph.get(dg.AssetKey(["staging", "stg_firms__designations"])).parent_keys
    groups = {graph.get(dg.AssetKey(k.split("/"))).group_name for k in
              ("raw/firms", "staging/stg_firms__designations", "marts/fct_region_stage", "kpi/kpi_official")}
    assert groups == {"ingest", "staging", "marts", "kpi"}


def test_employment_is_partitioned_by_month(defs):
    node = defs.resolve_asset_graph().get(dg.AssetKey(["raw", "employment"]))
    assert isinstance(node.partitions_def, dg.MonthlyPartitionsDefinition)
    assert "2024-01-01" in node.partitions_def.get_partition_keys()


def test_dbt_tests_and_every_quality_check_are_asset_checks_with_their_blocking_flag(defs):
    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name): graph.get_check_spec(key) for key in graph.asset_check_keys}
    dbt_checks = [name for asset, name in checks if asset == "marts/fct_region_stage"]
    assert dbt_checks, "dbt tests on fct_region_stage should surface as asset checks"
    for spec in load_config().checks:
        matching = [c for (asset, name), c in checks.items() if name == spec.name]
        assert len(matching) == 1, spec.name
        assert matching[0].blocking == (spec.severity == "blocking"), spec.name


def test_jobs_sensor_and_schedule_are_there(defs):
    assert {"warehouse_job", "employment_monthly_job", "feed_job"} <= {j.name for j in defs.jobs}
    assert [s.name for s in defs.sensors] == ["landing_sensor"]
    assert [s.name for s in defs.schedules] == ["employment_monthly_schedule"]


def test_kpi_assets_carry_a_freshness_window(defs):
    graph = defs.resolve_asset_graph()
    for key in (["kpi", "kpi_official_candidate"], ["kpi", "kpi_official"]):
        policy = graph.get(dg.AssetKey(key)).freshness_policy
        assert policy is not None and policy.fail_window.to_timedelta().days == 45, key


def test_runs_launched_from_the_ui_execute_their_steps_in_one_process(defs):
    assert {defs.resolve_job_def(name).executor_def.name for name in
            ("warehouse_job", "employment_monthly_job", "feed_job")} == {"in_process"}
