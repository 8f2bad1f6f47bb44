"""The result types every check and the gate return: CheckResult (one check) and GateOutcome (a set of them)."""
from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("passed", "failed", "error")
MAX_FAILING_ROWS = 20


def jsonable(value: Any) -> Any:
    """Turns numpy/pandas/duckdb scalars into plain JSON values (NaN -> None, dates -> ISO text)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item"):          # numpy scalar
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (int, float, bool, str)):
        return value
    try:
        import pandas as pd
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@dataclass(frozen=True)
class CheckResult:
    name: str
    table: str
    rule: str
    severity: str                      # blocking | warning
    status: str                        # passed | failed | error
    observed: Any                      # a number or short text describing what was measured
    engine: str                        # great_expectations | duckdb_sql
    failing_row_count: int | None = None
    failing_rows: list[dict[str, Any]] = field(default_factory=list)   # at most MAX_FAILING_ROWS
    error: str | None = None           # message when status == error
    expectations: list[str] = field(default_factory=list)             # GX expectation types used

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def blocks_release(self) -> bool:
        return self.severity == "blocking" and self.status != "passed"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning" and self.status != "passed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["observed"] = jsonable(self.observed)
        data["failing_rows"] = [jsonable(r) for r in self.failing_rows[:MAX_FAILING_ROWS]]
        return data


@dataclass(frozen=True)
class GateOutcome:
    results: tuple[CheckResult, ...]
    batch_ids: tuple[str, ...] | None = None     # the load batches the audit checks looked at (None: all)
    candidate_sha256: str | None = None          # content hash of the candidate the checks saw, once recorded

    @property
    def blocking_failures(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.blocks_release)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.is_warning)

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    def counts(self) -> dict[str, int]:
        """passed / warned / failed, where failed counts blocking failures and errors."""
        return {
            "passed": sum(r.status == "passed" for r in self.results),
            "warned": len(self.warnings),
            "failed": len(self.blocking_failures),
        }
