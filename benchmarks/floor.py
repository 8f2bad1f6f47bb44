"""The DuckDB floor for a national build: what a person would write by hand on the same NPS files.

Decode each CP949 month in Python (DuckDB cannot read CP949 here), load every column into one table of a DuckDB
database file, then compute one region-by-month aggregate of subscribers. No validation, no lineage, no models:
the least work that still reads every byte and writes every row, which the warehouse's full build is compared
with in `benchmarks/national.py`.

    python benchmarks/floor.py LANDING_DIR DATABASE
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb


def floor(landing: Path, database: Path) -> dict[str, float]:
    files = sorted((landing / "employment").glob("*.csv"))
    seconds = {"decode": 0.0, "load": 0.0, "aggregate": 0.0}
    with duckdb.connect(str(database)) as con, tempfile.TemporaryDirectory(prefix="floor_") as scratch:
        for index, path in enumerate(files):
            started = time.perf_counter()
            utf8 = Path(scratch) / "month.csv"
            utf8.write_text(path.read_bytes().decode("cp949"), encoding="utf-8")
            seconds["decode"] += time.perf_counter() - started
            started = time.perf_counter()
            read = f"read_csv('{utf8}', header = true, all_varchar = true)"
            con.execute(f"CREATE TABLE employment AS SELECT * FROM {read}" if index == 0
                        else f"INSERT INTO employment SELECT * FROM {read}")
            seconds["load"] += time.perf_counter() - started
        started = time.perf_counter()
        columns = [name for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'employment' "
            "ORDER BY ordinal_position").fetchall()]
        month, region, subscribers = columns[0], columns[9], columns[18]
        rows = con.execute(f"""SELECT "{month}", "{region}", count(*), sum(TRY_CAST("{subscribers}" AS BIGINT))
                               FROM employment GROUP BY ALL""").fetchall()
        seconds["aggregate"] = time.perf_counter() - started
    seconds["files"], seconds["aggregate_rows"] = len(files), len(rows)
    return seconds


if __name__ == "__main__":
    figures = floor(Path(sys.argv[1]), Path(sys.argv[2]))
    print(" ".join(f"{name}={value:.2f}" for name, value in figures.items()))
