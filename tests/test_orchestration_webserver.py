"""The Dagster UI as an engineer opens it: the webserver starts on the definitions and serves the asset graph."""
import contextlib
import json
import os
import socket
import subprocess
import sys
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


@contextlib.contextmanager
def running_webserver(env: dict[str, str]):
    """A dagster-webserver on the definitions, on a free local port, for the duration of the block."""
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
