"""The employment feed: the NPS enrolled-workplace file, one CP949 CSV per month, written as the public file is.

Subscriber counts follow each workplace's latent path (generator.effects.LatentPaths: own drift plus noise), plus
the planted programme's effect after its first payment; new and lost subscribers add up to the change. Each month is built as whole pyarrow columns of CP949 bytes and
written with one call, so a national month of ~600,000 rows takes a couple of seconds.

The published layout (the default) is the portal's: the file named by its posting date
(`국민연금공단_국민연금 가입 사업장 내역_YYYYMMDD.csv`, the data month only inside), 자료생성년월 as YYYY-MM (a few
files YYYYMM), dates as YYYY-MM-DD, the 시군구 and 읍면동 fields as their own 3-digit parts, and in some files a
space before every header name but the first. The legacy layout is the older one: `nps_YYYYMM.csv`, YYYYMM months,
YYYYMMDD dates, the 시군구 field as region code + 3-digit part, and a space before a few random header names.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from ingestion.contracts.employment import HEADER, HEADER_LEGENDS
from generator.effects import LatentPaths, planted_jobs
from generator.programme import WrittenFile
from generator.reference import Seeds, month_add, month_end
from generator.workplaces import (
    DIVISIONS, ENCODING, HEADS, METROPOLITAN, csv_quoted, dates_text, digits, encoded, join,
    moved_sigungu,
)

TURNOVER = 0.02             # share of last month's subscribers replaced within the month
PUBLISHED_NAME = "국민연금공단_국민연금 가입 사업장 내역_{posted:%Y%m%d}.csv"
LEGACY_NAME = "nps_{month:%Y%m}.csv"
PLAIN_MONTH_SHARE = 0.15    # published files that still write 자료생성년월 as YYYYMM, as older releases did
SPACED_HEADER_SHARE = 0.25  # files with leading spaces in their header names
# A moved 시군구's workplaces: share of their rows still carrying the old region code after the change date,
# within the change month and in every later month (files catch up slowly; the bridge seed expects it).
MOVED_SIGUNGU_LAG = (0.5, 0.03)


def header_line(leading_space: set[int]) -> bytes:
    """The header as the public file writes it: legends embedded, some names with a leading space."""
    names = [f"{name} {HEADER_LEGENDS[name]}" if name in HEADER_LEGENDS else name for name in HEADER]
    names = [" " + name if k in leading_space else name for k, name in enumerate(names)]
    return (",".join(names) + "\n").encode(ENCODING)


def posting_date(rng: np.random.Generator, month: dt.date) -> dt.date:
    """The day the portal posts a data month: mostly the 15th-28th of the next month, now and then early in the
    month after that. A posting month may then hold two data months, but posting dates keep their order."""
    if rng.random() < 0.1:
        return month_add(month, 2) + dt.timedelta(days=int(rng.integers(0, 10)))
    return month_add(month, 1) + dt.timedelta(days=int(rng.integers(14, 28)))


SIGUNGU_PER_REGION = 25


def _sigungu_names(seeds: Seeds) -> pa.Array:
    """City/county names with a trailing space: SIGUNGU_PER_REGION synthetic ones per region (k-th for code
    110 + 30k; 세종 has none), index region position * SIGUNGU_PER_REGION + k, then the moved 시군구 in seed order."""
    names = []
    for position, region in enumerate(seeds.regions):
        for k in range(SIGUNGU_PER_REGION):
            suffix = "구" if region.code in METROPOLITAN else ("시" if k % 3 else "군")
            names.append("" if region.code == "36" else HEADS[(k * 7 + position * 3) % len(HEADS)] + suffix + " ")
    return encoded(names + [move.name_ko + " " for move in seeds.sigungu_moves])


@dataclass(frozen=True)
class OldCode:
    """Workplaces files deliver under an older region code: all their rows before `changed_on`, then a share."""

    workplaces: np.ndarray      # bool per workplace, in file order
    code_index: int             # index into the writer's code table
    changed_on: dt.date
    in_change_month: float      # share of the rows dated after the change, within the change month
    afterwards: float           # share in every later month

    def share(self, month: dt.date) -> float:
        """Share of this month's rows of these workplaces that carry the old code."""
        if month_end(month) < self.changed_on:
            return 1.0
        if month <= self.changed_on:
            before = (self.changed_on - month).days / ((month_end(month) - month).days + 1)
            return before + (1 - before) * self.in_change_month
        return self.afterwards


