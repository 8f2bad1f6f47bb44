"""The Dagster entry point: every definition under `orchestration/defs/`, plus the shared resources.

`dagster dev -m orchestration.definitions` and `sme-warehouse run` load exactly this object.
"""
from __future__ import annotations

import dagster as dg

import orchestration.defs
from orchestration.lib.dbt import dbt_resource
from orchestration.lib.resources import WarehouseResource
from orchestration.settings import REPO_ROOT, Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or Settings.from_env()
    settings.export_to_env()
    loaded = dg.load_defs(orchestration.defs, project_root=REPO_ROOT)
    return dg.Definitions.merge(loaded, dg.Definitions(resources={
        "warehouse": WarehouseResource.from_settings(settings),
        "dbt": dbt_resource(),
    }))


defs = build_definitions()
