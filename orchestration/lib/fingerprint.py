"""Fingerprints of what a run depends on, cheap enough to take before Dagster is even imported.

- `project_fingerprint`: the code and reference data a release is computed by (the dbt project, the quality
  checks, the Python packages), plus the dbt target; it keys the reuse of a prepared dbt manifest and the
  "nothing new" decision of a rerun.
- `landing_fingerprint`: every landing file of every feed with its size and modification time.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from ingestion.contracts import CONTRACTS
from ingestion.files import discover
from orchestration.settings import REPO_ROOT

_SOURCE_FOLDERS = ("dbt_project", "ingestion", "generator", "quality", "serving", "orchestration")
_SOURCE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".json", ".j2")
_NOT_SOURCES = ("target", "logs", "__pycache__", "dbt_packages")


@functools.cache
def project_fingerprint(dbt_target: str) -> str:
    """Taken once per process: a run is judged by the code it started with."""
    digest = hashlib.sha256(dbt_target.encode())
    for folder in _SOURCE_FOLDERS:
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            if path.suffix in _SOURCE_SUFFIXES and path.is_file() and not set(path.parts) & set(_NOT_SOURCES):
                digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def landing_fingerprint(landing: Path) -> dict[str, list[int]]:
    files = {}
    for contract in CONTRACTS.values():
        for path in discover(landing, contract):
            stat = path.stat()
            files[path.relative_to(landing).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return files
