"""The Dagster instance of a data folder: `<data>/dagster`, where `sme-warehouse run` records its runs and
`make dev` points DAGSTER_HOME, so the UI shows what the command line ran.

`python -m orchestration.instance [DATA_DIR]` prepares the folder and prints its path (the Makefile's `dev`).
"""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import yaml

from orchestration.settings import REPO_ROOT, Settings

INSTANCE_CONFIG = REPO_ROOT / "orchestration" / "dagster.yaml"


def write_instance_config(settings: Settings) -> Path:
    """The instance folder with its dagster.yaml: the pools and run limits of `orchestration/dagster.yaml`, and
    the event log in one SQLite database under the folder (`orchestration/storage.py`). Dagster's default keeps
    one database per run and commits each event to two of them; a run plans some 270 events before its first
    step, which took 13.8 s that way, 3.1 s in one database, and well under a second with the database opened
    once per process (demo runs, measured side by side). The file is rewritten when those settings change, so
    an existing data folder follows them."""
    home = settings.instance_dir
    home.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(INSTANCE_CONFIG.read_text(encoding="utf-8"))
    config["event_log_storage"] = {"module": "orchestration.storage", "class": "WarehouseEventLogStorage",
                                   "config": {"base_dir": str(home / "history")}}
    text = yaml.safe_dump(config, sort_keys=False)
    config_path = home / "dagster.yaml"
    if not config_path.exists() or config_path.read_text(encoding="utf-8") != text:
        config_path.write_text(text, encoding="utf-8")
    return home


def prepare_instance_home(settings: Settings) -> Path:
    """The instance folder for processes started on it together (`make dev`'s webserver and daemon): its
    config, and its SQLite storages created by opening the instance once here. Two processes opening a new
    folder at the same moment would both create the schema, and the second fails ("table alembic_version
    already exists")."""
    home = write_instance_config(settings)
    with dg.DagsterInstance.from_config(str(home)):
        pass
    return home


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The data folder's instance, opened in this process (`sme-warehouse run`)."""
    return dg.DagsterInstance.from_config(str(write_instance_config(settings)))


if __name__ == "__main__":
    print(prepare_instance_home(Settings.resolve(data_dir=sys.argv[1] if len(sys.argv) > 1 else None)))
