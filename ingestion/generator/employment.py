"""The employment feed: the NPS enrolled-workplace file, one CP949 CSV per month, written as the public file is.

Subscriber counts evolve month by month (own drift plus noise, faster after a firm's first programme payment);
new and lost subscribers add up to the change. Each month is built as whole pyarrow columns of CP949 bytes and
written with one call, so a national month of ~600,000 rows takes a couple of seconds.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from ingestion.contracts.employment import HEADER, HEADER_LEGENDS
from ingestion.generator.programme import WrittenFile
from ingestion.generator.reference import Seeds, month_end
from ingestion.generator.workplaces import (
    DIVISIONS, ENCODING, HEADS, METROPOLITAN, WorkplacePool, dates_yyyymmdd, digits, encoded, join,
)

SUPPORT_EFFECT = 0.0075     # extra monthly log growth of a supported firm from its first payment
MONTHLY_NOISE = 0.04        # standard deviation of a workplace's monthly log-size shock
TURNOVER = 0.02             # share of last month's subscribers replaced within the month


def header_line(leading_space: set[int]) -> bytes:
    """The header as the public file writes it: legends embedded, some names with a leading space."""
    names = [f"{name} {HEADER_LEGENDS[name]}" if name in HEADER_LEGENDS else name for name in HEADER]
    names = [" " + name if k in leading_space else name for k, name in enumerate(names)]
    return (",".join(names) + "\n").encode(ENCODING)


SIGUNGU_PER_REGION = 25


def _sigungu_names(seeds: Seeds) -> pa.Array:
    """Synthetic city/county names, SIGUNGU_PER_REGION per region (k-th for code 110 + 30k), each with a
    trailing space; 세종 has none. Index: region position * SIGUNGU_PER_REGION + k."""
    names = []
    for position, region in enumerate(seeds.regions):
        for k in range(SIGUNGU_PER_REGION):
            suffix = "구" if region.code in METROPOLITAN else ("시" if k % 3 else "군")
            names.append("" if region.code == "36" else HEADS[(k * 7 + position * 3) % len(HEADS)] + suffix + " ")
    return encoded(names)


class EmploymentWriter:
    """Simulates subscribers of the whole workplace pool and writes one month file at a time."""

    def __init__(self, seeds: Seeds, pool: WorkplacePool, supported_from: np.ndarray, months: list[dt.date]):
        order = np.argsort(pool.file_rank, kind="stable")
        self.pool = pool.subset(order)
        self.supported_from = supported_from[order]
        self.months = months
        self.seeds = seeds
        regions = seeds.regions
        # Delivered-code table: the current code of each region, then each legacy code.
        position = {r.code: k for k, r in enumerate(regions)}
        self.legacy = [(position[lc.current], lc) for lc in seeds.legacy_codes]
        self.code_table = encoded([r.code for r in regions] + [lc.legacy for _, lc in self.legacy])
        self.name_table = encoded([r.name_ko for r in regions] + [lc.name_ko for _, lc in self.legacy])
        self._static_columns()
        self.log_size = self.pool.log_size.copy()
        self.last_count = np.maximum(1, np.rint(np.exp(self.log_size))).astype(np.int64)

    def _static_columns(self) -> None:
        p = self.pool
        sigungu = _sigungu_names(self.seeds).take(pa.array(p.region * SIGUNGU_PER_REGION + (p.sigungu - 110) // 30))
        streets = encoded(HEADS).take(pa.array(p.street))
        numbers = digits(p.street_no, 1)
        division_names = {d: name for d, name, _ in DIVISIONS}
        industry_name = encoded(division_names[d] for d in sorted(division_names)).take(
            pa.array(np.searchsorted(sorted(division_names), p.division)))
        self.name_and_brn = join(p.names(), digits(p.prefix6, 6), sep=b",")
        self.postcode = digits(p.postcode, 5)
        self.lot_tail = join(sigungu, streets, "동 ".encode(ENCODING), numbers, b"-",
                             digits(p.street_no * 13 % 40 + 1, 1))
        self.road_tail = join(sigungu, streets, "로".encode(ENCODING), digits(p.street_no % 50 + 1, 1),
                              "번길 ".encode(ENCODING), digits(p.street_no * 7 % 300 + 1, 1))
        self.legal_dong_tail = join(digits(p.sigungu, 3), digits(p.town, 3), b"00")
        self.admin_dong_tail = join(digits(p.sigungu, 3), digits(p.admin_town, 3), b"00")
        self.sigungu = digits(p.sigungu, 3)
        self.town_to_dates = join(digits(p.town, 3), pc.if_else(pa.array(p.corporate), b"1", b"2"),
                                  digits(p.ksic * 10, 6), industry_name, dates_yyyymmdd(p.covered_from),
                                  dates_yyyymmdd(p.reregistered), sep=b",")

    def _delivered_codes(self, rng: np.random.Generator, month: dt.date, region: np.ndarray) -> np.ndarray:
        """Index into the code table: legacy codes before their change date, a mix in the change month."""
        delivered = region.copy()
        days = (month_end(month) - month).days + 1
        for k, (current_index, legacy) in enumerate(self.legacy):
            legacy_share = min(1.0, max(0.0, (legacy.changed_on - month).days / days))
            if legacy_share == 0:
                continue
            here = region == current_index
            use_legacy = here & (rng.random(len(region)) < legacy_share)
            delivered[use_legacy] = len(self.seeds.regions) + k
        return delivered

    def month_bytes(self, index: int, rng: np.random.Generator, month_style: str,
                    leading_space: set[int]) -> tuple[bytes, int]:
        """Simulate month `index` and return the file's bytes and its data row count."""
        p = self.pool
        month = self.months[index]
        self.log_size += p.drift + rng.normal(0, MONTHLY_NOISE, len(p)) \
            + SUPPORT_EFFECT * (self.supported_from <= index)
        count_now = np.maximum(1, np.rint(np.exp(self.log_size))).astype(np.int64)
        rows = np.flatnonzero((p.entry <= index) & (p.exit >= index))
        withdrawing = p.exit[rows] == index
        subscribers = np.where(withdrawing, 0, count_now[rows])
        previous = np.where(p.born_in_window[rows] & (p.entry[rows] == index), 0, self.last_count[rows])
        self.last_count = count_now
        change = subscribers - previous
        shrink = np.maximum(-change, 0)
        churn = np.minimum(rng.poisson(TURNOVER * previous), previous - shrink)
        new = np.maximum(change, 0) + churn
        lost = shrink + churn
        withdrawn_on = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[D]")
        withdrawn_on[withdrawing] = np.datetime64(month, "D") + rng.integers(0, month_end(month).day,
                                                                             withdrawing.sum())
        delivered = pa.array(self._delivered_codes(rng, month, p.region[rows]))
        code = self.code_table.take(delivered)
        region_name = self.name_table.take(delivered)
        take = pa.array(rows)
        lines = join(
            month.strftime(month_style).encode(ENCODING),
            self.name_and_brn.take(take),
            pc.if_else(pa.array(withdrawing), b"2", b"1"),
            self.postcode.take(take),
            join(region_name, self.lot_tail.take(take), sep=b" "),
            join(region_name, self.road_tail.take(take), sep=b" "),
            join(code, self.legal_dong_tail.take(take)),
            join(code, self.admin_dong_tail.take(take)),
            code,
            join(code, self.sigungu.take(take)),
            self.town_to_dates.take(take),
            dates_yyyymmdd(withdrawn_on),
            digits(subscribers, 1),
            digits(subscribers * p.billed_per_head[rows].astype(np.int64), 1),
            digits(new, 1),
            digits(lost, 1),
            sep=b",",
        )
        lines = join(lines, b"\n")
        # Exact duplicate rows, as the public file has: a few rows repeated right after themselves.
        repeated = rng.choice(len(rows), int(rng.integers(2, 6)), replace=False)
        lines = lines.take(pa.array(np.sort(np.concatenate([np.arange(len(rows)), repeated]))))
        return header_line(leading_space) + _concatenated(lines), len(lines)


