"""Dagster definitions, one folder per source system or stage, loaded by `orchestration.definitions`."""
