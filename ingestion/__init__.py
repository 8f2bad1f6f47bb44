"""Ingestion: feed contracts, normalisers, the transactional loader and the sample-feed generator.

Plain Python (stdlib, duckdb, pandas); Dagster code lives in `orchestration/` and calls in here.
"""
