"""Normalisers applied at the edge: business numbers, regions, dates and header names.

Region names and codes come from the dbt seeds (`dbt_project/seeds/ref_regions.csv` and
`ref_region_aliases.csv`), the single home of reference data; nothing here keeps its own copy. Which codes span
more than one programme region (12, the reported 광주+전남 merger) and how a row is placed in one of them is read
from `ref_admin_region_bridge.csv`, the seed dbt regions the rows with, so the loader and dbt apply one rule.
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
_BRN_FORM = re.compile(r"[\d\- ]+")


# Both are cached: a funding file repeats each firm's number and each payment day many times.
@lru_cache(maxsize=1 << 16)
def normalise_brn(value: str) -> str | None:
    """The 10-digit business number if `value` is one with a valid check digit (dashes and spaces allowed)."""
    text = value.strip()
    if not _BRN_FORM.fullmatch(text):
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


@lru_cache(maxsize=1 << 16)
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
class BridgeRow:
    """One row of ref_admin_region_bridge: an administrative code (and, for a split code, the first two digits of
    the 시군구 or legal-dong code that pick this row) mapped to a programme region while the row is valid."""

    admin_code: str
    sigungu_prefix: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    programme_region_code: str

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RegionMatch:
    """Outcome of resolving a region as delivered: the current code, or why there is none."""

    code: str | None
    reason: str | None = None     # unknown_region | ambiguous_region
    spans: tuple[str, ...] = ()   # for a code the bridge splits: the programme regions it spans


class RegionResolver:
    """Resolves region names, short forms, English names and legal-dong codes (legacy ones included).

    Every legacy code is followed to its successor, so 강원도, 42 and 4200000000 all resolve to 51. A code the
    bridge splits between programme regions by 시군구 prefix (12, or its name 전남광주통합특별시) is ambiguous on its
    own: the value alone never says which programme region, so `resolve` gives `ambiguous_region`; a row that
    also carries a 시군구 or legal-dong code is placed by the bridge rows (`bridge_rows`, `split_codes`).
    """

    def __init__(self, seeds_dir: Path = SEEDS_DIR):
        with open(seeds_dir / "ref_regions.csv", encoding="utf-8") as handle:
            regions = list(csv.DictReader(handle))
        self._successor = {r["region_code"]: r["successor_code"] or None for r in regions}
        self._aliases: dict[str, str | None] = {}
        with open(seeds_dir / "ref_region_aliases.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                self._aliases[self._key(row["alias"])] = row["region_code"] or None
        with open(seeds_dir / "ref_admin_region_bridge.csv", encoding="utf-8") as handle:
            self.bridge_rows = tuple(
                BridgeRow(row["admin_code"], row["sigungu_prefix"] or None, dt.date.fromisoformat(row["valid_from"]),
                          dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                          row["programme_region_code"])
                for row in csv.DictReader(handle))
        # Region codes the bridge splits by 시군구 prefix, each with the programme regions it spans.
        spans: dict[str, set[str]] = {}
        for bridge in self.bridge_rows:
            if bridge.sigungu_prefix:
                spans.setdefault(bridge.admin_code, set()).add(bridge.programme_region_code)
        self.split_codes = {code: tuple(sorted(regions)) for code, regions in spans.items()}

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
            if code not in self._successor:
                return RegionMatch(None, "unknown_region")
        else:
            key = self._key(text)
            if key not in self._aliases:
                return RegionMatch(None, "unknown_region")
            code = self._aliases[key]
            if not code:
                return RegionMatch(None, "ambiguous_region")
        code = self.current_code(code)
        if code in self.split_codes:
            return RegionMatch(None, "ambiguous_region", self.split_codes[code])
        return RegionMatch(code)


@lru_cache(maxsize=1)
def region_resolver() -> RegionResolver:
    return RegionResolver()
