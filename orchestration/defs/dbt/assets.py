"""dbt models, seeds and tests as Dagster assets and asset checks, built by a factory from a prepared manifest.

One `dbt build` runs seeds, models, unit tests and data tests in DAG order; each data test surfaces as an asset
check on the model it guards, blocking when its severity is error. The settings reach dbt as `--vars` (the
warehouse path the profile opens, the Spark raw zone), never through the environment. Writers are serialised
through a pool: on DuckDB the `warehouse_writer` pool (one writing process per file), on Spark the
`spark_metastore` pool (a session target's Derby metastore admits one dbt process at a time).
"""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.lib.dbt import WarehouseTranslator, dbt_project, seed_partial_parse
from orchestration.settings import Settings, dbt_target


def build_dbt_assets(manifest: Path, target_dir: Path) -> dg.AssetsDefinition:
    @dbt_assets(manifest=manifest, project=dbt_project(target_dir), dagster_dbt_translator=WarehouseTranslator(),
                pool="spark_metastore" if dbt_target().startswith("spark") else "warehouse_writer")
    def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: Settings):
        # The jobs run every step in one process (definitions.py), so the gate follows in this one, and this one
        # only waits while dbt runs in its own: import the gate's Great Expectations (3 s) meanwhile.
        from quality.checks.gx import import_in_background

        import_in_background()
        seed_partial_parse(settings.dbt_target, settings.dbt_vars())
        build = ["build", "--vars", settings.dbt_vars()]
        yield from dbt.cli(build, context=context, target_path=settings.dbt_target).stream()

    return warehouse_dbt_models
