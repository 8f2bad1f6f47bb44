"""`python -m orchestration.prepare` (`make setup` runs it): what a first run would otherwise make before its
first step, made now for this code version and these installed packages: the manifest the Dagster definitions
are built from (so the first run starts without a dbt parse) and the Vega bundle the KPI report inlines. Prints
where each went."""
from __future__ import annotations

from orchestration.settings import Settings


def prepare(settings: Settings) -> list[str]:
    from orchestration.lib.dbt import prepared_manifest
    from serving.kpi_charts import vega_bundle

    vega_bundle(settings.cache)
    return [str(prepared_manifest(settings.dbt_target, settings.dbt_vars())), str(settings.cache)]


if __name__ == "__main__":
    print("\n".join(prepare(Settings.resolve())))
