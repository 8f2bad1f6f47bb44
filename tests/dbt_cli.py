"""The dbt CLI of the interpreter running the tests, as the tests call it: one project and one warehouse, dbt's
target and log folders under a work folder of the test's own, and dbt's output in the message when it fails."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(args: list[str], warehouse: Path, work: Path, *, project: Path = PROJECT, dbt_vars: dict | None = None,
            succeeds: bool = True, timeout: int = 900) -> subprocess.CompletedProcess:
    """`dbt ARGS` on `project` against `warehouse`; asserts it succeeded unless told it is meant to fail."""
    command = [str(DBT), *args, "--profiles-dir", str(project), "--project-dir", str(project),
               "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    env = {**os.environ, "SME_WAREHOUSE_PATH": str(warehouse)}      # conftest turns dbt's usage stats off
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if succeeds:
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result
