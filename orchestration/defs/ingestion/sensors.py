"""Noticing new landing files: a sensor per landing folder and a schedule for the monthly employment file.

The sensor never opens the warehouse (DuckDB allows one writer, and a sensor must not block a run); it remembers
each file's size and modification time in its cursor and asks for a run when a file appears or changes.
"""
import hashlib
import json

import dagster as dg

from ingestion.contracts import CONTRACTS
from ingestion.files import data_month_of_file, discover
from orchestration.defs.ingestion.assets import EMPLOYMENT_MONTHS
from orchestration.settings import Settings

employment_monthly_job = dg.define_asset_job(
    "employment_monthly_job",
    selection=dg.AssetSelection.assets(["raw", "employment"]).downstream(),
    partitions_def=EMPLOYMENT_MONTHS,
    description="Load one NPS month and rebuild everything downstream of it, up to the KPI release.",
)
feed_job = dg.define_asset_job(
    "feed_job",
    selection=dg.AssetSelection.assets(["raw", "firms"], ["raw", "funding"]).downstream(),
    description="Load new firm or funding files and rebuild everything downstream of them.",
)

# The NPS file for a month is published during the following month; run on the 25th, when it is due.
employment_monthly_schedule = dg.build_schedule_from_partitioned_job(
    employment_monthly_job, day_of_month=25, hour_of_day=6, name="employment_monthly_schedule",
    description="Loads the previous month's NPS employment file on the 25th, when it is due.",
)


def _fingerprint(files: dict[str, list[int]]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


@dg.sensor(jobs=[feed_job, employment_monthly_job], minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a run when a file appears or changes in the landing folders.")
def landing_sensor(context: dg.SensorEvaluationContext, settings: Settings):
    seen = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, list[int]] = {}
    changed_by_month: dict[str, dict[str, list[int]]] = {}
    changed_feeds: dict[str, list[int]] = {}
    for contract in CONTRACTS.values():
        for path in discover(settings.landing, contract):
            stat = path.stat()
            key = path.relative_to(settings.landing).as_posix()
            current[key] = [stat.st_size, stat.st_mtime_ns]
            if seen.get(key) == current[key]:
                continue
            month = data_month_of_file(path) if contract.name == "employment" else None
            if month:
                changed_by_month.setdefault(f"{month}-01", {})[key] = current[key]
            elif contract.name != "employment":
                changed_feeds[key] = current[key]
            else:
                context.log.warning(f"{key}: no row states a data month (자료생성년월), so no month partition "
                                   "loads it; the next employment run records it as rejected")
    requests = []
    if changed_feeds:
        requests.append(dg.RunRequest(job_name="feed_job", run_key=f"feeds-{_fingerprint(changed_feeds)}"))
    for month, files in sorted(changed_by_month.items()):
        requests.append(dg.RunRequest(job_name="employment_monthly_job", partition_key=month,
                                      run_key=f"employment-{month}-{_fingerprint(files)}"))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current))
