"""Dagster resources: where the warehouse and the landing folder are, read from the settings object."""
from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Paths of the landing folder, the DuckDB warehouse and the reports; defaults from the environment."""

    landing_dir: str
    warehouse_path: str
    reports_dir: str
    serving_path: str
    exports_dir: str
    raw_zone_dir: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "WarehouseResource":
        return cls(landing_dir=str(settings.landing_dir), warehouse_path=str(settings.warehouse_path),
                   reports_dir=str(settings.reports_dir), serving_path=str(settings.serving_path),
                   exports_dir=str(settings.exports_dir), raw_zone_dir=str(settings.raw_zone_dir))

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)
