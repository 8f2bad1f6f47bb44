"""Benchmark: loading national-scale NPS employment months, against DuckDB's own read and against the peer a
user would write, on the same files in the same run.

Per month file and in total:
- the floor: DuckDB reading the file already converted to UTF-8 into a table of a database file
  (`CREATE TABLE ... AS SELECT * FROM read_csv(...)`), no validation;
- the pandas peer: `pandas.read_csv(encoding='cp949')` plus the same validation in pandas (month form and one
  month per file, business-number prefix, status, region code, workplace type, counts, both date forms, the
  시군구 form, a row under code 12 placed in 29 or 46 by the bridge seed), the rows repeating an earlier one marked
  as copies, then the valid rows written to a DuckDB table;
- the loader (`ingestion.loader.load_landing`), which also keeps lineage, quarantines with reasons and reconciles.
The figures to watch are loader / floor and peer / loader (goal: the loader at least 3x faster than the peer).
Not a test: machines are noisy, so compare ratios taken side by side.

    python benchmarks/ingest.py [--months 3] [--landing DIR]   # generates national months when no DIR is given
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion.contracts import employment  # noqa: E402
from ingestion.files import data_month_of_file, discover  # noqa: E402
from ingestion.loader import CONTRACTS, load_landing  # noqa: E402
from ingestion.normalise import clean_header, region_resolver  # noqa: E402


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def duckdb_floor(utf8_path: Path, database: Path) -> float:
    """DuckDB reading the UTF-8 file into a table of a database file (the loader's destination kind)."""
    with duckdb.connect(str(database)) as con:
        return timed(lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{utf8_path}')"))


def _split_codes_placed(resolver, text: dict[str, pd.Series], month: str) -> pd.Series:
    """False for a row under a code the bridge splits (12) that no bridge row valid in the month places: by the
    5-digit 시군구 code, else by the first two digits of the 시군구 code or, when it repeats the code, of the
    legal-dong code."""
    on = dt.date(int(month[:4]), int(month[4:6]), 1)
    rows = [r for r in resolver.bridge_rows if r.valid_on(on)]
    region, part, legal_dong = text["법정동주소광역시도코드"], text["법정동주소광역시시군구코드"], text["고객법정동주소코드"]
    sigungu = part.where(part.str.len() != 3, region + part)
    prefix = legal_dong.str[:2].where(sigungu.eq("") | sigungu.str[:2].eq(region.str[:2]), sigungu.str[:2])
    pairs = region.str[:2] + "|" + prefix
    placed = (sigungu.isin({r.admin_code for r in rows})
              | region.str[:2].isin({r.admin_code for r in rows if r.sigungu_prefix is None})
              | pairs.isin({f"{r.admin_code}|{r.sigungu_prefix}" for r in rows if r.sigungu_prefix}))
    return ~region.isin(set(resolver.split_codes)) | placed


def pandas_peer(path: Path, database: Path) -> int:
    """What a user would write with pandas: read, validate each rule column-wise, keep the valid rows and mark the
    repeated ones."""
    frame = pd.read_csv(path, encoding="cp949", dtype=str, keep_default_na=False)
    frame.columns = [clean_header(name) for name in frame.columns]
    text = {name: frame[name].str.strip() for name in frame.columns}
    month = text["자료생성년월"]
    valid_month = month.str.fullmatch(employment.MONTH_FORM.pattern)
    if month[valid_month].str.replace("-", "").nunique() > 1:
        raise ValueError(f"{path}: more than one data month")
    numbers = {name: pd.to_numeric(text[name], errors="coerce")
               for name in ("사업장가입상태코드", "사업장형태구분코드", "가입자수", "신규취득자수", "상실가입자수")}
    resolver = region_resolver()
    valid = (valid_month & text["사업장명"].ne("") & text["사업자등록번호"].str.fullmatch(r"\d{6}[*\-]*")
             & numbers["사업장가입상태코드"].isin([1, 2]) & text["법정동주소광역시도코드"].isin(resolver.known_codes)
             & (numbers["사업장형태구분코드"].isin([1, 2]) | text["사업장형태구분코드"].eq(""))
             & numbers["가입자수"].ge(0) & ~numbers["신규취득자수"].lt(0) & ~numbers["상실가입자수"].lt(0)
             & (text["법정동주소광역시시군구코드"].eq("") | text["법정동주소광역시시군구코드"].str.fullmatch(r"\d{3}|\d{5}")))
    valid &= _split_codes_placed(resolver, text, month[valid_month].str.replace("-", "").iloc[0])
    for name in ("적용일자", "재등록일자", "탈퇴일자"):
        dated = pd.to_datetime(text[name], format="%Y-%m-%d", errors="coerce").fillna(
            pd.to_datetime(text[name], format="%Y%m%d", errors="coerce"))
        valid &= text[name].eq("") | dated.notna()
    kept = frame[valid].assign(is_copy=lambda rows: rows.duplicated())
    with duckdb.connect(str(database)) as con:
        con.register("kept", kept)
        con.execute("CREATE TABLE employment AS SELECT * FROM kept")
    return len(kept)


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
        print(f"{'file':<12}{'rows':>10}{'MB':>8}{'floor s':>10}{'decode s':>10}{'peer s':>10}"
              f"{'loader s':>10}{'rows/s':>12}{'load/floor':>12}{'peer/load':>11}")
        ratios, peer_ratios, total_rows, total_load, total_floor, total_peer = [], [], 0, 0.0, 0.0, 0.0
        for index, path in enumerate(files):
            data = path.read_bytes()
            decode_s = timed(lambda: data.decode("cp949"))
            utf8_path = scratch / f"utf8_{path.name}"
            utf8_path.write_text(data.decode("cp949"), encoding="utf-8")
            floor_s = duckdb_floor(utf8_path, scratch / f"floor_{index}.duckdb")
            pandas_s = timed(lambda: pandas_peer(path, scratch / f"peer_{index}.duckdb"))
            warehouse = scratch / f"bench_{index}.duckdb"
            summary = None

            def load():
                nonlocal summary
                summary = load_landing(landing, warehouse, feeds=["employment"], paths=[path])

            load_s = timed(load)
            rows = summary.files[0].rows_read
            ratio = load_s / floor_s
            ratios.append(ratio)
            peer_ratios.append(pandas_s / load_s)
            total_rows, total_load, total_floor = total_rows + rows, total_load + load_s, total_floor + floor_s
            total_peer += pandas_s
            print(f"{data_month_of_file(path):<12}{rows:>10,}{len(data) / 1e6:>8.1f}{floor_s:>10.2f}{decode_s:>10.2f}"
                  f"{pandas_s:>10.2f}{load_s:>10.2f}{rows / load_s:>12,.0f}{ratio:>12.2f}{pandas_s / load_s:>11.2f}")
        print(f"total: {total_rows:,} rows; loader {total_rows / total_load:,.0f} rows/s; "
              f"DuckDB floor {total_rows / total_floor:,.0f} rows/s; pandas peer {total_rows / total_peer:,.0f} "
              f"rows/s; loader/floor median {statistics.median(ratios):.2f}; peer/loader median "
              f"{statistics.median(peer_ratios):.2f} (goal >= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
