"""Raw-feed assets: thin wrappers that call `ingestion.loader` and report what it did.

On a Spark target each load also refreshes what changed in the Parquet raw zone (the months it loaded, the
small firm and funding tables), which the dbt models read there; on DuckDB nothing reads the raw zone, so
nothing is exported.
Asset keys equal the tables they write (`raw/firms`, `raw/funding`, `raw/employment`), so the dbt sources that
read those tables line up with them. Employment is partitioned by data month: a file belongs to the month its
rows state (자료생성년월), whatever its name; the portal names files by the day they were posted.
The loader (and pandas with it) is imported by the steps, not when the definitions load.
"""
from typing import TYPE_CHECKING

import dagster as dg

from ingestion.contracts import CONTRACTS
from ingestion.files import data_month_of_file, discover
from orchestration.settings import Settings, dbt_target

if TYPE_CHECKING:
    from ingestion.loader import LoadSummary

EMPLOYMENT_MONTHS = dg.MonthlyPartitionsDefinition(start_date="2021-01-01")
OWNERS = ["team:sme-data-engineering"]


def load_and_export(settings: Settings, feed: str, batch_id: str, paths=None) -> dg.MaterializeResult:
    """Load the feed's files; on a Spark target, export the raw-zone partitions of what changed."""
    from ingestion.loader import load_landing
    from ingestion.raw_zone import export_raw_zone

    summary = load_landing(settings.landing, settings.warehouse, feeds=[feed], paths=paths, batch_id=batch_id)
    result = load_result(summary)
    changed = [f for f in summary.files if f.status in ("loaded", "loaded_with_quarantine")]
    if changed and dbt_target().startswith("spark"):
        months = sorted({f.data_month for f in changed if f.data_month})
        exported = export_raw_zone(settings.warehouse, settings.raw_zone, months=months)
        result.metadata["raw_zone_rows"] = exported[feed]["rows"]
    return result


def load_result(summary: "LoadSummary") -> dg.MaterializeResult:
    """Materialisation metadata an engineer reads first: files, rows, quarantine, and each file's outcome."""
    return dg.MaterializeResult(metadata={
        "batch_id": summary.batch_id,
        "files_seen": len(summary.files),
        "files_by_status": dg.MetadataValue.json(summary.files_by_status),
        "rows_read": summary.total("rows_read"),
        "dagster/row_count": summary.total("rows_loaded"),
        "rows_quarantined": summary.total("rows_quarantined"),
        "files": dg.MetadataValue.md("\n".join(
            ["| file | status | read | loaded | quarantined | error |", "|---|---|---|---|---|---|"]
            + [f"| {f.file_path} | {f.status} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} | "
               f"{f.error or ''} |" for f in summary.files])),
    })


def _feed_asset(feed: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(key=["raw", feed], group_name="ingest", owners=OWNERS, kinds={"python", "duckdb"},
              description=description, pool="warehouse_writer")
    def _asset(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
        return load_and_export(settings, feed, context.run_id)

    return _asset


raw_firms = _feed_asset("firms", "Programme-firm stage designations, one CSV per regional agency and batch, "
                                 "normalised (business number, region, dates) with every source row accounted for.")
raw_funding = _feed_asset("funding", "Support disbursement events (JSON Lines), reversals included as negative "
                                     "events, duplicates and malformed lines quarantined.")


@dg.asset(key=["raw", "employment"], group_name="ingest", owners=OWNERS, kinds={"python", "duckdb"},
          partitions_def=EMPLOYMENT_MONTHS, backfill_policy=dg.BackfillPolicy.single_run(), pool="warehouse_writer",
          description="NPS enrolled-workplace monthly files (CP949, masked business numbers), one partition "
                      "per data month; every workplace, programme firms and the comparison pool alike.")
def raw_employment(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    window = context.partition_time_window
    months = {key[:7] for key in context.partition_keys}
    files, monthless = [], []
    for path in discover(settings.landing, CONTRACTS["employment"]):
        month = data_month_of_file(path)
        if month is None:
            monthless.append(path)      # loaded here so the loader records why it is rejected (empty, no month)
        elif month in months:
            files.append(path)
    for path in monthless:
        context.log.warning(f"{path.name} states no data month (자료생성년월): it is recorded as rejected")
    context.log.info(f"{len(files)} employment files for {window.start:%Y-%m}..{window.end:%Y-%m} (exclusive end)")
    files += monthless
    return load_and_export(settings, "employment", context.run_id, paths=files)
