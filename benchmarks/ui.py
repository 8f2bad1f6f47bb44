"""Benchmark: runs launched through a real `dagster dev` (webserver and daemon), against the work of their steps.

On a fresh demo data folder it:
  1. generates the demo feeds and builds the warehouse once with `sme-warehouse run` (not timed here);
  2. starts `dagster dev` on that data folder's instance, as `make dev` does, and waits for the webserver;
  3. delivers a changed firm file and submits, the way a user clicks "Materialize" (GraphQL `launchRun`, through
     `dagster_graphql.DagsterGraphQLClient`), the feed job and the monthly employment job for the newest month,
     together; the instance queues them and runs one at a time;
  4. waits for both and reads each run's creation, start and end times and its steps' times over GraphQL.
It prints, per run, the wall time from submission to its end, its own time from its launch, the sum of its step
times and where the rest went (the queue, launching the run worker, its start-up before the first step, between
steps); and for the two together the wall time from the first submission to the last end against the sum of all
their steps: the figure the target (<= 1.5) is read on. Not a test: the machine may be shared, so read the
ratios, which are taken in one run.

    python benchmarks/ui.py [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dagster_graphql import DagsterGraphQLClient  # noqa: E402

from ingestion.files import data_month_of_file  # noqa: E402

RUN_TIMES = """
query RunTimes($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId jobName status creationTime startTime endTime
                 stepStats { stepKey status startTime endTime } }
  }
  logsForRun(runId: $runId) {
    ... on EventConnection { events { __typename ... on MessageEvent { timestamp } } }
  }
}
"""
# the run's own events that mark where its time before the first step went: the daemon took it off the queue and
# launched its worker process; the worker had loaded the definitions and started the run
MARKERS = {"RunStartingEvent": "launched", "RunStartEvent": "started"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_webserver(port: int, process: subprocess.Popen, timeout: float = 300) -> float:
    started = time.perf_counter()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                return time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"dagster dev exited with {process.returncode} before the webserver came up")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"the webserver did not answer on port {port} within {timeout:.0f} s")
            time.sleep(0.5)


def run_times(client: DagsterGraphQLClient, run_id: str) -> dict:
    data = client._execute(RUN_TIMES, {"runId": run_id})
    answer = data["runOrError"]
    if answer["__typename"] != "Run":
        raise SystemExit(f"run {run_id}: {answer}")
    answer["markers"] = {MARKERS[e["__typename"]]: int(e["timestamp"]) / 1000
                         for e in data["logsForRun"].get("events", []) if e["__typename"] in MARKERS}
    return answer


def describe(run: dict, submitted: float) -> dict[str, float]:
    """Wall seconds from submission to the end, the run's own seconds (from its launch: what it costs once it
    is its turn), the sum of its steps, and where the rest went: in the queue (behind the other run, or until
    the daemon's next look), launching the run worker (a process that imports the code and loads the
    definitions), the worker's start-up until the first step, and between the steps."""
    steps = [s for s in run["stepStats"] if s["startTime"] and s["endTime"]]
    step_sum = sum(s["endTime"] - s["startTime"] for s in steps)
    first_step, last_step = min(s["startTime"] for s in steps), max(s["endTime"] for s in steps)
    launched = run["markers"].get("launched", submitted)
    started = run["markers"].get("started", run["startTime"])
    return {"wall": run["endTime"] - submitted, "own": run["endTime"] - launched, "steps": step_sum,
            "queued": launched - submitted, "launching the worker": started - launched,
            "worker start-up": first_step - started, "between steps": (last_step - first_step) - step_sum,
            "after the last step": run["endTime"] - last_step}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="use (and keep) this data folder instead of a temporary one")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="sme_ui_", dir=os.environ.get("SME_BENCH_DIR")) as scratch:
        data = (args.keep or Path(scratch) / "data").resolve()
        landing = data / "landing"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               "GX_ANALYTICS_ENABLED": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        cli = [python, "-m", "orchestration.cli"]
        if not landing.exists():
            subprocess.run([*cli, "generate", "--out", str(landing), "--scale", "demo", "--quiet"], cwd=REPO,
                           env=env, check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        built = subprocess.run([*cli, "run", "--data-dir", str(data), "--landing", str(landing)], cwd=REPO, env=env,
                               capture_output=True, text=True)
        if built.returncode != 0:
            raise SystemExit(f"the first sme-warehouse run failed:\n{built.stdout[-3000:]}{built.stderr[-3000:]}")
        print(f"warehouse built by sme-warehouse run in {time.perf_counter() - started:.1f} s "
              f"({built.stdout.strip().splitlines()[-1].strip()})")

        home = subprocess.run([python, "-m", "orchestration.instance", str(data)], cwd=REPO, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()
        port = free_port()
        dev_env = {**env, "DAGSTER_HOME": home, "SME_DATA_DIR": str(data), "SME_LANDING_DIR": str(landing)}
        dagster = Path(python).parent / "dagster"
        log = open(data / "dagster_dev.log", "w")
        dev = subprocess.Popen([str(dagster), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p",
                                str(port)], cwd=REPO, env=dev_env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
        try:
            print(f"dagster dev answered after {wait_for_webserver(port, dev):.1f} s")
            client = DagsterGraphQLClient("127.0.0.1", port_number=port)
            firm_file = sorted((landing / "firms").iterdir())[0]
            os.utime(firm_file)                                   # a firm list delivered again
            month = f"{max(filter(None, map(data_month_of_file, (landing / 'employment').iterdir())))}-01"
            submitted = {}
            for job, tags in (("feed_job", {}), ("employment_monthly_job", {"dagster/partition": month})):
                submitted_at = time.time()
                run_id = client.submit_job_execution(job, tags=tags)
                submitted[run_id] = (job, submitted_at)
            print(f"submitted feed_job and employment_monthly_job for {month}")
            deadline = time.monotonic() + 1800
            while True:
                runs = {run_id: run_times(client, run_id) for run_id in submitted}
                if all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs.values()):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"runs still going after 30 minutes: {runs}")
                time.sleep(1)
        finally:
            os.killpg(dev.pid, signal.SIGINT)
            try:
                dev.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(dev.pid, signal.SIGKILL)
            log.close()

    failed = [f"{r['jobName']} {r['status']}" for r in runs.values() if r["status"] != "SUCCESS"]
    if failed:
        raise SystemExit(f"runs did not succeed: {', '.join(failed)} (see dagster_dev.log with --keep)")
    print()
    print(f"{'run':<24}{'wall s':>8}{'own s':>7}{'steps s':>9}{'own/steps':>10}  where the rest went")
    figures = {job: describe(runs[run_id], submitted_at) for run_id, (job, submitted_at) in submitted.items()}
    for job, f in figures.items():
        rest = ", ".join(f"{name} {f[name]:.1f}" for name in ("queued", "launching the worker", "worker start-up",
                                                              "between steps", "after the last step"))
        print(f"{job:<24}{f['wall']:>8.1f}{f['own']:>7.1f}{f['steps']:>9.1f}{f['own'] / f['steps']:>10.2f}  {rest}")
    first_submitted = min(at for _, at in submitted.values())
    together_wall = max(r["endTime"] for r in runs.values()) - first_submitted
    together_steps = sum(f["steps"] for f in figures.values())
    ratio = together_wall / together_steps
    print(f"{'both, one after the other':<24}{together_wall:>8.1f}{'':>7}{together_steps:>9.1f}{ratio:>10.2f}  "
          f"(wall from the first submission to the end of the last run)")
    print()
    print(f"UI runs, wall / sum of steps: {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'not met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
