"""The one settings object: paths and switches from environment variables, with defaults for a checkout.

The CLI, the Dagster resources and the tests all read paths from here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    reports_dir: Path
    serving_path: Path
    exports_dir: Path
    raw_zone_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        data = REPO_ROOT / "data"

        def path(name: str, default: Path) -> Path:
            return Path(os.environ.get(name) or default).resolve()

        return cls(
            landing_dir=path("SME_LANDING_DIR", data / "landing"),
            warehouse_path=path("SME_WAREHOUSE_PATH", data / "warehouse.duckdb"),
            reports_dir=path("SME_REPORTS_DIR", data / "reports"),
            serving_path=path("SME_SERVING_PATH", data / "serving.duckdb"),
            exports_dir=path("SME_EXPORTS_DIR", data / "exports"),
            raw_zone_dir=path("SME_RAW_ZONE_DIR", data / "raw_zone"),
        )

    def export_to_env(self) -> None:
        """Make these paths the environment of child processes (dbt reads SME_WAREHOUSE_PATH)."""
        os.environ.update({
            "SME_LANDING_DIR": str(self.landing_dir),
            "SME_WAREHOUSE_PATH": str(self.warehouse_path),
            "SME_REPORTS_DIR": str(self.reports_dir),
            "SME_SERVING_PATH": str(self.serving_path),
            "SME_EXPORTS_DIR": str(self.exports_dir),
            "SME_RAW_ZONE_DIR": str(self.raw_zone_dir),
        })
