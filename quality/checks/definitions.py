"""Reads the KPI definitions the gate needs from the warehouse's ref schema (seed ref_kpi_definitions), so that
the national code and the KPI classes (count, cumulative, signed, ...) have one home and no copy in checks.yml
or Python: KpiDefinitions, read once per gate evaluation."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from quality.warehouse import fetch_dicts

DEFINITIONS_TABLE = "ref.ref_kpi_definitions"


@dataclass(frozen=True)
class KpiDefinitions:
    national_region_code: str
    count_kpis: frozenset[str]                 # a count of distinct entities
    signed_kpis: frozenset[str]                # may be negative
    cumulative_kpis: frozenset[str]            # never falls from one quarter to the next ...
    withdrawal_explained_kpis: frozenset[str]  # ... except by the quarter's withdrawals
    coverage_kpis: frozenset[str]              # counts programme regions
    counts_from: dict[str, object]             # first day a cumulative count counts, where one is set
    min_measured_share: dict[str, float]       # share of a project's firms that must be measured, where one is set
    programme_kpis: dict[str, str]             # a KPI restricted to one programme -> its program_code


def read_definitions(con: duckdb.DuckDBPyConnection) -> KpiDefinitions:
    rows = fetch_dicts(con, f"""select kpi_code, entity_type, is_count, is_cumulative, falls_with_withdrawals,
                                       is_signed, national_region_code, counts_from, min_measured_share,
                                       program_code
                                from {DEFINITIONS_TABLE}""")
    if not rows:
        raise LookupError(f"{DEFINITIONS_TABLE} is empty")
    national = {r["national_region_code"] for r in rows}
    if len(national) != 1:
        raise ValueError(f"{DEFINITIONS_TABLE} names more than one national region code: {sorted(national)}")

    def kpis(keep) -> frozenset[str]:
        return frozenset(r["kpi_code"] for r in rows if keep(r))

    return KpiDefinitions(
        national_region_code=national.pop(),
        count_kpis=kpis(lambda r: r["is_count"]),
        signed_kpis=kpis(lambda r: r["is_signed"]),
        cumulative_kpis=kpis(lambda r: r["is_cumulative"]),
        withdrawal_explained_kpis=kpis(lambda r: r["is_cumulative"] and r["falls_with_withdrawals"]),
        coverage_kpis=kpis(lambda r: r["entity_type"] == "region"),
        counts_from={r["kpi_code"]: r["counts_from"] for r in rows if r["counts_from"] is not None},
        min_measured_share={r["kpi_code"]: float(r["min_measured_share"]) for r in rows
                            if r["min_measured_share"] is not None},
        programme_kpis={r["kpi_code"]: r["program_code"] for r in rows if r["program_code"] is not None},
    )
