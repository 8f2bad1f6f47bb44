"""The Dagster entry point: `defs`, a `@dg.definitions` function, and `build_definitions(settings)` behind it.

`dagster dev -m orchestration.definitions` calls `defs()`, which reads the settings from the environment;
`sme-warehouse run` calls `build_definitions` with the settings it resolved from its arguments. Importing this
module parses, builds and writes nothing: the dbt manifest is prepared and the quality configuration read when
the definitions are first built, once per process and data folder.
"""
from __future__ import annotations

import functools

import dagster as dg

from orchestration.defs.dbt.assets import build_dbt_assets
from orchestration.defs.ingestion.assets import raw_employment, raw_firms, raw_funding
from orchestration.defs.ingestion.sensors import (employment_monthly_job, employment_monthly_schedule, feed_job,
                                                  landing_sensor)
from orchestration.defs.jobs import warehouse_job
from orchestration.defs.quality.assets import build_quality_gate, kpi_official
from orchestration.defs.serving.assets import kpi_report, serving_copy
from orchestration.lib.dbt import dbt_resource, prepared_manifest
from orchestration.settings import Settings
from quality.checks.registry import load_config


def build_definitions(settings: Settings) -> dg.Definitions:
    return _definitions(settings.model_dump_json())


@functools.cache
def _definitions(settings_json: str) -> dg.Definitions:
    settings = Settings.model_validate_json(settings_json)
    return dg.Definitions(
        assets=[raw_firms, raw_funding, raw_employment,
                build_dbt_assets(prepared_manifest(settings.dbt_target, settings.dbt_vars()), settings.dbt_target),
                kpi_official, serving_copy, kpi_report],
        asset_checks=[build_quality_gate(load_config())],
        jobs=[warehouse_job, employment_monthly_job, feed_job],
        schedules=[employment_monthly_schedule],
        sensors=[landing_sensor],
        resources={"settings": settings, "dbt": dbt_resource(settings.dbt_target)},
        # One process per run, not per step: the warehouse's steps run one at a time anyway (one DuckDB writer),
        # and a step process would pay the start-up of Dagster, dbt and the definitions again.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.resolve())
