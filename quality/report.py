"""The auditor's report: per run, <reports>/runs/<run_id>/quality.json (schema quality_report.schema.json) and a
standalone quality.html (inline CSS, no script, no network), with GX Data Docs in gx_docs/ beside them; and
<reports>/index.html listing every run, rebuilt from the runs folder.

Everything an auditor needs is in the files: every check that guarded the release (the gate's checks with their
failing-row samples, among them the independent recount with published and recounted numbers, and dbt's data
tests, unit tests and enforced contracts from dbt's run results), each KPI's status, the revisions against the
previous release, ingestion reconciliation per file, quarantine counts by reason, the release (or why it was
withheld) and the input files' sha256.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks.results import GateOutcome, jsonable
from .dbt_results import dbt_checks
from .gate import ReleaseWithheld
from .revisions import find_revisions
from .warehouse import connect_readonly, fetch_dicts, table_exists

if TYPE_CHECKING:     # the release module writes this report, so it is imported for type hints only
    from .release import Release

SCHEMA_VERSION = "1.1"
SCHEMA_PATH = Path(__file__).with_name("quality_report.schema.json")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def run_folder_name(run_id: str) -> str:
    return _UNSAFE.sub("_", run_id) or "_"


def run_dir(reports_dir: str | Path, run_id: str) -> Path:
    return Path(reports_dir) / "runs" / run_folder_name(run_id)


@dataclass(frozen=True)
class RunReport:
    json_path: Path
    html_path: Path
    index_path: Path


def _ingestion(warehouse_path: str | Path, batch_ids: list[str] | None) -> dict[str, list[dict]]:
    con = connect_readonly(warehouse_path)
    try:
        files, quarantine = [], []
        batch_sql = "true" if batch_ids is None else "list_contains(?::varchar[], load_batch_id)"
        params = [] if batch_ids is None else [batch_ids]
        if table_exists(con, "audit.ingest_files"):
            files = fetch_dicts(con, f"""
                select file_path, feed, status, load_batch_id, sha256, size_bytes, encoding, rows_read, rows_loaded,
                       rows_quarantined,
                       coalesce(rows_read = rows_loaded + rows_quarantined, false) as reconciles,
                       error, duplicate_of
                from audit.ingest_files where {batch_sql} order by load_batch_id, file_path""", params)
        if table_exists(con, "audit.quarantine"):
            quarantine = fetch_dicts(con, f"""
                select feed, reason_code, count(*) as rows, count(distinct file_path) as files
                from audit.quarantine where {batch_sql} group by feed, reason_code
                order by feed, reason_code""", params)
    finally:
        con.close()
    return {"files": jsonable(files), "quarantine": jsonable(quarantine)}


def _kpis(warehouse_path: str | Path, release: Release | None) -> dict[str, list[dict]]:
    """Each KPI's national row of the latest quarter with its status, and the revisions against the previous
    release (stored with a published release; found afresh for a withheld one)."""
    con = connect_readonly(warehouse_path)
    try:
        if not table_exists(con, "kpi.kpi_official_candidate"):
            return {"status": [], "revisions": []}
        numbers, scope, params = (("kpi.kpi_official", "release_id = ?", [release.release_id]) if release
                                  else ("kpi.kpi_official_candidate", "true", []))
        status = fetch_dicts(con, f"""
            select n.kpi_code, n.quarter, n.actual, n.target, n.entity_count, n.status, n.status_reason,
                   n.definition_version
            from {numbers} n join ref.ref_kpi_definitions d
              on d.kpi_code = n.kpi_code and d.national_region_code = n.region_code
            where {scope} and n.quarter = (select max(quarter) from {numbers} where {scope})
            order by d.display_order""", params + params)
        if release is not None:
            revisions = fetch_dicts(con, """select kpi_code, region_code, quarter, old_value, new_value, cause,
                                                   cause_detail from kpi.kpi_revisions where release_id = ?
                                            order by kpi_code, region_code, quarter""", [release.release_id]) \
                if table_exists(con, "kpi.kpi_revisions") else []
        else:
            revisions = [r.to_dict() for r in find_revisions(con)]
    finally:
        con.close()
    return {"status": jsonable(status), "revisions": jsonable(revisions)}


def build_report_data(run_id: str, warehouse_path: str | Path, outcome: GateOutcome, *,
                      release: Release | None = None, withheld: ReleaseWithheld | None = None,
                      batch_ids: list[str] | None = None, code_version: str | None = None,
                      gx_docs_index: str | None = None, dbt_target: str | Path | None = None) -> dict[str, Any]:
    if (release is None) == (withheld is None):
        raise ValueError("a run report needs exactly one of release or withheld")
    ingestion = _ingestion(warehouse_path, batch_ids)
    kpis = _kpis(warehouse_path, release)
    input_files = release.input_files if release else [
        {k: f[k] for k in ("file_path", "feed", "sha256", "size_bytes", "rows_loaded", "load_batch_id")}
        for f in ingestion["files"] if f["status"] in ("loaded", "loaded_with_quarantine")]
    counts = outcome.counts()
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "warehouse_path": str(warehouse_path),
        "code_version": code_version,
        "batch_ids": batch_ids,
        "outcome": "published" if release else "withheld",
        "summary": {"checks_total": len(outcome.results), **counts},
        "release": release.to_dict() if release else None,
        "withheld": {"reason": withheld.reason, "failed_checks": withheld.failed_checks} if withheld else None,
        "checks": [r.to_dict() for r in outcome.results],
        "dbt_checks": dbt_checks(dbt_target),
        "kpi_status": kpis["status"],
        "revisions": kpis["revisions"],
        "ingestion_files": ingestion["files"],
        "quarantine_by_reason": ingestion["quarantine"],
        "input_files": input_files,
        "gx_data_docs": gx_docs_index,
    }


CSS = """
body{font-family:'Noto Sans CJK KR','Noto Sans KR','NanumGothic','Malgun Gothic','Apple SD Gothic Neo',sans-serif;
  margin:24px;color:#1b1f23;line-height:1.45}
h1{font-size:1.5em;margin:0 0 4px} h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #ccd}
.banner{padding:14px 18px;border-radius:6px;margin:14px 0;font-size:1.15em}
.published{background:#e3f4e5;border:2px solid #2e7d32}.withheld{background:#fde7e7;border:2px solid #c62828}
.banner b{font-size:1.2em}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.92em;max-width:100%}
th,td{border:1px solid #ccd;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f1f3f6}
.passed{color:#2e7d32;font-weight:bold}.failed,.error{color:#c62828;font-weight:bold}.warn{color:#b26a00;font-weight:bold}
tr.bad td{background:#fff4f4} tr.warnrow td{background:#fff8e6}
code,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:.9em;word-break:break-all}
.meta{color:#555} td.obs{overflow-wrap:anywhere;min-width:16em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(rows: list[dict], columns: list[str] | None = None) -> str:
    if not rows:
        return "<p class='meta'>none</p>"
    columns = columns or list(rows[0])
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _status_class(check: dict) -> str:
    if check["status"] == "passed":
        return "passed"
    return "warn" if check["severity"] == "warning" else check["status"]


def render_html(data: dict[str, Any]) -> str:
    checks = data["checks"]
    if data["outcome"] == "published":
        rel = data["release"]
        banner = (f"<div class='banner published'><b>RELEASE PUBLISHED</b>: <span class='mono'>{_e(rel['release_id'])}"
                  f"</span> — quarter {_e(rel['quarter'])}, {rel['row_count']} rows, content sha256 "
                  f"<span class='mono'>{_e(rel['content_sha256'])}</span>"
                  f"{'' if rel['content_changed'] else ' (same content as the previous release)'}</div>")
    else:
        wh = data["withheld"]
        banner = (f"<div class='banner withheld'><b>RELEASE WITHHELD</b> — the previous release stays official."
                  f"<br>Blocking check(s): <b>{_e(', '.join(wh['failed_checks']) or '—')}</b>"
                  f"<br><span class='meta'>{_e(wh['reason'])}</span></div>")
    s = data["summary"]
    warned = [c["name"] for c in checks if c["severity"] == "warning" and c["status"] != "passed"]
    summary_line = (f"<p>{s['checks_total']} checks: <span class='passed'>{s['passed']} passed</span>, "
                    f"<span class='warn'>{s['warned']} warning(s)</span>"
                    f"{' (' + _e(', '.join(warned)) + ')' if warned else ''}, "
                    f"<span class='failed'>{s['failed']} blocking failure(s)</span></p>")
    rows = []
    for c in checks:
        cls = "" if c["status"] == "passed" else (" class='warnrow'" if c["severity"] == "warning" else " class='bad'")
        status = c["status"] if c["status"] == "passed" or c["severity"] == "blocking" else f"{c['status']} (warning)"
        rows.append(f"<tr{cls}><td><a href='#check-{_e(c['name'])}'>{_e(c['name'])}</a></td><td>{_e(c['table'])}</td>"
                    f"<td>{_e(c['severity'])}</td><td class='{_status_class(c)}'>{_e(status)}</td>"
                    f"<td class='obs'>{_e(c['observed'] if c['status'] != 'error' else c['error'])}</td></tr>")
    check_table = ("<table><tr><th>check</th><th>table</th><th>severity</th><th>status</th><th>observed</th></tr>"
                   + "".join(rows) + "</table>")
    details = []
    for c in checks:
        samples = ""
        if c["failing_rows"]:
            samples = (f"<p>Failing rows ({c['failing_row_count']} in all; first {len(c['failing_rows'])}):</p>"
                       + _table(c["failing_rows"]))
        details.append(
            f"<h3 id='check-{_e(c['name'])}'>{_e(c['name'])} — <span class='{_status_class(c)}'>{_e(c['status'])}"
            f"</span></h3><p><b>Table</b> {_e(c['table'])} · <b>Severity</b> {_e(c['severity'])} · "
            f"<b>Engine</b> {_e(c['engine'])}</p><p><b>Rule</b>: {_e(c['rule'])}</p>"
            f"<p><b>Observed</b>: {_e(c['observed'])}</p>"
            + (f"<p class='error'>Error: {_e(c['error'])}</p>" if c["error"] else "") + samples)
    docs = (f"<p><a href='{_e(data['gx_data_docs'])}'>Great Expectations Data Docs for this run</a></p>"
            if data["gx_data_docs"] else "<p class='meta'>No GX Data Docs were built for this run.</p>")
    dbt = data["dbt_checks"]
    dbt_failed = [c for c in dbt if c["status"] not in ("pass", "success")]
    dbt_section = (f"<p>{len(dbt)} dbt checks: {len(dbt) - len(dbt_failed)} passed, {len(dbt_failed)} not passed"
                   "</p>" + _table(dbt, ["kind", "name", "node", "status", "failures", "message"]) if dbt else
                   "<p class='meta'>No dbt run results were found for this run.</p>")
    release_section = (_table([data["release"]], ["release_id", "run_id", "quarter", "published_at", "row_count",
                                                 "content_sha256", "code_version", "checks_passed", "checks_warned",
                                                 "checks_failed", "previous_release_id", "content_changed"])
                       if data["release"] else f"<p>Withheld: {_e(data['withheld']['reason'])}</p>")
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>Quality report — run {_e(data['run_id'])}</title>
<style>{CSS}</style></head><body>
<h1>KPI quality report · 품질 보고서</h1>
<p class="meta">Run <span class="mono">{_e(data['run_id'])}</span> · generated {_e(data['generated_at'])} ·
code version <span class="mono">{_e(data['code_version'])}</span> · batches {_e(', '.join(data['batch_ids'] or ['all']))}
· report schema {_e(data['schema_version'])}</p>
{banner}
{summary_line}
<h2>Checks</h2>
{check_table}
{docs}
<h2>dbt data tests, unit tests and contracts (dbt run results)</h2>
{dbt_section}
<h2>KPI status (national, latest quarter)</h2>
{_table(data['kpi_status'], ['kpi_code', 'quarter', 'actual', 'target', 'entity_count', 'status', 'status_reason',
                             'definition_version'])}
<h2>Revisions against the previous release</h2>
{_table(data['revisions'], ['kpi_code', 'region_code', 'quarter', 'old_value', 'new_value', 'cause', 'cause_detail'])}
<h2>Release</h2>
{release_section}
<h2>Ingestion reconciliation (audit.ingest_files)</h2>
{_table(data['ingestion_files'], ['file_path', 'feed', 'status', 'load_batch_id', 'rows_read', 'rows_loaded',
                                  'rows_quarantined', 'reconciles', 'error', 'duplicate_of'])}
<h2>Quarantine by reason (audit.quarantine)</h2>
{_table(data['quarantine_by_reason'], ['feed', 'reason_code', 'rows', 'files'])}
<h2>Input files (sha256)</h2>
{_table(data['input_files'], ['file_path', 'feed', 'sha256', 'size_bytes', 'rows_loaded', 'load_batch_id'])}
<h2>Check details</h2>
{''.join(details)}
</body></html>
"""


def write_text_atomically(target: Path, text: str) -> Path:
    """Replace `target` with `text` in one rename, so a reader (a browser, a web server) never sees half a page."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_run_report(reports_dir: str | Path, run_id: str, warehouse_path: str | Path, outcome: GateOutcome, *,
                     release: Release | None = None, withheld: ReleaseWithheld | None = None,
                     batch_ids: list[str] | None = None, code_version: str | None = None,
                     dbt_target: str | Path | None = None) -> RunReport:
    """Writes quality.json and quality.html for one run (GX docs, if built, are expected in its gx_docs/ folder;
    dbt's run results in dbt_target) and rebuilds the index."""
    folder = run_dir(reports_dir, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    docs_index = "gx_docs/index.html" if (folder / "gx_docs" / "index.html").exists() else None
    data = build_report_data(run_id, warehouse_path, outcome, release=release, withheld=withheld,
                             batch_ids=batch_ids, code_version=code_version, gx_docs_index=docs_index,
                             dbt_target=dbt_target)
    json_path = write_text_atomically(folder / "quality.json", json.dumps(data, ensure_ascii=False, indent=2))
    html_path = write_text_atomically(folder / "quality.html", render_html(data))
    return RunReport(json_path, html_path, rebuild_index(reports_dir))


def rebuild_index(reports_dir: str | Path) -> Path:
    """Lists every run found under <reports>/runs/*/quality.json, newest first, in <reports>/index.html."""
    reports_dir = Path(reports_dir)
    runs = []
    for path in sorted((reports_dir / "runs").glob("*/quality.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            runs.append({"folder": path.parent.name, "run_id": path.parent.name, "generated_at": "",
                         "outcome": f"unreadable report ({exc})", "detail": "", "summary": {}})
            continue
        detail = (data["release"]["release_id"] if data["outcome"] == "published"
                  else ", ".join(data["withheld"]["failed_checks"]))
        runs.append({"folder": path.parent.name, "run_id": data["run_id"], "generated_at": data["generated_at"],
                     "outcome": data["outcome"], "detail": detail, "summary": data["summary"]})
    runs.sort(key=lambda r: r["generated_at"], reverse=True)
    rows = "".join(
        f"<tr class='{'bad' if r['outcome'] != 'published' else ''}'><td><a href='runs/{_e(r['folder'])}/quality.html'>"
        f"{_e(r['run_id'])}</a></td><td>{_e(r['generated_at'])}</td>"
        f"<td class='{'passed' if r['outcome'] == 'published' else 'failed'}'>{_e(r['outcome'])}</td>"
        f"<td class='mono'>{_e(r['detail'])}</td><td>{_e(r['summary'].get('passed'))}</td>"
        f"<td>{_e(r['summary'].get('warned'))}</td><td>{_e(r['summary'].get('failed'))}</td></tr>" for r in runs)
    page = f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>KPI quality runs</title><style>{CSS}</style></head><body>
<h1>KPI quality runs · 품질 검사 실행 목록</h1>
<p class="meta">{len(runs)} run(s), newest first. Each run's report is standalone HTML with its JSON beside it.</p>
<table><tr><th>run</th><th>generated (UTC)</th><th>outcome</th><th>release / blocking checks</th>
<th>passed</th><th>warnings</th><th>blocking failures</th></tr>{rows}</table>
</body></html>
"""
    return write_text_atomically(reports_dir / "index.html", page)
