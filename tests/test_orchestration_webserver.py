"""The Dagster UI as an engineer opens it: the webserver starts on the definitions and serves the asset graph."""
import contextlib
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ASSET_GRAPH_QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    isPartitioned
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { sensors { name } schedules { name cronSchedule } } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as error:
        pytest.fail(f"GraphQL answered {error.code}: {error.read().decode(errors='replace')[:2000]}")
    assert "errors" not in payload, payload.get("errors")
    return payload["data"]


LOCATIONS_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def wait_for_code_location(port: int, deadline: float) -> None:
    """Until the webserver has loaded the definitions: it answers before its code location has, and a location
    that failed to load is left out of the repositories rather than reported."""
    while True:
        entries = graphql(port, LOCATIONS_QUERY)["workspaceOrError"]["locationEntries"]
        failed = [e for e in entries if (e["locationOrLoadError"] or {}).get("__typename") == "PythonError"]
        if failed:
            pytest.fail(f"the code location did not load: {failed[0]['locationOrLoadError']['message'][:2000]}")
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the code location was still loading after the webserver's deadline: {entries}")
        time.sleep(1)


@contextlib.contextmanager
def running_webserver(env: dict[str, str]):
    """A dagster-webserver on the definitions, on a free local port, its code location loaded, for the duration
    of the block."""
    port = free_port()
    webserver_bin = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen([str(webserver_bin), "-m", "orchestration.definitions", "-h", "127.0.0.1",
                                "-p", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                    pytest.fail(f"dagster-webserver did not come up on port {port}: {output[-2000:]}")
                time.sleep(1)
        wait_for_code_location(port, deadline)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def webserver(dbt_manifest, tmp_path_factory):
    from orchestration.instance import prepare_instance_home
    from orchestration.settings import Settings

    data = tmp_path_factory.mktemp("data")
    home = prepare_instance_home(Settings.resolve(data_dir=data))      # what `make dev` does
    with running_webserver({**os.environ, "DAGSTER_HOME": str(home), "SME_DATA_DIR": str(data)}) as port:
        yield port


def test_the_ui_serves_the_whole_asset_graph_with_checks_partitions_sensor_and_schedule(webserver):
    data = graphql(webserver, ASSET_GRAPH_QUERY)
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert {"raw/employment", "staging/stg_employment__workplace_months", "marts/fct_program_outcomes",
            "kpi/kpi_official_candidate", "kpi/kpi_official", "serving/kpi_report"} <= set(nodes)
    assert nodes["raw/employment"]["isPartitioned"]
    assert {nodes[k]["groupName"] for k in ("raw/firms", "staging/stg_firms__designations",
                                            "marts/fct_region_stage", "kpi/kpi_official")} == {
        "ingest", "staging", "marts", "kpi"}
    candidate_checks = {c["name"]: c["blocking"] for c in nodes["kpi/kpi_official_candidate"]["assetChecksOrError"]["checks"]}
    assert candidate_checks["candidate_independent_recount"] is True
    assert any(name.startswith("primary_key_") for name in candidate_checks)      # a dbt test, as a check
    [repository] = data["repositoriesOrError"]["nodes"]
    assert [s["name"] for s in repository["sensors"]] == ["landing_sensor"]
    assert [(s["name"], s["cronSchedule"]) for s in repository["schedules"]] == [
        ("employment_monthly_schedule", "0 6 25 * *")]


def test_an_instance_runs_one_warehouse_run_at_a_time_and_one_writer_step(tmp_path):
    from orchestration.instance import instance_for
    from orchestration.settings import Settings

    from orchestration.storage import WarehouseEventLogStorage

    with instance_for(Settings.resolve(data_dir=tmp_path)) as instance:
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert isinstance(instance.event_log_storage, WarehouseEventLogStorage)      # one database, opened once


def test_two_processes_open_a_newly_prepared_instance_home_at_the_same_moment(tmp_path):
    """`make dev` and the two-runs test start the webserver and the daemon on a new folder at once. On a home with
    only its dagster.yaml, each process created the SQLite schemas and all but one failed on "table
    alembic_version already exists" (two processes: 7 times in 8; these four: 4 times in 4). A prepared home has
    the schemas made already."""
    from orchestration.instance import prepare_instance_home
    from orchestration.settings import Settings

    home = prepare_instance_home(Settings.resolve(data_dir=tmp_path))
    opener = textwrap.dedent("""
        import sys, time
        import dagster as dg
        while time.time() < float(sys.argv[1]):
            pass
        with dg.DagsterInstance.from_config(sys.argv[2]):
            pass
    """)
    at = time.time() + 8       # both are waiting by then: importing Dagster takes a few seconds
    openers = [subprocess.Popen([sys.executable, "-c", opener, str(at), str(home)], stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    errors = [process.communicate(timeout=120)[1] for process in openers]
    assert [process.returncode for process in openers] == [0, 0, 0, 0], [e[-2000:] for e in errors]


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""


def test_two_runs_launched_from_the_ui_run_one_after_the_other_and_each_release_is_what_its_gate_judged(
        dbt_manifest, tmp_path):
    """Two warehouse runs submitted together through the webserver: the instance queues the second until the
    first is done, and each release's content is the candidate its own gate judged, from the inputs it records."""
    import duckdb

    from generator import generate
    from orchestration.instance import prepare_instance_home
    from orchestration.runner import employment_partition_range
    from orchestration.settings import Settings

    settings = Settings.resolve(data_dir=tmp_path / "data", landing=tmp_path / "landing", environ={})
    generate(settings.landing, scale="demo", seed=5, months=14, progress=False)
    home = prepare_instance_home(settings)
    env = {**os.environ, "DAGSTER_HOME": str(home), "SME_DATA_DIR": settings.data_dir,
           "SME_LANDING_DIR": settings.landing_dir}
    start, end = employment_partition_range(settings)
    daemon = subprocess.Popen([str(Path(sys.executable).parent / "dagster-daemon"), "run", "-m",
                               "orchestration.definitions"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with running_webserver(env) as port:
            [repository] = graphql(port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
                                         "location { name } } } } }")["repositoriesOrError"]["nodes"]
            params = {"selector": {"repositoryLocationName": repository["location"]["name"],
                                   "repositoryName": repository["name"], "jobName": "warehouse_job"},
                      "executionMetadata": {"tags": [{"key": "dagster/asset_partition_range_start", "value": start},
                                                     {"key": "dagster/asset_partition_range_end", "value": end}]},
                      "runConfigData": {}}
            launched = []
            for _ in range(2):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", headers={"Content-Type": "application/json"},
                    data=json.dumps({"query": LAUNCH, "variables": {"params": params}}).encode())
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.load(response)["data"]["launchRun"]
                assert answer["__typename"] == "LaunchRunSuccess", answer
                launched.append(answer["run"]["runId"])
            deadline = time.monotonic() + 900
            while True:
                runs = {r["runId"]: r for r in graphql(port, "{ runsOrError { ... on Runs { results { runId status "
                                                             "startTime endTime } } } }")["runsOrError"]["results"]}
                if all(runs[r]["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in launched):
                    break
                assert time.monotonic() < deadline, runs
                time.sleep(5)
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    first, second = sorted((runs[r] for r in launched), key=lambda r: r["startTime"])
    assert first["status"] == second["status"] == "SUCCESS", (first, second)
    assert second["startTime"] >= first["endTime"]            # queued, not interleaved
    with duckdb.connect(settings.warehouse_path, read_only=True) as con:
        released = con.execute("""
            SELECT r.run_id, r.content_sha256, g.candidate_sha256, json_array_length(r.input_files)
            FROM kpi.kpi_releases r JOIN audit.gate_outcomes g USING (run_id) ORDER BY r.release_seq""").fetchall()
        loaded = con.execute("SELECT count(*) FROM audit.ingest_files WHERE status IN ('loaded', "
                             "'loaded_with_quarantine')").fetchone()[0]
    assert [run_id for run_id, *_ in released] == [first["runId"], second["runId"]]
    assert all(content == judged for _, content, judged, _ in released)
    assert all(files == loaded for *_, files in released)