def _concatenated(lines: pa.Array) -> bytes:
    """All values of a binary array back to back (each line already ends with its newline)."""
    lines = pa.concat_arrays([lines])
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


def write_employment_files(rng: np.random.Generator, seed: int, seeds: Seeds, pool: WorkplacePool,
                           supported_from: np.ndarray, months: list[dt.date], out_dir: Path,
                           progress: bool) -> list[WrittenFile]:
    """One file per month, employment/nps_YYYYMM.csv; month style and leading-space headers vary by file."""
    writer = EmploymentWriter(seeds, pool, supported_from, months)
    n = len(months)
    dashed_months = set(rng.choice(n, max(1, round(n * 0.4)), replace=False).tolist())
    spaced_months = set(rng.choice(n, max(1, round(n * 0.25)), replace=False).tolist())
    written = []
    for index in tqdm(range(n), desc="employment months", unit="file", disable=not progress):
        month_rng = np.random.default_rng([seed, 5, months[index].year, months[index].month])
        leading_space = set(month_rng.choice(len(HEADER), int(month_rng.integers(3, 9)), replace=False).tolist()) \
            if index in spaced_months else set()
        data, rows = writer.month_bytes(index, month_rng, "%Y-%m" if index in dashed_months else "%Y%m",
                                        leading_space)
        path = f"employment/nps_{months[index]:%Y%m}.csv"
        (out_dir / path).write_bytes(data)
        written.append(WrittenFile(path, ENCODING, rows))
    return written