class EmploymentWriter:
    """Simulates subscribers of the whole workplace pool and writes one month file at a time."""

    def __init__(self, seeds: Seeds, paths: LatentPaths, planted_start: np.ndarray, months: list[dt.date],
                 legacy_layout: bool):
        order = np.argsort(paths.pool.file_rank, kind="stable")
        self.pool = paths.pool.subset(order)
        self.order = order
        self.paths = paths
        self.planted_start = planted_start[order]
        self.months = months
        self.seeds = seeds
        self.legacy_layout = legacy_layout
        regions = seeds.regions
        position = {r.code: k for k, r in enumerate(regions)}
        # Delivered-code table: the current code of each region, then each legacy code.
        self.code_table = encoded([r.code for r in regions] + [lc.legacy for lc in seeds.legacy_codes])
        self.name_table = encoded([r.name_ko for r in regions] + [lc.name_ko for lc in seeds.legacy_codes])
        self.old_codes = [
            OldCode(self.pool.region == position[lc.current], len(regions) + k, lc.changed_on, 0.0, 0.0)
            for k, lc in enumerate(seeds.legacy_codes)
        ] + [
            OldCode(moved_sigungu(self.pool, regions, move), position[move.old_region], move.changed_on,
                    *MOVED_SIGUNGU_LAG)
            for move in seeds.sigungu_moves
        ]
        self._static_columns()
        self.last_count = np.maximum(1, np.rint(np.exp(self.pool.log_size))).astype(np.int64)

    def _static_columns(self) -> None:
        p, seeds = self.pool, self.seeds
        name_index = p.region * SIGUNGU_PER_REGION + (p.sigungu - 110) // 30
        for k, move in enumerate(seeds.sigungu_moves):
            name_index[moved_sigungu(p, seeds.regions, move)] = len(seeds.regions) * SIGUNGU_PER_REGION + k
        sigungu = _sigungu_names(seeds).take(pa.array(name_index))
        streets = encoded(HEADS).take(pa.array(p.street))
        numbers = digits(p.street_no, 1)
        division_names = {d: name for d, name, _ in DIVISIONS}
        industry_name = encoded(division_names[d] for d in sorted(division_names)).take(
            pa.array(np.searchsorted(sorted(division_names), p.division)))
        dashed = not self.legacy_layout
        self.site = pa.array(p.construction_site)
        self.name_and_brn = join(csv_quoted(p.names()), digits(p.prefix6, 6), sep=b",")
        self.postcode = self._blank_for_sites(digits(p.postcode, 5), self.site)
        self.lot_tail = join(sigungu, streets, "동 ".encode(ENCODING), numbers, b"-",
                             digits(p.street_no * 13 % 40 + 1, 1))
        self.road_tail = join(sigungu, streets, "로".encode(ENCODING), digits(p.street_no % 50 + 1, 1),
                              "번길 ".encode(ENCODING), digits(p.street_no * 7 % 300 + 1, 1))
        self.legal_dong_tail = join(digits(p.sigungu, 3), digits(p.town, 3), b"00")
        self.admin_dong_tail = join(digits(p.sigungu, 3), digits(p.admin_town, 3), b"00")
        self.sigungu = digits(p.sigungu, 3)
        self.town = self._blank_for_sites(digits(p.town, 3), self.site)
        self.type_to_dates = join(pc.if_else(pa.array(p.corporate), b"1", b"2"), digits(p.ksic * 10, 6),
                                  industry_name, dates_text(p.covered_from, dashed),
                                  dates_text(p.reregistered, dashed), sep=b",")

    @staticmethod
    def _blank_for_sites(values: pa.Array, site: pa.Array) -> pa.Array:
        """Construction sites carry no postcode, address or dong code."""
        return pc.if_else(site, b"", values)

    def _delivered_codes(self, rng: np.random.Generator, month: dt.date, rows: np.ndarray) -> np.ndarray:
        """Index into the code table for each row: the current code, or an old one while files still use it."""
        delivered = self.pool.region[rows].copy()
        for old in self.old_codes:
            share = old.share(month)
            if share == 0:
                continue
            use_old = old.workplaces[rows] & (rng.random(len(rows)) < share)
            delivered[use_old] = old.code_index
        return delivered

    def month_bytes(self, index: int, rng: np.random.Generator, month_style: str,
                    leading_space: set[int]) -> tuple[bytes, int]:
        """Simulate month `index` and return the file's bytes and its data row count."""
        p = self.pool
        month = self.months[index]
        log_size = self.paths.log_size[index][self.order].astype(np.float64)
        expected = np.exp(log_size) + planted_jobs(self.planted_start, index)
        count_now = np.maximum(1, np.rint(expected)).astype(np.int64)
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
        delivered = pa.array(self._delivered_codes(rng, month, rows))
        code = self.code_table.take(delivered)
        region_name = self.name_table.take(delivered)
        take = pa.array(rows)
        site = self.site.take(take)
        sigungu = self.sigungu.take(take)
        lines = join(
            month.strftime(month_style).encode(ENCODING),
            self.name_and_brn.take(take),
            pc.if_else(pa.array(withdrawing), b"2", b"1"),
            self.postcode.take(take),
            self._blank_for_sites(join(region_name, self.lot_tail.take(take), sep=b" "), site),
            self._blank_for_sites(join(region_name, self.road_tail.take(take), sep=b" "), site),
            self._blank_for_sites(join(code, self.legal_dong_tail.take(take)), site),
            self._blank_for_sites(join(code, self.admin_dong_tail.take(take)), site),
            code,
            self._blank_for_sites(join(code, sigungu) if self.legacy_layout else sigungu, site),
            self.town.take(take),
            self.type_to_dates.take(take),
            dates_text(withdrawn_on, not self.legacy_layout),
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


def write_employment_files(rng: np.random.Generator, seed: int, seeds: Seeds, paths: LatentPaths,
                           planted_start: np.ndarray, months: list[dt.date], out_dir: Path,
                           progress: bool, legacy_layout: bool) -> list[WrittenFile]:
    """One file per month, named and formatted in the published layout (or the legacy one); the 자료생성년월 form
    and the header spacing vary by file."""
    writer = EmploymentWriter(seeds, paths, planted_start, months, legacy_layout)
    n = len(months)
    # Every draw is made in either layout, so both layouts simulate the same subscribers.
    plain_months = set(rng.choice(n, round(n * PLAIN_MONTH_SHARE), replace=False).tolist())
    spaced_months = set(rng.choice(n, max(1, round(n * SPACED_HEADER_SHARE)), replace=False).tolist())
    written = []
    for index in tqdm(range(n), desc="employment months", unit="file", disable=not progress):
        month = months[index]
        month_rng = np.random.default_rng([seed, 5, month.year, month.month])
        posted_on = posting_date(month_rng, month)
        random_names = set(month_rng.choice(len(HEADER), int(month_rng.integers(3, 9)), replace=False).tolist())
        if index not in spaced_months:
            leading_space = set()
        elif legacy_layout:
            leading_space = random_names
        else:
            leading_space = set(range(1, len(HEADER)))
        month_style = "%Y%m" if legacy_layout or index in plain_months else "%Y-%m"
        data, rows = writer.month_bytes(index, month_rng, month_style, leading_space)
        name = LEGACY_NAME.format(month=month) if legacy_layout else PUBLISHED_NAME.format(posted=posted_on)
        path = f"employment/{name}"
        (out_dir / path).write_bytes(data)
        written.append(WrittenFile(path, ENCODING, rows))
    return written
