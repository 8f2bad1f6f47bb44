"""The one settings object: where a warehouse's inputs and outputs live, as a Dagster resource.

Every output of a run sits under one data folder, so two warehouses never touch each other's files and the
Dagster UI opens the instance the command line recorded its runs in:

    <data>/warehouse.duckdb   the warehouse (one writer)      <data>/serving.duckdb   what BI tools read
    <data>/exports/           Parquet of marts and KPIs       <data>/raw_zone/        Parquet raw tables (Spark)
    <data>/reports/           audit and KPI reports           <data>/dbt_target/      dbt's target path
    <data>/dagster/           the Dagster instance (DAGSTER_HOME of `make dev`)

The data folder is `--data-dir`, else `SME_DATA_DIR`, else the folder of an explicit `--warehouse FILE`, else
the checkout's `data/`. A per-path variable (`SME_WAREHOUSE_PATH`, `SME_SERVING_PATH`, ...) still overrides its
one path. The landing folder is an input: `--landing`, else `SME_LANDING_DIR`, else `<data>/landing` when the
data folder was chosen, else the checkout's `data/landing`.

Files derived from the installed packages alone, the same for every data folder (the KPI report's Vega bundle),
are kept in one cache folder: `SME_CACHE_DIR`, else the user's cache folder (`~/.cache/sme-warehouse` on Linux).
`make setup` fills it, so a first run does not wait for it.

The CLI, the assets and the tests all build it with `Settings.resolve`; nothing here reads or writes the
environment except `resolve`, which reads it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg
import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_DATA_DIR = REPO_ROOT / "data"

# field -> (environment variable, place under the data folder)
_OUTPUTS = {
    "warehouse_path": ("SME_WAREHOUSE_PATH", "warehouse.duckdb"),
    "serving_path": ("SME_SERVING_PATH", "serving.duckdb"),
    "exports_dir": ("SME_EXPORTS_DIR", "exports"),
    "raw_zone_dir": ("SME_RAW_ZONE_DIR", "raw_zone"),
    "reports_dir": ("SME_REPORTS_DIR", "reports"),
    "dbt_target_dir": ("SME_DBT_TARGET_DIR", "dbt_target"),
    "dagster_home": ("SME_DAGSTER_HOME", "dagster"),
}


def dbt_target() -> str:
    """The dbt target: duckdb, or spark / spark_thrift when SME_DBT_TARGET says so (the profile reads it too)."""
    return os.environ.get("SME_DBT_TARGET", "duckdb")


class Settings(dg.ConfigurableResource):
    """Absolute paths of one warehouse's landing folder and of every output of its runs."""

    data_dir: str
    landing_dir: str
    warehouse_path: str
    serving_path: str
    exports_dir: str
    raw_zone_dir: str
    reports_dir: str
    dbt_target_dir: str
    dagster_home: str
    cache_dir: str

    @classmethod
    def resolve(cls, *, data_dir: str | Path | None = None, warehouse: str | Path | None = None,
                landing: str | Path | None = None, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from explicit arguments, then the environment, then the defaults (see the module doc)."""
        env = os.environ if environ is None else environ
        chosen_data = data_dir or env.get("SME_DATA_DIR") or None
        data = Path(chosen_data or (Path(warehouse).parent if warehouse else DEFAULT_DATA_DIR)).resolve()
        paths = {field: Path(env.get(variable) or data / place) for field, (variable, place) in _OUTPUTS.items()}
        if warehouse:
            paths["warehouse_path"] = Path(warehouse)
        landing_dir = landing or env.get("SME_LANDING_DIR") or (data / "landing" if chosen_data
                                                                 else DEFAULT_DATA_DIR / "landing")
        cache_dir = env.get("SME_CACHE_DIR") or platformdirs.user_cache_dir("sme-warehouse")
        return cls(data_dir=str(data), landing_dir=str(Path(landing_dir).resolve()),
                   cache_dir=str(Path(cache_dir).resolve()),
                   **{field: str(path.resolve()) for field, path in paths.items()})

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def serving(self) -> Path:
        return Path(self.serving_path)

    @property
    def exports(self) -> Path:
        return Path(self.exports_dir)

    @property
    def raw_zone(self) -> Path:
        return Path(self.raw_zone_dir)

    @property
    def reports(self) -> Path:
        return Path(self.reports_dir)

    @property
    def dbt_target(self) -> Path:
        return Path(self.dbt_target_dir)

    @property
    def cache(self) -> Path:
        return Path(self.cache_dir)

    @property
    def instance_dir(self) -> Path:
        return Path(self.dagster_home)

    def dbt_vars(self) -> str:
        """What dbt needs to know of these settings, as the JSON of `--vars` (the profile reads the warehouse
        path). Parsing and building pass the same text, so dbt's partial parsing stays valid between them."""
        return json.dumps({"warehouse_path": self.warehouse_path, "raw_zone_dir": self.raw_zone_dir}, sort_keys=True)
