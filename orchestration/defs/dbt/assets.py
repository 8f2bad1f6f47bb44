"""dbt models, seeds and tests as Dagster assets and asset checks.

One `dbt build` runs seeds, models, unit tests and data tests in DAG order; each data test surfaces as an asset
check on the model it guards, blocking when its severity is error. Writers are serialised through a pool: on
DuckDB the `warehouse_writer` pool (one writing process per file), on Spark the `spark_metastore` pool (a session
target's Derby metastore admits one dbt process at a time).
"""
import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.lib.dbt import DBT_TARGET, WarehouseTranslator, dbt_project

dbt_project.prepare_if_dev()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=WarehouseTranslator(),
            pool="spark_metastore" if DBT_TARGET.startswith("spark") else "warehouse_writer")
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
