"""Data-quality layer, one module per responsibility:

  checks/    the registry of checks.yml (registry.py), the GX suites (gx.py), the SQL checks (sql.py) and the
             result types they return (results.py)
  gate.py    runs the checks once per run, records the outcome and gives the verdict
  release.py write-audit-publish: the release tables and their DDL, publishing on a recorded outcome, the
             latest release
  report.py  the auditor's report of each run and the index of runs

Plain Python (duckdb, pandas, great_expectations); Dagster calls these functions from orchestration/.
"""
