"""The Dagster instance of a data folder: `<data>/dagster`, where `sme-warehouse run` records its runs and
`make dev` points DAGSTER_HOME, so the UI shows what the command line ran.

`python -m orchestration.instance [DATA_DIR]` prepares the folder and prints its path (the Makefile's `dev`).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import dagster as dg

from orchestration.settings import REPO_ROOT, Settings

INSTANCE_CONFIG = REPO_ROOT / "orchestration" / "dagster.yaml"


def prepare_instance_home(settings: Settings) -> Path:
    """The instance folder with its dagster.yaml (pools and run limits), created on first use."""
    home = settings.instance_dir
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    return home


def instance_for(settings: Settings) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(prepare_instance_home(settings)))


if __name__ == "__main__":
    print(prepare_instance_home(Settings.resolve(data_dir=sys.argv[1] if len(sys.argv) > 1 else None)))
