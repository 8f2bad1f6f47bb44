"""Programme firms and the firm-designation feed: who is designated, at which stage and when, and the batch files.

Programme firms are drawn from the simulated workplaces of the 14 non-capital regions (so they appear in the
employment feed under a variant of their name), plus a few firms the NPS file does not carry. Each regional
agency delivers one list per designation round, in its own date style and region spelling: a CSV in its own
encoding, or (about a third of the lists, as agencies keep them in Excel) an .xlsx workbook whose dates are date
cells in some files and text in others. The legacy layout writes every list as CSV.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.writer.excel import ExcelWriter

from ingestion.contracts import firms as firms_contract
from ingestion.contracts.firms import STAGES
from generator.reference import (
    DESIGNATION_ROUNDS, KEY_INDUSTRY_NAMES_KO, PROVISIONAL_CORE_INDUSTRIES, Scale, Seeds,
)
from generator.workplaces import (
    DIVISIONS, LEGAL_FORMS, WorkplacePool, in_any_moved_sigungu, random_workplaces,
)
from ingestion.contracts.identifiers import brn_check_digit, format_brn

FIRM_FILE_ENCODINGS = ("utf-8", "utf-8-sig", "cp949")
DATE_STYLES = ("%Y-%m-%d", "%Y.%m.%d", "%Y%m%d")
FIRST_ROUND_WEIGHTS = np.array([0.24, 0.18, 0.16, 0.13, 0.11, 0.10, 0.08])
UNMATCHED_SHARE = 0.03     # programme firms the NPS file does not carry
TWIN_SHARE = 0.015         # programme firms with a same-prefix, same-name workplace in their region
WITHDRAWAL_SHARE = 0.05    # candidates; only those with a later batch to report them are withdrawn
FIRM_LEGAL_FORMS = (0, 1)  # the agencies write (주)X or 주식회사 X
WORKBOOK_SHARE = 1 / 3     # lists delivered as .xlsx in the published layout
WORKBOOK_SHEET = "지정기업"
# Fixed workbook timestamps (document properties and zip entries), so the same seed gives the same bytes.
WORKBOOK_TIMESTAMP = dt.datetime(2026, 7, 1)


@dataclass
class ProgrammeFirm:
    """One designated firm: identity, industry, stage history and (maybe) withdrawal."""

    brn: str                        # 10 digits
    name: str                       # as the regional agency writes it
    region: str                     # current 2-digit code
    ksic: int
    industry_type: str              # 주축 | 미래 | 초광역
    key_industry: str
    workplace: int | None           # index into the workplace pool; None when the NPS file lacks the firm
    history: list[tuple[str, int]] = field(default_factory=list)   # (stage, designation round)
    withdrawn_on: dt.date | None = None
    withdrawal_round: int | None = None


@dataclass
class FirmRow:
    """A row of a designation batch before it is formatted."""

    firm: ProgrammeFirm
    stage: str
    designated_on: dt.date
    withdrawn_on: dt.date | None


@dataclass
class Designations:
    firms: list[ProgrammeFirm]
    batch_dates: dict[tuple[str, int], dt.date]     # (region code, round) -> designation date of that batch

    def stage_dates(self, firm: ProgrammeFirm) -> list[tuple[str, dt.date]]:
        return [(stage, self.batch_dates[(firm.region, rnd)]) for stage, rnd in firm.history]


def _division_preference(division: np.ndarray) -> np.ndarray:
    manufacturing = (division >= 10) & (division <= 34)
    knowledge = np.isin(division, (58, 62, 63, 70, 72))
    return np.where(manufacturing, 8.0, np.where(knowledge, 3.0, 0.15))


def _favour_manufacturing(rng: np.random.Generator, pool: WorkplacePool, chosen: np.ndarray) -> None:
    """Move most chosen non-manufacturing workplaces into manufacturing (where the programme's firms mostly are),
    so even a small demo pool yields a manufacturing-heavy programme."""
    outside = chosen[((pool.division[chosen] < 10) | (pool.division[chosen] > 34)) & (rng.random(len(chosen)) < 0.8)]
    manufacturing = [(d, w) for d, _, w in DIVISIONS if 10 <= d <= 34]
    codes, weights = np.array([d for d, _ in manufacturing]), np.array([w for _, w in manufacturing])
    pool.division[outside] = rng.choice(codes, len(outside), p=weights / weights.sum())
    pool.ksic[outside] = pool.division[outside] * 1000 + pool.ksic[outside] % 1000


def new_brn(rng: np.random.Generator, prefix6: int, taken: set[str]) -> str:
    while True:
        first_nine = f"{prefix6:06d}{rng.integers(0, 1000):03d}"
        brn = first_nine + str(brn_check_digit(first_nine))
        if brn not in taken:
            taken.add(brn)
            return brn


def _key_industry(rng: np.random.Generator, seeds: Seeds, region: str, industry_type: str) -> str:
    """The 주력산업 an agency writes: one of the region's key industries of that type in the seeds, in Korean."""
    options = [KEY_INDUSTRY_NAMES_KO[i] for i in seeds.key_industries(industry_type, region)]
    if not options:          # core industries the seed leaves provisional
        options = list(PROVISIONAL_CORE_INDUSTRIES)
    return options[rng.integers(0, len(options))]


def _stage_path(rng: np.random.Generator, final_stage: str) -> list[tuple[str, int]]:
    """Stages a firm passes through and the rounds it reaches them, ending at `final_stage`."""
    final = STAGES.index(final_stage)
    draw = rng.random()
    if final == 2:
        steps = 3 if draw < 0.1 else 2 if draw < 0.5 else 1
    elif final == 1:
        steps = 2 if draw < 0.3 else 1
    else:
        steps = 1
    rounds = np.sort(rng.choice(len(DESIGNATION_ROUNDS), steps, replace=False,
                                p=FIRST_ROUND_WEIGHTS / FIRST_ROUND_WEIGHTS.sum()))
    return [(STAGES[final - steps + 1 + k], int(rnd)) for k, rnd in enumerate(rounds)]


def designate(rng: np.random.Generator, seeds: Seeds, scale: Scale,
              pool: WorkplacePool) -> tuple[Designations, WorkplacePool]:
    """Choose the programme firms, their stages and dates; returns the designations and the pool with twins added.

    Programme workplaces withdraw from NPS like any other workplace (so leaving the file is no sign of support), and
    their NPS name is a variant of the name the agency writes: another legal form, sometimes other spacing, capitals for Latin names. Construction sites,
    names with a comma and workplaces of a moved 시군구 are left out, so every firm links on its own region's code.
    """
    regions = seeds.regions
    codes = np.array([r.code for r in regions])
    capital = np.array([r.is_capital_area for r in regions])
    total = scale.programme_firms
    n_unmatched = max(2, round(total * UNMATCHED_SHARE))
    moved = in_any_moved_sigungu(pool, regions, seeds.sigungu_moves)
    eligible = np.flatnonzero(pool.corporate & ~capital[pool.region] & (pool.entry == 0) & ~pool.born_in_window
                              & ~pool.construction_site & ~pool.comma & ~moved)
    weights = np.exp(0.8 * pool.log_size[eligible]) * _division_preference(pool.division[eligible])
    chosen = np.sort(rng.choice(eligible, total - n_unmatched, replace=False, p=weights / weights.sum()))
    _favour_manufacturing(rng, pool, chosen)

    absent = random_workplaces(rng, regions, n_unmatched, True, np.zeros(n_unmatched, dtype=np.int64),
                               np.zeros(n_unmatched, dtype=bool),
                               np.full(n_unmatched, np.datetime64("2010-01-01"), dtype="datetime64[D]"),
                               capital_area=False)
    manufacturing = rng.integers(10, 35, n_unmatched)
    absent.division = manufacturing
    absent.ksic = manufacturing * 1000 + absent.ksic % 1000

    sources = [(pool, int(i)) for i in chosen] + [(absent, i) for i in range(n_unmatched)]
    score = np.array([src.log_size[i] for src, i in sources]) + rng.normal(0, 0.6, total)
    order = np.argsort(-score, kind="stable")
    n_leading = scale.leading_core + scale.leading_supra
    leading, preliminary = order[:n_leading], order[n_leading:n_leading + scale.preliminary]
    cross_regions = {r.code for r in regions if seeds.key_industries("초광역", r.code)}
    supra_candidates = [k for k in leading if codes[sources[k][0].region[sources[k][1]]] in cross_regions]
    supra = set(rng.choice(supra_candidates, scale.leading_supra, replace=False).tolist())

    leading_set, preliminary_set = set(leading.tolist()), set(preliminary.tolist())
    taken: set[str] = set()
    firms = []
    for k, (src, i) in enumerate(sources):
        region = str(codes[src.region[i]])
        if k in supra:
            final_stage, industry_type = "선도", "초광역"
        elif k in leading_set:
            final_stage, industry_type = "선도", "주축"
        else:
            final_stage = "예비" if k in preliminary_set else "잠재"
            draw = rng.random()
            industry_type = "초광역" if draw < 0.05 and region in cross_regions else "미래" if draw < 0.32 else "주축"
        nps_form = int(src.legal_form[i])
        firm_form = [f for f in FIRM_LEGAL_FORMS if f != nps_form][rng.integers(0, 2 if nps_form > 1 else 1)]
        spaced = bool(src.spaced[i]) != (rng.random() < 0.3)
        if src.latin[i]:
            src.latin_upper[i] = True
        prefix, suffix = LEGAL_FORMS[firm_form]
        firms.append(ProgrammeFirm(
            brn=new_brn(rng, int(src.prefix6[i]), taken),
            name=prefix + src.base_name(i, spaced=spaced, upper=False) + suffix,
            region=region, ksic=int(src.ksic[i]), industry_type=industry_type,
            key_industry=_key_industry(rng, seeds, region, industry_type),
            workplace=i if src is pool else None, history=_stage_path(rng, final_stage),
        ))

    batch_dates = {(r.code, rnd): month_start + dt.timedelta(days=int(rng.integers(0, 25)))
                   for r in regions if r.is_programme_region
                   for rnd, month_start in enumerate(DESIGNATION_ROUNDS)}
    designations = Designations(firms, batch_dates)
    _withdraw(rng, designations)
    return designations, pool.extended(_twins(rng, pool, chosen))


def _withdraw(rng: np.random.Generator, designations: Designations) -> None:
    """Withdraw a few firms; each withdrawal is reported in the region's next batch."""
    for firm in designations.firms:
        if rng.random() >= WITHDRAWAL_SHARE:
            continue
        last_designated = designations.batch_dates[(firm.region, firm.history[-1][1])]
        withdrawn_on = last_designated + dt.timedelta(days=int(rng.integers(60, 600)))
        later = [rnd for rnd in range(len(DESIGNATION_ROUNDS))
                 if designations.batch_dates[(firm.region, rnd)] > withdrawn_on]
        if later:
            firm.withdrawn_on, firm.withdrawal_round = withdrawn_on, later[0]


def _twins(rng: np.random.Generator, pool: WorkplacePool, chosen: np.ndarray) -> WorkplacePool:
    """Workplaces sharing a programme firm's 6-digit prefix, region and name: the ambiguous cases of linkage."""
    count = max(2, round(len(chosen) * TWIN_SHARE))
    twins = pool.subset(np.sort(rng.choice(chosen, count, replace=False)))
    twins.log_size = np.log(np.exp(rng.normal(1.45, 1.0, count)) + 2)
    twins.legal_form = rng.integers(0, len(LEGAL_FORMS), count)
    twins.exit = rng.geometric(0.006, count) - 1
    twins.street = rng.integers(0, pool.street.max() + 1, count)
    twins.postcode = twins.postcode // 1000 * 1000 + rng.integers(0, 1000, count)
    twins.covered_from = twins.covered_from + rng.integers(-3000, 0, count)
    twins.file_rank = rng.random(count)
    return twins


def firm_rows_by_batch(designations: Designations) -> dict[tuple[str, int], list[FirmRow]]:
    """The rows each regional batch delivers: new designations, promotions and withdrawals."""
    batches: dict[tuple[str, int], list[FirmRow]] = {}
    for firm in designations.firms:
        for stage, rnd in firm.history:
            batches.setdefault((firm.region, rnd), []).append(
                FirmRow(firm, stage, designations.batch_dates[(firm.region, rnd)], None))
        if firm.withdrawal_round is not None:
            stage, rnd = firm.history[-1]
            batches.setdefault((firm.region, firm.withdrawal_round), []).append(
                FirmRow(firm, stage, designations.batch_dates[(firm.region, rnd)], firm.withdrawn_on))
    return batches


def batch_file_name(seeds: Seeds, region: str, rnd: int, number: int | None = None) -> str:
    """firms/<region>_<YYYY>_batch<NN>.csv, NN counting the rounds of that year (or `number` if given); a workbook
    takes the same stem with .xlsx."""
    year = DESIGNATION_ROUNDS[rnd].year
    if number is None:
        number = sum(1 for month in DESIGNATION_ROUNDS[:rnd + 1] if month.year == year)
    name_en = next(r.name_en for r in seeds.regions if r.code == region).lower().replace(" ", "-")
    return f"firms/{name_en}_{year}_batch{number:02d}.csv"


def format_firm_row(rng: np.random.Generator, seeds: Seeds, row: FirmRow, date_style: str, dashed: bool) -> list[str]:
    """The nine fields of a designation row, in the agency's conventions (with some row-level variety)."""
    if rng.random() < 0.15:
        date_style = DATE_STYLES[rng.integers(0, len(DATE_STYLES))]
    if rng.random() < 0.2:
        dashed = not dashed
    variants = seeds.region_variants(row.firm.region, row.designated_on)
    return [
        format_brn(row.firm.brn) if dashed else row.firm.brn,
        row.firm.name,
        variants[rng.integers(0, len(variants))],
        f"{row.firm.ksic:05d}",
        row.firm.key_industry,
        row.firm.industry_type,
        row.stage,
        row.designated_on.strftime(date_style),
        row.withdrawn_on.strftime(date_style) if row.withdrawn_on else "",
    ]


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(firms_contract.HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip archive whose entries all carry WORKBOOK_TIMESTAMP instead of the time they were written."""

    def writestr(self, name, data, *args, **kwargs):
        if isinstance(name, str):
            name = zipfile.ZipInfo(name, WORKBOOK_TIMESTAMP.timetuple()[:6])
            name.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(name, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        """openpyxl writes each worksheet from a temporary file, whose modification time would be stored."""
        self.writestr(arcname or str(filename), Path(filename).read_bytes())


def workbook_bytes(rows: list[list[str | dt.date | None]]) -> bytes:
    """An .xlsx with one sheet: the contract header in row 1, then the rows; empty fields are empty cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = WORKBOOK_SHEET
    sheet.append(list(firms_contract.HEADER))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    workbook.properties.created = workbook.properties.modified = WORKBOOK_TIMESTAMP
    buffer = io.BytesIO()
    with _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


@dataclass(frozen=True)
class WrittenFile:
    """A landing file the generator wrote: its path relative to the landing folder, encoding and data rows."""

    path: str
    encoding: str | None     # None for an .xlsx workbook
    rows: int


def write_firm_files(rng: np.random.Generator, seeds: Seeds, designations: Designations, out_dir: Path,
                     legacy_layout: bool) -> list[WrittenFile]:
    """One list per region and round, each in its own date style and business-number style: a CSV in its own
    encoding, or a workbook with date cells or text dates (CSV only in the legacy layout)."""
    written = []
    batches = firm_rows_by_batch(designations)
    for region, rnd in sorted(batches, key=lambda key: (key[1], key[0])):
        rows = batches[(region, rnd)]
        order = rng.permutation(len(rows))
        encoding = FIRM_FILE_ENCODINGS[rng.integers(0, len(FIRM_FILE_ENCODINGS))]
        date_style = DATE_STYLES[rng.integers(0, len(DATE_STYLES))]
        dashed = bool(rng.random() < 0.5)
        as_workbook = bool(rng.random() < WORKBOOK_SHARE) and not legacy_layout
        date_cells = bool(rng.random() < 0.5)
        lines = [format_firm_row(rng, seeds, rows[k], date_style, dashed) for k in order]
        path = batch_file_name(seeds, region, rnd)
        if as_workbook:
            if date_cells:
                for line, k in zip(lines, order):
                    line[7], line[8] = rows[k].designated_on, rows[k].withdrawn_on
            path = path.removesuffix(".csv") + ".xlsx"
            (out_dir / path).write_bytes(workbook_bytes(lines))
            encoding = None
        else:
            (out_dir / path).write_bytes(csv_text(lines).encode(encoding))
        written.append(WrittenFile(path, encoding, len(lines)))
    return written
