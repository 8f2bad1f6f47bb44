"""The Vega bundle the KPI report inlines: bundled once per vl-convert and Vega-Lite version into the cache folder,
read from there by every later report, and bundled afresh in a folder that does not hold it."""
from __future__ import annotations

import pytest
import vl_convert

from serving import kpi_charts


def test_the_vega_bundle_is_bundled_once_per_version_and_read_from_the_cache_after(tmp_path, monkeypatch):
    bundle = kpi_charts.vega_bundle(tmp_path)
    assert "vega-embed" in bundle
    (cached,) = tmp_path.glob("vega-bundle-*.js")
    assert cached.name.endswith(f"-vl-convert-{vl_convert.__version__}.js")
    assert not list(tmp_path.glob(".*.tmp"))

    def bundling_again(**_):
        raise AssertionError("bundled again")

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundling_again)
    assert kpi_charts.vega_bundle(tmp_path) == bundle
    with pytest.raises(AssertionError, match="bundled again"):
        kpi_charts.vega_bundle(tmp_path / "another")
