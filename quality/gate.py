"""The publish gate: evaluates the checks of checks.yml against a warehouse file and says whether the
candidate KPIs may be released.

    run_checks(warehouse_path, table="kpi.kpi_official_candidate")  -> list[CheckResult]   (one guarded table)
    run_all(warehouse_path, batch_ids=[...], gx_docs_dir=...)       -> GateOutcome         (every check)

A check that cannot be evaluated (missing table, query error, GX exception) reports status "error"; an error in a
blocking check withholds the release like a failure. The warehouse is opened read-only.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .config import CheckSpec, QualityConfig, load_config
from .results import CheckResult, GateOutcome
from .sql_checks import SQL_KINDS, SqlCheckContext
from .suites import GX_KINDS, GxSession, run_gx_check
from .warehouse import connect_readonly, table_exists

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


def _error_result(spec: CheckSpec, message: str) -> CheckResult:
    return CheckResult(name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity, status="error",
                       observed=None, engine="great_expectations" if spec.kind in GX_KINDS else "duckdb_sql",
                       error=message)


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
                if spec.kind in GX_KINDS:
                    if not _TABLE_NAME.match(spec.table):
                        raise ValueError(f"not a schema.table name: {spec.table!r}")
                    if not table_exists(con, spec.table):
                        raise LookupError(f"table not in warehouse: {spec.table}")
                    if spec.table not in frames:
                        frames[spec.table] = con.sql(f"select * from {spec.table}").df()
                    session = session or GxSession(gx_docs_dir)
                    results.append(run_gx_check(session, spec, frames[spec.table], config.programme))
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
    return GateOutcome(tuple(run_checks(warehouse_path, None, batch_ids=batch_ids, config=config,
                                        gx_docs_dir=gx_docs_dir)))
