"""The checks that guard a release: their registry (quality/checks.yml), and the two engines that evaluate them,
Great Expectations on pandas frames (gx.py) and DuckDB SQL (sql.py)."""
