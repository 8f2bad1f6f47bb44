"""The event log of a data folder's Dagster instance: one SQLite database, opened once per process.

Dagster's `ConsolidatedSqliteEventLogStorage` keeps every run's events in one database (the default keeps one per
run and writes each event to two). But it builds a new SQLAlchemy engine and a new SQLite connection for every
statement block, and a run stores about four blocks per event. Each close of the last connection checkpoints
the write-ahead log into the database, and each commit waits for the disk. A demo run stores about 800 events;
the 270 a run plans before its first step took 3-4 s of its start-up that way.

This storage is the same database and schema, with one engine per process whose pool keeps its connections
open, and SQLite's `synchronous=NORMAL`, which is what SQLite recommends with a write-ahead log: a commit is
atomic and survives a crash of the process; only the last transactions before a power cut could be lost (the
run history, never the warehouse). The write-ahead log is checkpointed by SQLite when it grows, so the webserver
watches the log file too, to show a running run's events as they arrive.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from functools import cached_property

import sqlalchemy as db
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorageWatchdog)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from watchdog.observers import Observer


class _WatchDatabaseAndLog(ConsolidatedSqliteEventLogStorageWatchdog):
    """Tells the storage about new events whether they landed in the database or in its write-ahead log."""

    def __init__(self, event_log_storage):
        super().__init__(event_log_storage)
        self._patterns = [self._log_path, f"{self._log_path}-wal"]

    def on_modified(self, event):
        self._event_log_storage.on_modified()


class WarehouseEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """`ConsolidatedSqliteEventLogStorage` with one pooled engine per process (see the module doc)."""

    @cached_property
    def _engine(self) -> db.engine.Engine:
        engine = db.create_engine(self._conn_string, pool_pre_ping=False,
                                  connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

        @db.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine

    @contextmanager
    def _connect(self):
        with self._engine.connect() as conn:
            with conn.begin():
                yield conn

    def watch(self, run_id, cursor, callback):
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
            self._obs.schedule(_WatchDatabaseAndLog(self), os.path.dirname(self.get_db_path()), recursive=True)
        self._watchers[run_id][callback] = cursor

    def dispose(self):
        super().dispose()
        if "_engine" in self.__dict__:
            self._engine.dispose()
