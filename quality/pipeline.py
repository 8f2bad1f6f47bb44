"""One call for the whole quality step of a run: evaluate every check (with GX Data Docs), publish the release or
withhold it, and write the run's report. Orchestration may instead call gate.run_checks per table, then
publish.publish_release and report.write_run_report itself; this is the same sequence in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .gate import run_all
from .publish import Release, ReleaseWithheld, publish_release
from .report import RunReport, run_dir, write_run_report
from .results import GateOutcome


@dataclass(frozen=True)
class QualityRun:
    outcome: GateOutcome
    release: Release
    report: RunReport


def audit_and_publish(warehouse_path: str | Path, reports_dir: str | Path, run_id: str, code_version: str,
                      batch_ids: list[str] | None = None) -> QualityRun:
    """Returns the published release with its report; when the gate withholds the release, writes the report and
    raises ReleaseWithheld (its .report_path attribute points at the HTML)."""
    outcome = run_all(warehouse_path, batch_ids=batch_ids, gx_docs_dir=run_dir(reports_dir, run_id) / "gx_docs")
    try:
        release = publish_release(warehouse_path, run_id, code_version, outcome.results, batch_ids)
    except ReleaseWithheld as withheld:
        report = write_run_report(reports_dir, run_id, warehouse_path, outcome, withheld=withheld,
                                  batch_ids=batch_ids, code_version=code_version)
        withheld.report_path = report.html_path
        raise
    report = write_run_report(reports_dir, run_id, warehouse_path, outcome, release=release, batch_ids=batch_ids,
                              code_version=code_version)
    return QualityRun(outcome, release, report)
