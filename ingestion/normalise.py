"""Normalisers applied at the edge: business numbers, regions, dates and header names.

Region names and codes come from the dbt seeds (`dbt_project/seeds/ref_regions.csv` and
`ref_region_aliases.csv`), the single home of reference data; nothing here keeps its own copy.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingestion.contracts import SEEDS_DIR
from ingestion.contracts.identifiers import brn_check_digit

_NON_DIGITS = re.compile(r"\D")


def normalise_brn(value: str) -> str | None:
    """The 10-digit business number if `value` is one with a valid check digit (dashes and spaces allowed)."""
    text = value.strip()
    if not re.fullmatch(r"[\d\- ]+", text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if len(digits) != 10 or brn_check_digit(digits[:9]) != int(digits[9]):
        return None
    return digits


_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})\.?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value: str) -> dt.date | None:
    """A date written YYYY-MM-DD, YYYY.MM.DD or YYYYMMDD; None if absent, malformed or impossible."""
    text = value.strip()
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def clean_header(name: str) -> str:
    """A header name with its spaces (leading ones included) and any embedded code legend removed."""
    compact = re.sub(r"\s+", "", name.replace("\ufeff", ""))
    return re.sub(r"(\d[^\d]+)+$", "", compact) if re.search(r"코드(\d[^\d]+)+$", compact) else compact


@dataclass(frozen=True)
class RegionMatch:
    """Outcome of resolving a region as delivered: the current code, or why there is none."""

    code: str | None
    reason: str | None = None     # unknown_region | ambiguous_region


class RegionResolver:
    """Resolves region names, short forms, English names and legal-dong codes (legacy ones included).

    Every legacy code is followed to its successor, so 강원도, 42 and 4200000000 all resolve to 51.
    """

    def __init__(self, seeds_dir: Path = SEEDS_DIR):
        with open(seeds_dir / "ref_regions.csv", encoding="utf-8") as handle:
            regions = list(csv.DictReader(handle))
        self._successor = {r["region_code"]: r["successor_code"] or None for r in regions}
        self._aliases: dict[str, str | None] = {}
        with open(seeds_dir / "ref_region_aliases.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self._aliases[self._key(row["alias"])] = row["region_code"] or None

    @staticmethod
    def _key(text: str) -> str:
        return re.sub(r"\s+", " ", text.strip()).casefold()

    def current_code(self, code: str) -> str:
        while self._successor.get(code):
            code = self._successor[code]
        return code

    @property
    def known_codes(self) -> frozenset[str]:
        return frozenset(self._successor)

    def resolve(self, value: str) -> RegionMatch:
        text = value.strip()
        if re.fullmatch(r"\d{2}|\d{5}|\d{10}", text):
            code = text[:2]
            if code in self._successor:
                return RegionMatch(self.current_code(code))
            return RegionMatch(None, "unknown_region")
        key = self._key(text)
        if key in self._aliases:
            code = self._aliases[key]
            return RegionMatch(self.current_code(code)) if code else RegionMatch(None, "ambiguous_region")
        return RegionMatch(None, "unknown_region")


@lru_cache(maxsize=1)
def region_resolver() -> RegionResolver:
    return RegionResolver()
