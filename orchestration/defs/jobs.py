"""Jobs: the whole warehouse in one run, the way `sme-warehouse run` and the schedule materialise it."""
import dagster as dg

from orchestration.defs.ingestion.assets import EMPLOYMENT_MONTHS

warehouse_job = dg.define_asset_job(
    "warehouse_job", selection=dg.AssetSelection.all(), partitions_def=EMPLOYMENT_MONTHS,
    description="Load every feed, build every dbt model and test, run the quality gate and publish the KPIs.",
)
