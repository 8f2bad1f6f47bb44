"""Conventions of the dbt project, checked on the manifest `dbt parse` writes.

`convention_violations` reads a manifest dict and lists every broken rule: layer naming and folders (staging
models reading exactly one source and no ref, intermediate models in a domain folder and never reading a mart
or KPI model, every model documented by a yml in its own folder), raw tables read without source(), a model
or seed without a primary_key test, a mart or KPI model without an enforced contract, a data_type or a
description on every column, a seed column without a type in the seed's yml, and source tables without asset
key, documented columns or loaded_at_field. `project_config_violations` adds what the manifest cannot tell:
no column types in dbt_project.yml. The real project must have none; deliberately broken manifests show each
rule can fail.
"""
from __future__ import annotations

import copy
import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.dbt_cli import PROJECT, run_dbt

PACKAGE = "sme_warehouse"

LAYER_RULES = {
    # folder under models/ -> pattern of the model name (staging: models/staging/<source>/stg_<source>__<entity>)
    "staging": re.compile(r"^stg_(?P<source>[a-z0-9]+)__[a-z0-9_]+$"),
    "intermediate": re.compile(r"^int_[a-z0-9_]+$"),
    "marts": re.compile(r"^(fct|dim|rpt)_[a-z0-9_]+$"),       # rpt_: shaped for one report (serving/)
    "kpi": re.compile(r"^kpi_[a-z0-9_]+$"),
}
CONTRACT_LAYERS = ("marts", "kpi")
RAW_SCHEMAS = ("raw", "audit")
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_SQL_COMMENT = re.compile(r"--[^\n]*")
_RAW_REFERENCE = re.compile(r"(?<![\w.\"])\"?(" + "|".join(RAW_SCHEMAS) + r")\"?\.\"?[a-z_]+", re.I)
# DuckDB-only SQL that Spark 3.5 cannot run: the models must stay portable
_NOT_PORTABLE = re.compile(r"::|\b(qualify|list_value|struct_pack|unnest|strftime|regexp_matches|epoch)\b"
                           r"|\*\s*exclude\b", re.I)


def _layer(node: dict) -> str | None:
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else None


