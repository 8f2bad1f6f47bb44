"""Benchmark: loading national-scale NPS employment months, against DuckDB's own read of the same rows.

Prints, per month file and in total, the loader's rows per second next to the floor measured in the same run:
DuckDB reading the same file already converted to UTF-8 into a table of a DuckDB database file, as the loader's
raw table is (`CREATE TABLE ... AS SELECT * FROM read_csv(...)`). The ratio loader / floor is the figure to watch (goal: within 1.5x). Python's own CP949 decode
and pandas.read_csv(encoding='cp949') are printed for context. Not a test: machines are noisy, so compare ratios.

    python benchmarks/ingest.py [--months 3] [--landing DIR]   # generates national months when no DIR is given
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion.files import discover  # noqa: E402
from ingestion.loader import CONTRACTS, load_landing  # noqa: E402


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def duckdb_floor(utf8_path: Path, database: Path) -> float:
    """DuckDB reading the UTF-8 file into a table of a database file (the loader's destination kind)."""
    with duckdb.connect(str(database)) as con:
        return timed(lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{utf8_path}')"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--landing", type=Path, help="landing folder with national employment files to reuse")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sme_bench_") as scratch:
        scratch = Path(scratch)
        landing = args.landing
        if landing is None:
            from generator import generate

            landing = scratch / "landing"
            elapsed = timed(lambda: generate(landing, scale="national", months=args.months, progress=False))
            print(f"generated {args.months} national employment months in {elapsed:.1f} s")
        files = discover(landing, CONTRACTS["employment"])[-args.months:]
        print(f"{'file':<22}{'rows':>10}{'MB':>8}{'floor s':>10}{'decode s':>10}{'pandas s':>10}"
              f"{'loader s':>10}{'rows/s':>12}{'ratio':>8}")
        ratios, total_rows, total_load, total_floor = [], 0, 0.0, 0.0
        for index, path in enumerate(files):
            data = path.read_bytes()
            decode_s = timed(lambda: data.decode("cp949"))
            utf8_path = scratch / f"utf8_{path.name}"
            utf8_path.write_text(data.decode("cp949"), encoding="utf-8")
            floor_s = duckdb_floor(utf8_path, scratch / f"floor_{index}.duckdb")
            pandas_s = timed(lambda: pd.read_csv(path, encoding="cp949", dtype=str))
            warehouse = scratch / f"bench_{index}.duckdb"
            summary = None

            def load():
                nonlocal summary
                summary = load_landing(landing, warehouse, feeds=["employment"], paths=[path])

            load_s = timed(load)
            rows = summary.files[0].rows_read
            ratio = load_s / floor_s
            ratios.append(ratio)
            total_rows, total_load, total_floor = total_rows + rows, total_load + load_s, total_floor + floor_s
            print(f"{path.name:<22}{rows:>10,}{len(data) / 1e6:>8.1f}{floor_s:>10.2f}{decode_s:>10.2f}{pandas_s:>10.2f}"
                  f"{load_s:>10.2f}{rows / load_s:>12,.0f}{ratio:>8.2f}")
        print(f"total: {total_rows:,} rows; loader {total_rows / total_load:,.0f} rows/s; "
              f"DuckDB floor {total_rows / total_floor:,.0f} rows/s; "
              f"ratio median {statistics.median(ratios):.2f} (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
