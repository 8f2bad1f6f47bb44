"""Shared fixtures: the dbt manifest the Dagster definitions are built from, prepared once per session."""
import os

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@pytest.fixture(scope="session")
def dbt_manifest():
    from orchestration.lib.dbt import prepared_manifest
    from orchestration.settings import Settings

    settings = Settings.resolve()
    return prepared_manifest(settings.dbt_target, settings.dbt_vars())
