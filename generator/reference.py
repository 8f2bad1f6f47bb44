"""Reference inputs of the sample-feed generator: the seeds it reads, its calendar and its scale settings.

Regions, their name variants and code changes, the 시군구 that moved between regions, the key industries and their
regions, and the Growth Project 300 projects come from the dbt seeds (the single home of reference data). Only the
Korean spellings the seeds do not carry (key industries, moved 시군구) live here.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ingestion.contracts import SEEDS_DIR

LAST_MONTH = dt.date(2026, 6, 1)           # the newest month every feed reaches
# Months of the designation rounds (one batch file per region and round).
DESIGNATION_ROUNDS = (
    dt.date(2023, 5, 1), dt.date(2023, 10, 1), dt.date(2024, 4, 1), dt.date(2024, 10, 1),
    dt.date(2025, 4, 1), dt.date(2025, 10, 1), dt.date(2026, 4, 1),
)
# From this month the NPS file also covers individual workplaces with 10+ subscribers (a series break).
INDIVIDUAL_COVERAGE_FROM = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class Scale:
    """How big one generated landing folder is."""

    name: str
    workplaces: int          # enrolled workplaces in the last month (programme firms included)
    potential: int           # final stage 잠재
    preliminary: int         # final stage 예비
    leading_core: int        # final stage 선도 in core industries (주축)
    leading_supra: int       # final stage 선도 in cross-regional industries (초광역)
    consortia: int           # collaboration-model consortia (COLLAB)
    default_months: int

    @property
    def programme_firms(self) -> int:
        return self.potential + self.preliminary + self.leading_core + self.leading_supra


SCALES = {
    "demo": Scale("demo", 2_600, 280, 120, 24, 4, 8, 40),
    "national": Scale("national", 600_000, 7_000, 3_000, 280, 20, 80, 60),
    # Three times the demo programme in a larger file with 64 months (history from 2021-03): enough participations,
    # comparison workplaces in the exact matching cells and 24 months of history before the first payments to
    # evaluate programme outcomes (tests/test_program_effects.py).
    "evaluation": Scale("evaluation", 80_000, 840, 360, 72, 12, 24, 64),
}

# How the agencies write the key industries in 주력산업 (Korean), by the industry_id of ref_key_industries.csv.
# The seed says which industries exist and in which regions; it has no Korean names yet.
KEY_INDUSTRY_NAMES_KO = {
    "CORE-01": "초정밀 소재·부품", "CORE-02": "저온·고압 에너지저장", "CORE-03": "실버케어 테크",
    "CORE-04": "천연물 바이오소재", "CORE-05": "디지털헬스케어", "CORE-06": "세라믹 신소재",
    "CORE-07": "첨단반도체", "CORE-08": "친환경 모빌리티 부품", "CORE-09": "융합바이오",
    "CORE-10": "농생명 바이오", "CORE-11": "특수목적용 지능형 기계부품", "CORE-12": "탄소복합재",
    "FUT-01": "차세대 배터리 소재·셀", "FUT-02": "수소연료전지·발전", "FUT-03": "데이터·AI·보안",
    "FUT-04": "5G·6G 위성통신", "FUT-05": "수전해 수소", "FUT-06": "산업 AI", "FUT-07": "도심항공교통",
    "FUT-08": "디지털헬스 데이터", "FUT-09": "배터리 모듈·시스템", "FUT-10": "첨단 자율조작",
    "FUT-11": "전기·수소차", "FUT-12": "소형모듈원자로", "FUT-13": "전력반도체", "FUT-14": "배터리 재사용·재활용",
    "XREG-01": "수소 저장·운송", "XREG-02": "첨단반도체 패키징", "XREG-03": "유전자·세포치료",
    "XREG-04": "차세대 고성능 센서", "XREG-05": "리튬이온 배터리 및 핵심소재",
}
# How the NPS address writes a 시군구 that moved between regions, by its old 5-digit code (the bridge seed has no names).
MOVED_SIGUNGU_NAMES_KO = {"47720": "군위군"}
# Core industries the seed leaves provisional (no name, no region): the agency's placeholder label.
PROVISIONAL_CORE_INDUSTRIES = ("주축산업 1 (잠정)", "주축산업 2 (잠정)", "주축산업 3 (잠정)")


def month_add(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month_add(month, 1) - dt.timedelta(days=1)


def window_months(months: int) -> list[dt.date]:
    """The `months` consecutive months ending with LAST_MONTH."""
    return [month_add(LAST_MONTH, offset) for offset in range(1 - months, 1)]


@dataclass(frozen=True)
class Region:
    code: str                  # current 2-digit legal-dong code
    name_ko: str
    name_en: str
    is_capital_area: bool
    is_programme_region: bool


@dataclass(frozen=True)
class LegacyCode:
    """A code some files still carry until `changed_on`, when `current` replaced it."""

    legacy: str
    current: str
    name_ko: str
    changed_on: dt.date


@dataclass(frozen=True)
class SigunguMove:
    """A 시군구 that left region `old_region` for `new_region` on `changed_on`, keeping its 3-digit part."""

    sigungu: str               # 3-digit part, the same in both regions (720)
    old_region: str
    new_region: str
    name_ko: str
    changed_on: dt.date


@dataclass(frozen=True)
class GrowthProject:
    project_id: str
    region_code: str
    start_on: dt.date
    end_on: dt.date


class Seeds:
    """The dbt seeds the generator draws from."""

    def __init__(self, seeds_dir: Path = SEEDS_DIR):
        self._seeds_dir = seeds_dir
        with open(seeds_dir / "ref_regions.csv", encoding="utf-8") as handle:
            self._region_rows = list(csv.DictReader(handle))
        with open(seeds_dir / "ref_region_aliases.csv", encoding="utf-8") as handle:
            self._alias_rows = list(csv.DictReader(handle))
        with open(seeds_dir / "ref_growth_projects.csv", encoding="utf-8") as handle:
            self._project_rows = list(csv.DictReader(handle))
        with open(seeds_dir / "ref_admin_region_bridge.csv", encoding="utf-8") as handle:
            self._bridge_rows = list(csv.DictReader(handle))

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        """The 17 regions of the programme frame, by current code (legacy and provisional codes left out)."""
        return tuple(
            Region(row["region_code"], row["name_ko"], row["name_en"],
                   row["is_capital_area"] == "true", row["is_programme_region"] == "true")
            for row in self._region_rows
            if not row["valid_to"] and (row["is_programme_region"] == "true" or row["is_capital_area"] == "true")
        )

    @cached_property
    def legacy_codes(self) -> tuple[LegacyCode, ...]:
        return tuple(
            LegacyCode(row["region_code"], row["successor_code"], row["name_ko"],
                       dt.date.fromisoformat(row["valid_to"]) + dt.timedelta(days=1))
            for row in self._region_rows if row["successor_code"]
        )

    @cached_property
    def sigungu_moves(self) -> tuple[SigunguMove, ...]:
        """5-digit rows of the bridge seed whose code keeps pointing, from a date on, to another region."""
        return tuple(
            SigunguMove(row["admin_code"][2:], row["admin_code"][:2], row["programme_region_code"],
                        MOVED_SIGUNGU_NAMES_KO[row["admin_code"]], dt.date.fromisoformat(row["valid_from"]))
            for row in self._bridge_rows
            if len(row["admin_code"]) == 5 and row["programme_region_code"] != row["admin_code"][:2]
        )

    @cached_property
    def _validity(self) -> dict[str, tuple[dt.date, dt.date | None]]:
        return {
            row["region_code"]: (dt.date.fromisoformat(row["valid_from"]),
                                 dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None)
            for row in self._region_rows
        }

    def code_in_force(self, current_code: str, on: dt.date) -> str:
        """The code files used on `on` for the region whose code is now `current_code`."""
        for legacy in self.legacy_codes:
            if legacy.current == current_code and on < legacy.changed_on:
                return legacy.legacy
        return current_code

    def region_variants(self, current_code: str, on: dt.date) -> list[str]:
        """Every way a file written on `on` may name the region: seed aliases valid then, and 2-/10-digit codes.

        An alias is usable while the code it belongs to is in force, so legacy names only appear before their
        change date and the new official names only after it. Ambiguous aliases (광주시) are never offered.
        """
        in_force = {self.code_in_force(current_code, on)}
        variants = []
        for row in self._alias_rows:
            code = row["region_code"]
            if not code or row["alias_kind"] == "ambiguous" or code not in in_force:
                continue
            valid_from, valid_to = self._validity[code]
            if valid_from <= on and (valid_to is None or on <= valid_to):
                variants.append(row["alias"])
        code = next(iter(in_force))
        return variants + [code, code + "0" * 8]

    @cached_property
    def ambiguous_aliases(self) -> tuple[str, ...]:
        return tuple(row["alias"] for row in self._alias_rows if row["alias_kind"] == "ambiguous")

    @cached_property
    def _key_industries(self) -> dict[tuple[str, str], list[str]]:
        """(industry type, region code) -> industry ids, from ref_key_industries and ref_key_industry_regions."""
        with open(self._seeds_dir / "ref_key_industries.csv", encoding="utf-8") as handle:
            types = {row["industry_id"]: row["industry_type"] for row in csv.DictReader(handle)}
        by_type_region: dict[tuple[str, str], list[str]] = {}
        with open(self._seeds_dir / "ref_key_industry_regions.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = (types[row["industry_id"]], row["region_code"])
                by_type_region.setdefault(key, []).append(row["industry_id"])
        return by_type_region

    def key_industries(self, industry_type: str, region_code: str) -> list[str]:
        """Ids of the key industries of one type (주축, 미래, 초광역) the seed assigns to a region."""
        return list(self._key_industries.get((industry_type, region_code), []))

    @cached_property
    def growth_projects(self) -> tuple[GrowthProject, ...]:
        return tuple(
            GrowthProject(row["project_id"], row["region_code"],
                          dt.date.fromisoformat(row["start_on"]), dt.date.fromisoformat(row["end_on"]))
            for row in self._project_rows
        )
