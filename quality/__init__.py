"""Data-quality layer: check configuration (checks.yml), GX suites and SQL checks, the publish gate,
write-audit-publish of official KPI releases, lineage look-ups and the auditor's report.

Plain Python (duckdb, pandas, great_expectations); Dagster calls these functions from orchestration/.
"""
