"""The dbt project as Dagster sees it: where it lives, which target it uses, and how its nodes are named.

Asset keys follow the warehouse: a model in schema `marts` named `fct_region_stage` is `marts/fct_region_stage`,
the table BI tools query; dbt sources carry `meta.dagster.asset_key`, so `raw/firms` is both the ingestion asset
and the source dbt reads. Groups follow the layer (reference, staging, intermediate, marts, kpi).

The project is a cached factory keyed by its target path (one per data folder), and its manifest is prepared
once per process; importing this module reads nothing.
"""
from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject

from orchestration.lib.fingerprint import project_fingerprint
from orchestration.settings import DBT_PROJECT_DIR, dbt_target

_LAYER_OWNERS = {"kpi": ["team:sme-kpi-office"], "marts": ["team:sme-data-engineering"]}
# KPIs are released monthly, after the NPS file due on the 25th: warn after 35 days without a refresh, fail after 45.
KPI_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(days=45), warn_window=dt.timedelta(days=35))


@functools.cache
def dbt_project(target_dir: Path) -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target=dbt_target(),
                      target_path=target_dir)


@functools.cache
def prepared_manifest(target_dir: Path, dbt_vars: str) -> Path:
    """`<target_dir>/manifest.json`, parsed with the interpreter's own dbt and the run's `--vars` once per
    process, and not at all when the manifest there was prepared from the same project, target and vars (their
    fingerprint sits beside it)."""
    project = dbt_project(target_dir)
    stamp = Path(target_dir) / "manifest.fingerprint"
    fingerprint = f"{project_fingerprint(dbt_target())} {dbt_vars}"
    if project.manifest_path.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return project.manifest_path
    (DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
     .cli(["parse", "--quiet", "--vars", dbt_vars], target_path=project.target_path, raise_on_error=True).wait())
    stamp.write_text(fingerprint)
    return project.manifest_path


def dbt_executable() -> str:
    """The dbt CLI of the interpreter running Dagster, so a venv need not be on PATH."""
    return str(Path(sys.executable).parent / "dbt")


def dbt_resource(target_dir: Path) -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(target_dir), dbt_executable=dbt_executable())


class WarehouseTranslator(DagsterDbtTranslator):
    """Keys `<schema>/<name>`, groups by layer, owners per layer, a freshness window on the KPI models."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_code_references=False))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("schema")

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.key.path[0] == "kpi":
            spec = spec.replace_attributes(freshness_policy=KPI_FRESHNESS)
        return spec

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return _LAYER_OWNERS.get(dbt_resource_props.get("schema"), ["team:sme-data-engineering"])
