"""The quality gate and the write-audit-publish step, as Dagster asset checks and a publish asset.

Every check in `quality/checks.yml` is an asset check on the table it guards, blocking when its severity is
blocking, so a failing check stops `kpi/kpi_official` from materialising. The gate is evaluated once per run, on
the run's own load batches, and its outcome is recorded in `audit.gate_outcomes`; it writes the run's audit report
itself when it withholds a release. The publish asset reads that recorded outcome (it never evaluates the gate
again), publishes the release and writes the report with the release in it.
The gate's code (pandas; Great Expectations only when a suite runs) is imported by the steps, not when the
definitions load.
"""
import subprocess

import dagster as dg

from orchestration.lib.dbt import KPI_FRESHNESS
from orchestration.settings import REPO_ROOT, Settings
from quality.checks.registry import QualityConfig

CANDIDATE = dg.AssetKey(["kpi", "kpi_official_candidate"])
OWNERS = ["team:sme-kpi-office"]


def _guarded_asset(table: str) -> dg.AssetKey:
    """The asset a check guards: its table's asset, or the candidate for checks on the audit and raw tables
    (the loads are partitioned and per feed; the gate judges what the candidate was built from)."""
    schema, name = table.split(".")
    return CANDIDATE if schema in ("audit", "raw") else dg.AssetKey([schema, name])


def code_version() -> str:
    """The commit the code runs from (with -dirty when the tree has changes), for the release record."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=REPO_ROOT,
                                   capture_output=True, text=True, check=True, timeout=10)
        return described.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def build_quality_gate(config: QualityConfig) -> dg.AssetChecksDefinition:
    """One multi-asset check evaluating every check of `config` once per run."""

    @dg.multi_asset_check(
        specs=[dg.AssetCheckSpec(spec.name, asset=_guarded_asset(spec.table), blocking=spec.severity == "blocking",
                                 description=f"[{spec.severity}] {spec.table}: {spec.rule}")
               for spec in config.checks],
        can_subset=False,
        pool="warehouse_writer",   # records its outcome in the warehouse, which DuckDB lets one process write
    )
    def quality_gate(context: dg.AssetCheckExecutionContext, settings: Settings):
        """Evaluates every configured check on this run's load batches and records the outcome."""
        from quality.gate import ReleaseWithheld, record_outcome, run_all
        from quality.release import candidate_content_hash
        from quality.report import run_dir, write_run_report

        run_id = context.run.run_id
        outcome = run_all(settings.warehouse, batch_ids=[run_id], config=config,
                          gx_docs_dir=run_dir(settings.reports, run_id) / "gx_docs")
        record_outcome(settings.warehouse, run_id, outcome, candidate_content_hash(settings.warehouse))
        for result in outcome.results:
            sample = result.failing_rows[:5]
            yield dg.AssetCheckResult(
                asset_key=_guarded_asset(result.table), check_name=result.name, passed=result.status == "passed",
                severity=dg.AssetCheckSeverity.ERROR if result.severity == "blocking" else dg.AssetCheckSeverity.WARN,
                description=result.error or result.rule,
                metadata={"status": result.status, "observed": str(result.observed), "engine": result.engine,
                          "failing_rows": result.failing_row_count or 0,
                          "failing_sample": dg.MetadataValue.json([{k: str(v) for k, v in r.items()} for r in sample])})
        blocking = [r.name for r in outcome.results if r.blocks_release]
        if blocking:
            withheld = ReleaseWithheld(blocking, f"blocking check(s) failed: {', '.join(blocking)}")
            report = write_run_report(settings.reports, run_id, settings.warehouse, outcome, withheld=withheld,
                                      batch_ids=[run_id], code_version=code_version(),
                                      dbt_target=settings.dbt_target)
            context.log.error(f"KPI release withheld: {', '.join(blocking)}; report {report.html_path}")

    return quality_gate


@dg.asset(key=["kpi", "kpi_official"], deps=[CANDIDATE], group_name="kpi", owners=OWNERS, kinds={"duckdb"},
          pool="warehouse_writer", freshness_policy=KPI_FRESHNESS,
          description="Official KPI releases: append-only rows keyed by release_id, published only when every "
                      "blocking check passed; kpi.kpi_releases records inputs, code version, checks and a "
                      "content hash, and kpi.kpi_official_latest shows the newest release.")
def kpi_official(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
    from quality.gate import ReleaseWithheld, recorded_outcome
    from quality.release import release_run

    outcome = recorded_outcome(settings.warehouse, context.run_id)
    if outcome is None:
        raise dg.Failure(description="the quality gate did not run in this run, so nothing may be published")
    try:
        run = release_run(settings.warehouse, settings.reports, context.run_id, code_version(), outcome,
                          dbt_target=settings.dbt_target)
    except ReleaseWithheld as withheld:
        raise dg.Failure(description=f"KPI release withheld: {withheld.reason}",
                         metadata={"report": str(withheld.report_path)}) from withheld
    counts = outcome.counts()
    return dg.MaterializeResult(metadata={
        "release_id": run.release.release_id, "content_sha256": run.release.content_sha256,
        "checks_passed": counts["passed"], "checks_warned": counts["warned"], "checks_failed": counts["failed"],
        "quality_report": dg.MetadataValue.path(str(run.report.html_path)),
    })
