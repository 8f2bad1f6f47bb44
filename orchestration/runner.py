"""Running the whole warehouse in-process, as `sme-warehouse run` and `make run` do.

The run covers every employment month that has a file in the landing folder (one single-run backfill over that
range) and every unpartitioned asset, using the definitions `dagster dev` shows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import dagster as dg
import duckdb

from ingestion.connections import connect
from ingestion.files import data_month_of_file, discover
from ingestion.contracts import CONTRACTS
from orchestration.lib.fingerprint import landing_fingerprint
from orchestration.rerun import record_run
from orchestration.settings import Settings, dbt_target
from quality.warehouse import table_exists


@dataclass
class RunOutcome:
    """What a run did, in the figures the summary prints."""

    success: bool
    run_id: str
    failed_steps: list[str] = field(default_factory=list)
    failure_messages: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    tables_built: list[str] = field(default_factory=list)
    release: str = "none"
    release_id: str | None = None
    startup_seconds: float | None = None      # from the process start to the first step
    step_seconds: dict[str, float] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"run {self.run_id}: {'succeeded' if self.success else 'FAILED'}"]
        lines += [f"  {name}: {value}" for name, value in self.figures.items()]
        lines.append(f"  tables built: {len(self.tables_built)}")
        lines.append(f"  KPI release published: {self.release}")
        if self.startup_seconds is not None:
            lines.append(f"  seconds: start-up {self.startup_seconds:.1f}, "
                         + ", ".join(f"{step} {seconds:.1f}" for step, seconds in self.step_seconds.items()))
        for step, message in zip(self.failed_steps, self.failure_messages):
            lines.append(f"  failed step {step}: {message}")
        return "\n".join(lines)


def _root_cause(error) -> str:
    """The innermost error's first line: what went wrong, not Dagster's wrapper around it."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0] if error is not None else "failed"


def employment_partition_range(settings: Settings) -> tuple[str, str] | None:
    months = sorted({m for p in discover(settings.landing, CONTRACTS["employment"])
                     if (m := data_month_of_file(p))})
    return (f"{months[0]}-01", f"{months[-1]}-01") if months else None


def _open_read_only(path, attempts: int = 20) -> duckdb.DuckDBPyConnection:
    """A read-only connection, waiting briefly for a writer that is still shutting down (a failed dbt run's)."""
    for attempt in range(attempts):
        try:
            return connect(path, read_only=True)
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def _figures(settings: Settings, run_id: str) -> tuple[dict[str, int], list[str], tuple[str, str] | None]:
    with _open_read_only(settings.warehouse) as con:
        files, read, loaded, quarantined = con.execute(
            "SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_quarantined), 0) FROM audit.ingest_files WHERE load_batch_id = ?", [run_id]).fetchone()
        release = con.execute("SELECT release_id, content_sha256 FROM kpi.kpi_releases WHERE run_id = ?",
                              [run_id]).fetchone() if table_exists(con, "kpi.kpi_releases") else None
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('raw', 'audit') ORDER BY 1, 2").fetchall()]   # what the run left built
    figures = {"files seen this run": files, "rows read": read, "rows loaded": loaded,
               "rows quarantined": quarantined}
    return figures, tables, release


def _step_seconds(entries) -> dict[str, float]:
    """Wall seconds of each step, from its start event to its success or failure event, in start order."""
    started, seconds = {}, {}
    for entry in entries:
        event = entry.dagster_event
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
            seconds[event.step_key] = entry.timestamp - started.get(event.step_key, entry.timestamp)
    return {step: seconds[step] for step in started if step in seconds}


def run_warehouse(settings: Settings, log_level: str = "WARNING", started_at: float | None = None) -> RunOutcome:
    """Materialise every asset in this process, recording the run in the data folder's Dagster instance."""
    from orchestration.definitions import build_definitions
    from orchestration.instance import instance_for

    landing_before = landing_fingerprint(settings.landing)
    defs = build_definitions(settings)
    job = defs.resolve_job_def("warehouse_job")
    partition_range = employment_partition_range(settings)
    tags = {}
    if partition_range:
        tags = {"dagster/asset_partition_range_start": partition_range[0],
                "dagster/asset_partition_range_end": partition_range[1]}
    else:
        job = defs.resolve_implicit_global_asset_job_def().get_subset(
            asset_selection={k for k in defs.resolve_all_asset_keys() if k != dg.AssetKey(["raw", "employment"])})
    with instance_for(settings) as instance:
        result = job.execute_in_process(tags=tags, instance=instance, raise_on_error=False,
                                        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
        # the steps' own events, not all 800 of the run (each deserialised), to time the steps
        step_events = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                       dg.DagsterEventType.STEP_FAILURE}
        entries = [record.event_log_entry for record in
                   instance.get_records_for_run(result.run_id, of_type=step_events).records]
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    first_step = min((entry.timestamp for entry in entries
                      if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START), default=None)
    outcome = RunOutcome(success=result.success, run_id=result.run_id,
                         failed_steps=[e.step_key for e in failures],
                         failure_messages=[_root_cause(e.step_failure_data.error) for e in failures],
                         startup_seconds=first_step - started_at if started_at and first_step else None,
                         step_seconds=_step_seconds(entries))
    if settings.warehouse.exists():
        outcome.figures, outcome.tables_built, release = _figures(settings, result.run_id)
        if release:
            outcome.release_id = release[0]
            outcome.release = f"{release[0]} (content sha256 {release[1][:12]}…)"
    if outcome.success and outcome.release_id:
        record_run(settings, dbt_target(), landing_before, outcome.release_id)
    return outcome
