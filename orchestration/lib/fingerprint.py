"""Fingerprints of what a run depends on, cheap enough to take before the Dagster definitions are built.

- `project_fingerprint`: the code and reference data a release is computed by (the dbt project, the quality
  checks, the Python packages), plus the dbt target; it keys the "nothing new" decision of a rerun.
- `dbt_project_fingerprint`: what a parsed dbt manifest depends on (the dbt project's files, the target, the
  installed dbt), so a change to the loader or the gate does not make the next run parse dbt again.
- `landing_fingerprint`: every landing file of every feed with its size and modification time.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path

from ingestion.contracts import CONTRACTS
from ingestion.files import discover
from orchestration.settings import REPO_ROOT

_RELEASE_SOURCES = ("dbt_project", "ingestion", "generator", "quality", "serving", "orchestration")
_SOURCE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".json", ".j2")
_NOT_SOURCES = ("target", "logs", "__pycache__", "dbt_packages")
_DBT_DISTRIBUTIONS = ("dbt-core", "dbt-duckdb", "dbt-spark")


def _source_digest(root: Path, folders: tuple[str, ...], salt: str) -> str:
    """sha256 over `salt` and every source file under `folders` of `root`, path and content, in path order."""
    digest = hashlib.sha256(salt.encode())
    for folder in folders:
        for path in _source_files(root / folder):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _source_files(folder: Path):
    """Walked, not globbed: dbt's target folder holds thousands of files, and a glob would list them all before
    they were filtered out."""
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(name for name in subfolders if name not in _NOT_SOURCES)
        for name in sorted(names):
            if name.endswith(_SOURCE_SUFFIXES):
                yield Path(directory) / name


@functools.cache
def project_fingerprint(dbt_target: str) -> str:
    """Taken once per process: a run is judged by the code it started with."""
    return _source_digest(REPO_ROOT, _RELEASE_SOURCES, dbt_target)


@functools.cache
def dbt_project_fingerprint(dbt_target: str) -> str:
    return _source_digest(REPO_ROOT, ("dbt_project",), " ".join([dbt_target, *map(_installed, _DBT_DISTRIBUTIONS)]))


def _installed(distribution: str) -> str:
    try:
        return f"{distribution}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{distribution} absent"


def landing_fingerprint(landing: Path) -> dict[str, list[int]]:
    files = {}
    for contract in CONTRACTS.values():
        for path in discover(landing, contract):
            stat = path.stat()
            files[path.relative_to(landing).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return files
