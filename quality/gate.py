"""The publish gate: evaluates the checks of checks.yml against a warehouse file, says whether the candidate
KPIs may be released, and records that outcome so the publish step reads it instead of evaluating again.

    run_checks(warehouse_path, table="kpi.kpi_official_candidate")  -> list[CheckResult]   (one guarded table)
    run_all(warehouse_path, batch_ids=[...], gx_docs_dir=...)       -> GateOutcome         (every check)
    record_outcome(warehouse_path, run_id, outcome, candidate_sha)  -> audit.gate_outcomes (once per run)
    recorded_outcome(warehouse_path, run_id)                        -> GateOutcome | None
    gate_verdict(results, config)                                   -> raises ReleaseWithheld unless all pass

A check that cannot be evaluated (missing table, query error, GX exception) reports status "error"; an error in a
blocking check withholds the release like a failure. The warehouse is opened read-only.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ingestion.connections import connect
from .checks.registry import CheckSpec, QualityConfig, load_config
from .checks.results import CheckResult, GateOutcome
from .checks.sql import SQL_KINDS, SqlCheckContext
from .checks.gx import GX_KINDS, GxSession, run_gx_check
from .checks.recount import independent_recount
from .warehouse import connect_readonly, table_exists

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
RECOUNT_KIND = "independent_recount"

OUTCOMES_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_outcomes (
    run_id varchar primary key, evaluated_at timestamp not null, batch_ids json, results json not null,
    candidate_sha256 varchar);
"""


class ReleaseWithheld(RuntimeError):
    """Raised when the gate does not allow a release; failed_checks names the checks that stopped it."""

    def __init__(self, failed_checks: Sequence[str], reason: str) -> None:
        self.failed_checks = list(failed_checks)
        self.reason = reason
        self.report_path: Path | None = None      # set by release.release_run once the report is written
        super().__init__(f"release withheld: {reason}")


def _error_result(spec: CheckSpec, message: str) -> CheckResult:
    engine = ("great_expectations" if spec.kind in GX_KINDS else
              "python_recount" if spec.kind == RECOUNT_KIND else "duckdb_sql")
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity, status="error",
                       observed=None, engine=engine, error=message)


def _evaluate(specs: Iterable[CheckSpec], warehouse_path: str | Path, config: QualityConfig,
              batch_ids: Iterable[str] | None, gx_docs_dir: str | Path | None) -> list[CheckResult]:
    specs = list(specs)
    results: list[CheckResult] = []
    frames: dict[str, pd.DataFrame] = {}
    session: GxSession | None = None
    con = connect_readonly(warehouse_path)
    try:
        ctx = SqlCheckContext(con=con, programme=config.programme,
                              batch_ids=tuple(batch_ids) if batch_ids is not None else None)
        for spec in specs:
            try:
                if spec.kind == RECOUNT_KIND:
                    results.append(independent_recount(con, spec, ctx.definitions, config.programme.region_codes))
                elif spec.kind in GX_KINDS:
                    if not _TABLE_NAME.match(spec.table):
                        raise ValueError(f"not a schema.table name: {spec.table!r}")
                    if not table_exists(con, spec.table):
                        raise LookupError(f"table not in warehouse: {spec.table}")
                    if spec.table not in frames:
                        frames[spec.table] = con.sql(f"select * from {spec.table}").df()
                    session = session or GxSession(gx_docs_dir)
                    results.append(run_gx_check(session, spec, frames[spec.table], ctx))
                elif spec.kind in SQL_KINDS:
                    results.append(SQL_KINDS[spec.kind](ctx, spec))
                else:
                    raise ValueError(f"unknown check kind {spec.kind!r}")
            except Exception as exc:   # a check that cannot run is reported, never skipped
                results.append(_error_result(spec, f"{type(exc).__name__}: {exc}"))
    finally:
        con.close()
    if gx_docs_dir is not None:
        (session or GxSession(gx_docs_dir)).build_docs()
    return results


def run_checks(warehouse_path: str | Path, table: str | None = None, *, batch_ids: Iterable[str] | None = None,
               config: QualityConfig | None = None, gx_docs_dir: str | Path | None = None) -> list[CheckResult]:
    """Runs the checks guarding one table (or all when table is None). batch_ids limits the audit.* checks to
    this run's load batches (None: every batch). gx_docs_dir, when set, receives a GX Data Docs site."""
    config = config or load_config()
    specs = config.checks_for(table)
    if table is not None and not specs:
        raise ValueError(f"no check guards table {table!r}; guarded tables: {', '.join(config.tables)}")
    return _evaluate(specs, warehouse_path, config, batch_ids, gx_docs_dir)


def run_all(warehouse_path: str | Path, *, batch_ids: Iterable[str] | None = None,
            config: QualityConfig | None = None, gx_docs_dir: str | Path | None = None) -> GateOutcome:
    """Runs every configured check and returns the gate's verdict (blocking failures, warnings)."""
    batch_ids = tuple(batch_ids) if batch_ids is not None else None
    return GateOutcome(tuple(run_checks(warehouse_path, None, batch_ids=batch_ids, config=config,
                                        gx_docs_dir=gx_docs_dir)), batch_ids)


def gate_verdict(check_results: Sequence[CheckResult], config: QualityConfig) -> GateOutcome:
    """Raises ReleaseWithheld unless every configured blocking check ran and passed."""
    outcome = GateOutcome(tuple(check_results))
    ran = {r.name for r in check_results}
    not_run = [c.name for c in config.checks if c.severity == "blocking" and c.name not in ran]
    failed = [r.name for r in outcome.blocking_failures]
    if failed or not_run:
        parts = []
        if failed:
            parts.append("blocking check(s) failed: " + ", ".join(
                f"{r.name} ({r.status}: {r.observed if r.status == 'failed' else r.error})"
                for r in outcome.blocking_failures))
        if not_run:
            parts.append("blocking check(s) not run: " + ", ".join(not_run))
        raise ReleaseWithheld(failed + not_run, "; ".join(parts))
    return outcome


def record_outcome(warehouse_path: str | Path, run_id: str, outcome: GateOutcome,
                   candidate_sha256: str | None) -> None:
    """Store the run's gate outcome (the one evaluation of the run) for the publish step and the audit trail,
    with the content hash of the candidate it judged, so publish can refuse a candidate rebuilt since."""
    with connect(warehouse_path) as con:
        con.execute(OUTCOMES_DDL)
        con.execute("insert or replace into audit.gate_outcomes values (?, ?, ?, ?, ?)",
                    [run_id, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                     json.dumps(list(outcome.batch_ids)) if outcome.batch_ids is not None else None,
                     json.dumps([r.to_dict() for r in outcome.results], ensure_ascii=False), candidate_sha256])


def recorded_outcome(warehouse_path: str | Path, run_id: str) -> GateOutcome | None:
    """The gate outcome recorded for a run, or None when the gate did not run in it."""
    with connect(warehouse_path, read_only=True) as con:
        if not table_exists(con, "audit.gate_outcomes"):
            return None
        rows = con.execute("select batch_ids, results, candidate_sha256 from audit.gate_outcomes where run_id = ?",
                           [run_id]).fetchall()
    if not rows:
        return None
    batch_ids, results, candidate_sha256 = rows[0]
    return GateOutcome(tuple(CheckResult(**r) for r in json.loads(results)),
                       tuple(json.loads(batch_ids)) if batch_ids is not None else None, candidate_sha256)
