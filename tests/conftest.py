"""Shared fixtures: the dbt manifest the Dagster definitions are built from, prepared once per session, and a
cache folder of the session's own, so the tests' runs leave the user's cache alone."""
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


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """SME_CACHE_DIR for every run the tests make, in this process and in the processes it starts."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SME_CACHE_DIR", str(folder))
        yield folder
