"""The dbt project as Dagster sees it: where it lives, which target it uses, and how its nodes are named.

Asset keys follow the warehouse: a model in schema `marts` named `fct_region_stage` is `marts/fct_region_stage`,
the table BI tools query; dbt sources carry `meta.dagster.asset_key`, so `raw/firms` is both the ingestion asset
and the source dbt reads. Groups follow the layer (reference, staging, intermediate, marts, kpi).

The project is a cached factory keyed by its target path (one per data folder); the manifest the definitions are
built from is parsed once per version of the dbt project and shared by every data folder; importing this module
reads nothing.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject
from packaging import version

from orchestration.lib.fingerprint import dbt_project_fingerprint
from orchestration.settings import DBT_PROJECT_DIR, dbt_target

_LAYER_OWNERS = {"kpi": ["team:sme-kpi-office"], "marts": ["team:sme-data-engineering"]}
# KPIs are released monthly, after the NPS file due on the 25th: warn after 35 days without a refresh, fail after 45.
KPI_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(days=45), warn_window=dt.timedelta(days=35))


@functools.cache
def dbt_project(target_dir: Path) -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target=dbt_target(),
                      target_path=target_dir)


# Manifests the definitions are built from, one folder per fingerprint, shared by every data folder of this checkout
# (dbt_project/target is git-ignored and `make clean` removes it).
MANIFEST_CACHE = DBT_PROJECT_DIR / "target" / "dagster_manifests"


def manifest_key(dbt_vars: str) -> str:
    """What a parsed manifest depends on: the dbt project's fingerprint (its files, the target, the installed dbt)
    and the warehouse file's name, which dbt-duckdb makes every node's database. Not the data folder: manifests
    parsed with two data folders' `--vars` differ only in each node's `created_at`, so one manifest serves every
    data folder. Not the Python code either: the definitions built from the manifest are, the manifest is not."""
    database = Path(json.loads(dbt_vars).get("warehouse_path", "warehouse.duckdb")).stem
    return hashlib.sha256(f"{dbt_project_fingerprint(dbt_target())} {database}".encode()).hexdigest()[:20]


@functools.cache
def prepared_manifest(target_dir: Path, dbt_vars: str) -> Path:
    """The manifest.json the Dagster definitions are built from, parsed with the interpreter's own dbt once per
    `manifest_key` into MANIFEST_CACHE, and not at all when that folder already holds it. A run on a fresh data
    folder therefore starts without a `dbt parse`; its `dbt build` parses in the data folder's target path, as
    every build does (partially, from the second run on)."""
    folder = MANIFEST_CACHE / manifest_key(dbt_vars)
    manifest = folder / "manifest.json"
    if manifest.exists():
        return manifest
    MANIFEST_CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=MANIFEST_CACHE))
    try:
        (dbt_resource(Path(target_dir))
         .cli(["parse", "--quiet", "--vars", dbt_vars], target_path=scratch, raise_on_error=True).wait())
        try:
            scratch.rename(folder)        # atomic; another process may have got there first with the same content
        except OSError:
            if not manifest.exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _prune(keep=folder)
    return manifest


def seed_partial_parse(target_dir: Path, dbt_vars: str) -> None:
    """Give a data folder's first `dbt build` the parse state `prepared_manifest` left, so dbt parses only what
    changed since. dbt itself checks that state against the project files, the profile and the `--vars` (the
    data folder is in them) and parses in full when they differ, as it would have without it; `make setup`
    prepares the manifest with the default data folder's vars, so `make run` on a fresh machine parses nothing."""
    state = Path(target_dir) / "partial_parse.msgpack"
    prepared = MANIFEST_CACHE / manifest_key(dbt_vars) / "partial_parse.msgpack"
    if not state.exists() and prepared.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared, state)


def _prune(keep: Path, newest: int = 4) -> None:
    """Forget all but the newest few manifests (other code versions); a run still using one has it loaded."""
    folders = sorted((f for f in MANIFEST_CACHE.iterdir() if f.is_dir() and "." not in f.name and f != keep),
                     key=lambda f: f.stat().st_mtime, reverse=True)
    for old in folders[newest - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def dbt_executable() -> str:
    """The dbt CLI of the interpreter running Dagster, so a venv need not be on PATH."""
    return str(Path(sys.executable).parent / "dbt")


class WarehouseDbtCli(DbtCliResource):
    """`DbtCliResource` without two things it does before each dbt command and this project has no use for,
    which cost a run 2-3 s before dbt even starts:
    - `dbt --version` in a subprocess (a whole dbt start-up) to learn which dbt it runs: the dbt it runs is this
      interpreter's (`dbt_executable`), so the installed dbt-core's version is that version;
    - a dbt adapter built in this process (the profile and project loaded, the adapter registered), which
      dagster-dbt uses only to fetch row counts or column metadata, which these assets do not ask for."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(target_dir: Path) -> DbtCliResource:
    return WarehouseDbtCli(project_dir=dbt_project(target_dir), dbt_executable=dbt_executable())


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

