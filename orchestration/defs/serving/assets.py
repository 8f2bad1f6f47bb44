"""What BI tools and people read after a release: the serving database, Parquet exports and the KPI report.

Both are rebuilt only after `kpi/kpi_official` published, and each is swapped in atomically, so a BI tool
holding the serving file open never blocks a run and never sees half a refresh.
The serving code (pandas, Altair, Jinja) is imported by the step that runs it, not when the definitions load.
"""
import dagster as dg

from orchestration.settings import Settings

OWNERS = ["team:sme-data-engineering"]


@dg.asset(key=["serving", "marts_and_kpis"], deps=[dg.AssetKey(["kpi", "kpi_official"])], group_name="serving",
          owners=OWNERS, kinds={"duckdb", "parquet"}, pool="warehouse_writer",
          description="Read-only serving.duckdb and exports/<table>.parquet of every mart and KPI table, "
                      "refreshed atomically after each release.")
def serving_copy(settings: Settings) -> dg.MaterializeResult:
    from serving.refresh import refresh_serving

    summary = refresh_serving(settings.warehouse, settings.serving, settings.exports)
    return dg.MaterializeResult(metadata={
        "serving_path": dg.MetadataValue.path(str(summary.serving_path)),
        "release_id": summary.release_id, "tables": len(summary.tables), "rows": summary.total_rows,
        "bytes": summary.total_bytes,
    })


@dg.asset(key=["serving", "kpi_report"], deps=[serving_copy], group_name="serving", owners=OWNERS,
          kinds={"html"}, description="Standalone KPI progress report (reports/kpi.html) of the latest release.")
def kpi_report(settings: Settings) -> dg.MaterializeResult:
    from serving.kpi_report import build_kpi_report

    path = build_kpi_report(settings.serving, settings.reports, settings.cache)
    return dg.MaterializeResult(metadata={"report": dg.MetadataValue.path(str(path))})
