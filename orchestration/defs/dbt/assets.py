"""dbt models, seeds and tests as Dagster assets and asset checks.

One `dbt build` runs seeds, models, unit tests and data tests in DAG order; each data test surfaces as an asset
check on the model it guards, blocking when its severity is error. Writers are serialised through the
`warehouse_writer` pool because DuckDB allows one writing process per file.
"""
import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.lib.dbt import WarehouseTranslator, dbt_project

dbt_project.prepare_if_dev()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=WarehouseTranslator(),
            pool="warehouse_writer")
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