def _seed_header(node: dict) -> list[str]:
    with open(PROJECT / node["original_file_path"], encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _primary_key_tested(manifest: dict) -> set[str]:
    tested = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and (node.get("test_metadata") or {}).get("name") == "primary_key":
            if node.get("attached_node"):
                tested.add(node["attached_node"])
    return tested


def convention_violations(manifest: dict) -> list[str]:
    """Every broken convention in a dbt manifest (as parsed from target/manifest.json)."""
    problems: list[str] = []
    with_primary_key = _primary_key_tested(manifest)
    for unique_id, node in manifest["nodes"].items():
        if node.get("package_name") != PACKAGE or node["resource_type"] not in ("model", "seed"):
            continue
        name = node["name"]
        if unique_id not in with_primary_key:
            problems.append(f"{name}: no primary_key test")
        if node["resource_type"] == "seed":
            if not node.get("patch_path"):
                problems.append(f"{name}: seed has no yml")
            untyped = [c for c in _seed_header(node) if c not in (node["config"].get("column_types") or {})]
            if untyped:
                problems.append(f"{name}: no column type for {', '.join(untyped)}")
            continue
        if not name.isascii():
            problems.append(f"{name}: model name is not ASCII")
        layer = _layer(node)
        if layer not in LAYER_RULES:
            problems.append(f"{name}: not under models/staging|intermediate|marts|kpi")
            continue
        match = LAYER_RULES[layer].match(name)
        if not match:
            problems.append(f"{name}: name does not follow the {layer} convention")
        elif layer == "staging":
            folder = Path(node["original_file_path"]).parts[2]
            if folder != match.group("source"):
                problems.append(f"{name}: staging model of source '{match.group('source')}' lives in '{folder}'")
        folder = Path(node["original_file_path"]).parent
        if layer == "intermediate" and len(folder.parts) < 3:
            problems.append(f"{name}: intermediate model not in a domain folder (models/intermediate/<domain>/)")
        patch_path = node.get("patch_path") or ""
        if Path(patch_path.split("://")[-1]).parent != folder:
            problems.append(f"{name}: not documented in a yml of its own folder {folder}")
        parents = node["depends_on"]["nodes"]
        if layer == "staging":
            sources = [p for p in parents if p.startswith("source.")]
            if len(sources) != 1 or len(sources) != len(parents):
                problems.append(f"{name}: staging model reads {parents}, not exactly one source and no ref")
        if layer == "intermediate":
            for parent in parents:
                if _layer(manifest["nodes"].get(parent, {"original_file_path": ""})) in CONTRACT_LAYERS:
                    problems.append(f"{name}: intermediate model depends on {parent}")
        code = _SQL_COMMENT.sub("", _JINJA_COMMENT.sub("", node.get("raw_code", "")))
        if _RAW_REFERENCE.search(code):
            problems.append(f"{name}: reads a raw/audit table directly instead of source()")
        if _NOT_PORTABLE.search(code):
            problems.append(f"{name}: uses SQL that Spark 3.5 cannot run ({_NOT_PORTABLE.search(code).group(0)})")
        if layer in CONTRACT_LAYERS:
            if not (node.get("config", {}).get("contract") or {}).get("enforced"):
                problems.append(f"{name}: contract not enforced")
            if not node.get("description", "").strip():
                problems.append(f"{name}: no model description")
            if not node.get("columns"):
                problems.append(f"{name}: no columns documented")
            for column in node.get("columns", {}).values():
                if not (column.get("description") or "").strip():
                    problems.append(f"{name}.{column['name']}: no description")
                if not column.get("data_type"):
                    problems.append(f"{name}.{column['name']}: no data_type")
    for source in manifest.get("sources", {}).values():
        if source.get("package_name") != PACKAGE:
            continue
        key = ((source.get("meta") or {}).get("dagster") or {}).get("asset_key")
        label = f"source {source['source_name']}.{source['name']}"
        if key != [source["source_name"], source["name"]]:
            problems.append(f"{label}: asset_key {key!r}")
        if not source.get("columns"):
            problems.append(f"{label}: no columns declared")
        for column in source.get("columns", {}).values():
            if not (column.get("description") or "").strip():
                problems.append(f"{label}.{column['name']}: no description")
        if not source.get("loaded_at_field"):
            problems.append(f"{label}: no loaded_at_field")
    return problems


def project_config_violations(project: dict) -> list[str]:
    """Settings of dbt_project.yml that belong elsewhere: seed column types live in the seeds' yml."""
    problems: list[str] = []
    pending = [("seeds", project.get("seeds") or {})]
    while pending:
        path, config = pending.pop()
        for key, value in config.items():
            if key.lstrip("+") == "column_types":
                problems.append(f"dbt_project.yml {path}: column_types belong in the seed's yml")
            elif isinstance(value, dict):
                pending.append((f"{path}.{key}", value))
    return problems


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    target = tmp_path_factory.mktemp("dbt_parse")
    run_dbt(["parse"], target / "unused.duckdb", target, timeout=300)
    return json.loads((target / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_project_follows_conventions(manifest):
    assert convention_violations(manifest) == []


def test_project_file_keeps_seed_types_out():
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project_config_violations(project) == []


def test_seed_types_in_the_project_file_are_caught():
    seeds = {"+schema": "ref", "ref_regions": {"+column_types": {"region_code": "string"}}}
    project = {"seeds": {"sme_warehouse": seeds}}
    assert project_config_violations(project) == [
        "dbt_project.yml seeds.sme_warehouse.ref_regions: column_types belong in the seed's yml"]


def test_every_layer_is_populated(manifest):
    layers = {_layer(n) for n in manifest["nodes"].values()
              if n["resource_type"] == "model" and n["package_name"] == PACKAGE}
    assert layers == {"staging", "intermediate", "marts", "kpi"}


def test_required_marts_exist(manifest):
    names = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {"fct_region_stage", "fct_program_outcomes", "fct_firm_workplace_links", "dim_region", "dim_firm",
            "dim_program", "dim_date", "kpi_official_candidate", "kpi_candidate_lineage"} <= names


def test_unit_tests_cover_the_rules(manifest):
    tested_models = {u["model"] for u in manifest.get("unit_tests", {}).values()}
    assert {"int_firm_stage_history", "int_funding_payments", "int_workplace_link_candidates",
            "int_comparison_matches", "int_firm_workplace_links", "fct_region_stage", "int_kpi_leading_firms",
            "int_gp300_project_progress", "int_kpi_collaboration_models", "int_kpi_support_centres",
            "int_kpi_jobs_created", "int_kpi_employment_effect", "kpi_official_candidate"} <= tested_models


def _model_id(manifest: dict, name: str) -> str:
    return next(uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model" and n["name"] == name)


def _break_name(manifest, uid):
    manifest["nodes"][uid]["name"] = "firm_designations"


def _break_raw_read(manifest, uid):
    manifest["nodes"][uid]["raw_code"] += "\nunion all select * from raw.firms"


def _break_primary_key(manifest, uid):
    for node in manifest["nodes"].values():
        if node.get("attached_node") == uid and (node.get("test_metadata") or {}).get("name") == "primary_key":
            node["test_metadata"]["name"] = "unique"


def _break_portability(manifest, uid):
    manifest["nodes"][uid]["raw_code"] += "\nqualify row_number() over (order by quarter) = 1"


def _break_contract(manifest, uid):
    manifest["nodes"][uid]["config"]["contract"]["enforced"] = False


def _break_description(manifest, uid):
    next(iter(manifest["nodes"][uid]["columns"].values()))["description"] = ""


def _break_folder(manifest, uid):
    manifest["nodes"][uid]["original_file_path"] = "models/staging/funding/stg_firms__designations.sql"


def _break_domain_folder(manifest, uid):
    manifest["nodes"][uid]["original_file_path"] = "models/intermediate/int_quarters.sql"
    manifest["nodes"][uid]["patch_path"] = "sme_warehouse://models/intermediate/_intermediate.yml"


def _break_yml_folder(manifest, uid):
    manifest["nodes"][uid]["patch_path"] = "sme_warehouse://models/intermediate/kpi/_int_kpi__models.yml"


def _break_staging_join(manifest, uid):
    manifest["nodes"][uid]["depends_on"]["nodes"].append("seed.sme_warehouse.ref_admin_region_bridge")


def _break_staging_second_source(manifest, uid):
    manifest["nodes"][uid]["depends_on"]["nodes"].append("source.sme_warehouse.raw.firms")


def _break_mart_dependency(manifest, uid):
    manifest["nodes"][uid]["depends_on"]["nodes"].append(_model_id(manifest, "fct_program_outcomes"))


def _break_asset_key(manifest, uid):
    next(iter(manifest["sources"].values()))["meta"] = {}


def _source(manifest, name):
    return next(s for s in manifest["sources"].values() if s["name"] == name)


def _break_source_columns(manifest, uid):
    _source(manifest, "funding")["columns"] = {}


def _break_source_column_description(manifest, uid):
    _source(manifest, "employment")["columns"]["sigungu_code"]["description"] = ""


def _break_loaded_at_field(manifest, uid):
    _source(manifest, "firms")["loaded_at_field"] = None


def _break_seed_types(manifest, uid):
    del manifest["nodes"]["seed.sme_warehouse.ref_regions"]["config"]["column_types"]["valid_to"]


def _break_seed_yml(manifest, uid):
    manifest["nodes"]["seed.sme_warehouse.ref_programs"]["patch_path"] = None


@pytest.mark.parametrize("model, breakage, expected", [
    ("fct_region_stage", _break_name, "firm_designations: name does not follow the marts convention"),
    ("int_quarters", _break_raw_read, "int_quarters: reads a raw/audit table directly instead of source()"),
    ("dim_region", _break_primary_key, "dim_region: no primary_key test"),
    ("int_quarters", _break_portability, "int_quarters: uses SQL that Spark 3.5 cannot run (qualify)"),
    ("kpi_official_candidate", _break_contract, "kpi_official_candidate: contract not enforced"),
    ("fct_program_outcomes", _break_description, "fct_program_outcomes.brn: no description"),
    ("stg_firms__designations", _break_folder, "stg_firms__designations: staging model of source 'firms' lives in 'funding'"),
    ("int_quarters", _break_domain_folder,
     "int_quarters: intermediate model not in a domain folder (models/intermediate/<domain>/)"),
    ("int_funding_payments", _break_yml_folder,
     "int_funding_payments: not documented in a yml of its own folder models/intermediate/funding"),
    ("stg_firms__designations", _break_staging_join,
     "stg_firms__designations: staging model reads ['source.sme_warehouse.raw.firms', "
     "'seed.sme_warehouse.ref_admin_region_bridge'], not exactly one source and no ref"),
    ("stg_funding__events", _break_staging_second_source,
     "stg_funding__events: staging model reads ['source.sme_warehouse.raw.funding', "
     "'source.sme_warehouse.raw.firms'], not exactly one source and no ref"),
    ("int_kpi_employment_effect", _break_mart_dependency,
     "int_kpi_employment_effect: intermediate model depends on model.sme_warehouse.fct_program_outcomes"),
    ("dim_date", _break_asset_key, "asset_key None"),
    ("dim_date", _break_source_columns, "source raw.funding: no columns declared"),
    ("dim_date", _break_source_column_description, "source raw.employment.sigungu_code: no description"),
    ("dim_date", _break_loaded_at_field, "source raw.firms: no loaded_at_field"),
    ("dim_date", _break_seed_types, "ref_regions: no column type for valid_to"),
    ("dim_date", _break_seed_yml, "ref_programs: seed has no yml"),
])
def test_a_broken_convention_is_caught(manifest, model, breakage, expected):
    broken = copy.deepcopy(manifest)
    breakage(broken, _model_id(broken, model))
    problems = convention_violations(broken)
    assert any(expected in problem for problem in problems), problems
