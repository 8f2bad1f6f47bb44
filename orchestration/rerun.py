"""Knowing, before anything runs, that a rerun would change nothing, so it can say so and publish nothing.

After each successful run the runner writes `<data>/last_run.json`: the project fingerprint, the landing
fingerprint and the release the run published. A later run whose fingerprints both match, on a warehouse whose
latest release is still that one, has nothing new to load, build, check or publish. This module imports neither
Dagster nor dbt, so the answer takes a fraction of a second.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ingestion.connections import connect
from orchestration.lib.fingerprint import landing_fingerprint, project_fingerprint
from orchestration.settings import Settings
from quality.warehouse import table_exists

LAST_RUN = "last_run.json"


def _latest_release_id(warehouse: Path) -> str | None:
    try:
        with connect(warehouse, read_only=True) as con:
            if not table_exists(con, "kpi.kpi_releases"):
                return None
            row = con.execute("SELECT release_id FROM kpi.kpi_releases ORDER BY release_seq DESC LIMIT 1").fetchall()
    except duckdb.IOException:       # another process is writing it: that run will decide
        return None
    return row[0][0] if row else None


def nothing_new(settings: Settings, dbt_target: str) -> str | None:
    """Why a run now would change nothing, or None when it has something to do."""
    record = Path(settings.data_dir) / LAST_RUN
    if not record.exists() or not settings.warehouse.exists():
        return None
    last = json.loads(record.read_text(encoding="utf-8"))
    if last.get("warehouse") != settings.warehouse_path or last.get("landing_dir") != settings.landing_dir:
        return None
    if last.get("project") != project_fingerprint(dbt_target):
        return None
    if last.get("landing") != landing_fingerprint(settings.landing):
        return None
    if last.get("release_id") is None or _latest_release_id(settings.warehouse) != last["release_id"]:
        return None
    return (f"nothing new: the {len(last['landing'])} landing files are as the last run loaded them, the code is the "
            f"same, and release {last['release_id']} is still the latest; nothing was run or published")


def record_run(settings: Settings, dbt_target: str, landing_before: dict[str, list[int]], release_id: str) -> None:
    """Remember what a successful run saw (the landing as it was when the run started)."""
    record = {"warehouse": settings.warehouse_path, "landing_dir": settings.landing_dir,
              "project": project_fingerprint(dbt_target), "landing": landing_before, "release_id": release_id}
    path = Path(settings.data_dir) / LAST_RUN
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    temporary.replace(path)
