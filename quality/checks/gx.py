"""Great Expectations suites: the checks that GX's own expectation classes express, run on pandas frames read
read-only from DuckDB (never GX's SQL datasource on DuckDB, see shared notes B2/S4).

Each GX-backed check of checks.yml becomes one GX suite named after the check, validated against one frame
(the guarded table, filtered or extended with derived columns where the rule needs it). GX is imported lazily:
importing it costs seconds (3 s here), so a process that runs dbt before the gate imports it meanwhile.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from .registry import CheckSpec
from .results import MAX_FAILING_ROWS, CheckResult, jsonable
from .sql import SqlCheckContext

# Columns that identify a failing row in each guarded table (GX reports them in unexpected_index_list).
ROW_KEYS = {
    "kpi.kpi_official_candidate": ["kpi_code", "region_code", "quarter"],
    "marts.fct_firm_workplace_links": ["brn"],
}
DOCS_SITE = "quality_audit_site"


def _import_gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    return gx, gxe


def import_in_background() -> None:
    """Start importing GX on a daemon thread, for a process that has other work to wait on before the gate runs
    (Python's import lock makes the gate's own import wait for this one rather than import twice)."""
    threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True).start()


class GxSession:
    """One ephemeral GX context per gate run; optionally writes a Data Docs site into docs_dir."""

    def __init__(self, docs_dir: str | Path | None = None) -> None:
        self._gx, self.expectations = _import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = self._gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.datasource = self.context.data_sources.add_pandas("warehouse_frames")
        self.docs_dir = Path(docs_dir) if docs_dir else None
        if self.docs_dir:
            self.docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(self.docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })

    def validate(self, suite_name: str, frame: pd.DataFrame, expectations: list, index_columns: list[str]):
        gx = self._gx
        asset = self.datasource.add_dataframe_asset(suite_name)
        batch = asset.add_batch_definition_whole_dataframe(suite_name)
        suite = self.context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=suite))
        usable_index = [c for c in index_columns if c in frame.columns]
        result_format: dict[str, Any] = {"result_format": "COMPLETE"}
        if usable_index:
            result_format["unexpected_index_column_names"] = usable_index
        return definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)

    def build_docs(self) -> Path | None:
        """Builds the Data Docs site; returns the path of its index.html."""
        if not self.docs_dir:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        return self.docs_dir / "index.html"


@dataclass(frozen=True)
class GxPlan:
    """What one GX-backed check validates: a frame and the expectations it must meet."""
    frame: pd.DataFrame
    expectations: list


def _candidate_filtered(frame: pd.DataFrame, keep: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    return frame[keep(frame["kpi_code"])].reset_index(drop=True)


def plan_gx_check(spec: CheckSpec, frame: pd.DataFrame, ctx: SqlCheckContext, gxe) -> GxPlan:
    p = spec.params
    if spec.kind == "gx_row_count":
        return GxPlan(frame, [gxe.ExpectTableRowCountToBeBetween(min_value=int(p["min_rows"]))])
    if spec.kind == "gx_not_null":
        return GxPlan(frame, [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in p["columns"]])
    if spec.kind == "gx_compound_unique":
        return GxPlan(frame, [gxe.ExpectCompoundColumnsToBeUnique(column_list=list(p["columns"]))])
    if spec.kind == "gx_region_codes_in_set":
        allowed = [*ctx.programme.region_codes, ctx.definitions.national_region_code]
        return GxPlan(frame, [gxe.ExpectColumnValuesToBeInSet(column="region_code", value_set=allowed)])
    if spec.kind == "gx_coverage_within_regions":
        coverage = _candidate_filtered(frame, lambda k: k.isin(sorted(ctx.definitions.coverage_kpis)))
        return GxPlan(coverage, [gxe.ExpectColumnValuesToBeBetween(
            column="actual", min_value=0, max_value=len(ctx.programme.region_codes))])
    if spec.kind == "gx_links_shape":
        links = frame.copy()
        links["is_matched"] = links["match_status"] == "matched"
        links["has_workplace_key"] = links["workplace_key"].notna()
        return GxPlan(links, [
            gxe.ExpectColumnValuesToBeUnique(column="brn"),
            gxe.ExpectColumnValuesToBeInSet(column="match_status", value_set=list(p["statuses"])),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="is_matched", column_B="has_workplace_key",
                                                ignore_row_if="neither"),
        ])
    raise ValueError(f"check {spec.name}: unknown GX kind {spec.kind!r}")


def _describe(result: dict) -> str:
    config = result["expectation_config"]
    kwargs = {k: v for k, v in config["kwargs"].items() if k not in ("batch_id",)}
    column = kwargs.get("column") or kwargs.get("column_list") or (
        f"{kwargs['column_A']}={kwargs['column_B']}" if "column_A" in kwargs else None)
    return f"{config['type']}({column})" if column else config["type"]


def run_gx_check(session: GxSession, spec: CheckSpec, frame: pd.DataFrame, ctx: SqlCheckContext) -> CheckResult:
    """Validates one check's suite and condenses GX's answer into a CheckResult."""
    plan = plan_gx_check(spec, frame, ctx, session.expectations)
    index_columns = ROW_KEYS.get(spec.table, [])
    outcome = session.validate(spec.name, plan.frame, plan.expectations, index_columns)
    results = [r.to_json_dict() for r in outcome.results]
    errors = [r["exception_info"].get("exception_message") for r in results
              if (r.get("exception_info") or {}).get("raised_exception")]
    failing_rows: list[dict] = []
    unexpected: int | None = None
    observed_parts = []
    for r in results:
        detail = r.get("result") or {}
        if "unexpected_count" in detail:
            unexpected = (unexpected or 0) + int(detail["unexpected_count"] or 0)
            observed_parts.append(f"{_describe(r)}: {detail['unexpected_count']} of {detail['element_count']} rows unexpected")
        elif "observed_value" in detail:
            observed_parts.append(f"{_describe(r)}: observed {jsonable(detail['observed_value'])}")
        if not r["success"]:
            rows = detail.get("unexpected_index_list") or [
                {"value": v} for v in (detail.get("partial_unexpected_list") or [])]
            for row in rows:
                if len(failing_rows) < MAX_FAILING_ROWS:
                    failing_rows.append({"expectation": r["expectation_config"]["type"], **jsonable(dict(row))})
    status = "error" if errors else ("passed" if outcome.success else "failed")
    return CheckResult(
        name=spec.name, table=spec.table, rule=spec.rule, severity=spec.severity, status=status,
        observed="; ".join(observed_parts), engine="great_expectations",
        failing_row_count=unexpected,
        failing_rows=failing_rows, error="; ".join(e or "" for e in errors) or None,
        expectations=[r["expectation_config"]["type"] for r in results],
    )


GX_KINDS = frozenset({
    "gx_row_count", "gx_not_null", "gx_compound_unique", "gx_region_codes_in_set", "gx_coverage_within_regions",
    "gx_links_shape",
})
