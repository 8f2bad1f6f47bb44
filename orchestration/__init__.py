"""Orchestration: Dagster definitions over `ingestion/`, the dbt project and `quality/`, plus the CLI."""
