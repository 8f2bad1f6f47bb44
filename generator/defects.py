"""Known defects for `generate --defects`: a few bad rows and files, and the manifest saying where each one is.

Row defects are extra rows inserted into otherwise valid files (no valid record is lost); file defects are extra
files (a truncated batch, a batch in the wrong encoding, a second delivery of an existing file). Both go into CSV
and JSON Lines files only; Excel firm lists are left as written. The manifest names every defect by file and row
as the loader numbers them: CSV rows as a spreadsheet shows them (header = 1), JSON Lines by 1-based line.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from ingestion.contracts.employment import HEADER as EMPLOYMENT_HEADER
from ingestion.contracts.funding import FIELDS
from generator.programme import (
    Designations, WrittenFile, batch_file_name, csv_text,
)
from generator.reference import DESIGNATION_ROUNDS, Seeds
from ingestion.contracts.identifiers import brn_check_digit, format_brn

MANIFEST_NAME = "defects_manifest.json"
ROW_QUARANTINED = "loaded_with_quarantine"
SUBSCRIBERS_FIELD = EMPLOYMENT_HEADER.index("가입자수")


@dataclass
class _OpenFile:
    """A landing file held as lines while defects are inserted; marks follow the lines they point at."""

    encoding: str
    lines: list[bytes]
    marks: list[tuple[dict, int]] = field(default_factory=list)   # (manifest entry, line index)

    def insert(self, index: int, line: bytes, entry: dict) -> None:
        self.lines.insert(index, line)
        self.marks = [(e, i + 1 if i >= index else i) for e, i in self.marks]
        self.marks.append((entry, index))


class DefectInjector:
    def __init__(self, rng: np.random.Generator, seeds: Seeds, designations: Designations, out_dir: Path,
                 written: dict[str, list[WrittenFile]]):
        self.rng = rng
        self.seeds = seeds
        self.designations = designations
        self.out_dir = out_dir
        self.written = written
        self.open_files: dict[str, _OpenFile] = {}
        self.manifest: list[dict] = []
        self.taken_brns = {firm.brn for firm in designations.firms}

    # -- helpers -------------------------------------------------------------------------------------------
    def _entry(self, defect: str, feed: str, path: str, reason: str | None, status: str | None,
               row: int | None = None) -> dict:
        entry = {"defect": defect, "feed": feed, "file": path, "row": row, "expected_reason": reason,
                 "expected_status": status}
        self.manifest.append(entry)
        return entry

    def _open(self, written: WrittenFile) -> _OpenFile:
        if written.path not in self.open_files:
            data = (self.out_dir / written.path).read_bytes()
            self.open_files[written.path] = _OpenFile(written.encoding, data.splitlines(keepends=True))
        return self.open_files[written.path]

    def _pick(self, feed: str, avoid: set[str] = frozenset()) -> WrittenFile:
        """A text file of the feed (no workbook), one not in `avoid` if there is any."""
        text_files = [w for w in self.written[feed] if w.encoding is not None]
        candidates = [w for w in text_files if w.path not in avoid] or text_files
        return candidates[self.rng.integers(0, len(candidates))]

    def _fresh_brn(self) -> str:
        while True:
            first_nine = f"{self.rng.integers(101, 800):03d}{self.rng.choice((81, 86, 87, 88))}" \
                         f"{self.rng.integers(0, 10000):04d}"
            brn = first_nine + str(brn_check_digit(first_nine))
            if brn not in self.taken_brns:
                self.taken_brns.add(brn)
                return brn

    def _fictional_firm_row(self) -> list[str]:
        """A valid designation row for a firm the programme does not have."""
        programme_regions = [r for r in self.seeds.regions if r.is_programme_region]
        region = programme_regions[self.rng.integers(0, len(programme_regions))]
        designated_on = DESIGNATION_ROUNDS[-1] + dt.timedelta(days=int(self.rng.integers(0, 25)))
        return [format_brn(self._fresh_brn()), f"(주)시험정밀{self.rng.integers(1, 1000):03d}", region.name_ko,
                f"{self.rng.integers(10, 35)}{self.rng.integers(100, 1000)}", "주축산업 1 (잠정)", "주축", "잠재",
                designated_on.isoformat(), ""]

    @staticmethod
    def _csv_line(fields: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(fields)
        return buffer.getvalue()

    def _new_firm_file(self, region: str) -> str:
        """A batch file name for `region` in the last round's year whose stem no delivered file has."""
        existing = {str(PurePosixPath(path).with_suffix(".csv"))
                    for path in [w.path for w in self.written["firms"]] + [e["file"] for e in self.manifest]}
        number = 1
        while batch_file_name(self.seeds, region, len(DESIGNATION_ROUNDS) - 1, number) in existing:
            number += 1
        return batch_file_name(self.seeds, region, len(DESIGNATION_ROUNDS) - 1, number)

    # -- row defects ---------------------------------------------------------------------------------------
    def firm_row_defects(self) -> None:
        touched: set[str] = set()
        for defect, reason in (("invalid_check_digit", "invalid_brn"), ("unknown_region", "unknown_region"),
                               ("impossible_date", "invalid_date"), ("ambiguous_region", "ambiguous_region")):
            written = self._pick("firms", touched)
            touched.add(written.path)
            fields = self._fictional_firm_row()
            if defect == "invalid_check_digit":
                digits = fields[0].replace("-", "")
                fields[0] = format_brn(digits[:9] + str((int(digits[9]) + 1) % 10))
            elif defect == "unknown_region":
                fields[2] = "화성도"
            elif defect == "impossible_date":
                fields[7] = "2024-02-30"
            else:
                fields[2] = self.seeds.ambiguous_aliases[0]
            target = self._open(written)
            index = int(self.rng.integers(1, len(target.lines) + 1))
            entry = self._entry(defect, "firms", written.path, reason, ROW_QUARANTINED)
            target.insert(index, self._csv_line(fields).encode(written.encoding.replace("-sig", "")), entry)

    def employment_row_defects(self) -> None:
        written = self._pick("employment")
        target = self._open(written)
        index = int(self.rng.integers(1, len(target.lines)))
        fields = next(csv.reader([target.lines[index].decode(written.encoding)]))
        fields[SUBSCRIBERS_FIELD] = "-3"
        entry = self._entry("negative_headcount", "employment", written.path, "negative_headcount", ROW_QUARANTINED)
        target.insert(index + 1, self._csv_line(fields).encode(written.encoding), entry)

    def funding_row_defects(self) -> None:
        firms = self.designations.firms
        malformed_in = self._pick("funding")
        target = self._open(malformed_in)
        event = {name: None for name in FIELDS}
        event.update(event_id="EV99000001", brn=firms[self.rng.integers(0, len(firms))].brn, program_code="TALENT",
                     amount_krw=2_000_000, paid_on="2025-01-15", kind="voucher")
        text = json.dumps(event)
        entry = self._entry("malformed_json", "funding", malformed_in.path, "malformed_json", ROW_QUARANTINED)
        target.insert(int(self.rng.integers(0, len(target.lines) + 1)),
                      (text[:len(text) * 3 // 5] + "\n").encode("utf-8"), entry)

        repeated_in = self._pick("funding", {malformed_in.path})
        target = self._open(repeated_in)
        original_index = int(self.rng.integers(0, len(target.lines)))
        original = json.loads(target.lines[original_index])
        other = firms[self.rng.integers(0, len(firms))]
        duplicate = dict(original, brn=other.brn, amount_krw=abs(original["amount_krw"]) + 1_000_000, reverses=None)
        duplicate["project_id"] = duplicate["consortium_id"] = None
        duplicate["program_code"], duplicate["kind"] = "EXPORT", "voucher"
        entry = self._entry("duplicate_event_id", "funding", repeated_in.path, "duplicate_event_id", ROW_QUARANTINED)
        target.insert(int(self.rng.integers(original_index + 1, len(target.lines) + 1)),
                      (json.dumps(duplicate) + "\n").encode("utf-8"), entry)

    # -- file defects --------------------------------------------------------------------------------------
    def file_defects(self) -> None:
        programme_regions = [r.code for r in self.seeds.regions if r.is_programme_region]
        region = programme_regions[self.rng.integers(0, len(programme_regions))]
        path = self._new_firm_file(region)
        text = csv_text([self._fictional_firm_row() for _ in range(int(self.rng.integers(6, 12)))])
        last_row_start = text.rstrip("\n").rfind("\n") + 1
        cut = last_row_start + (len(text) - last_row_start) // 2
        (self.out_dir / path).write_bytes(text[:cut].encode("utf-8"))
        self._entry("truncated_file", "firms", path, "file_truncated", "rejected")

        region = programme_regions[self.rng.integers(0, len(programme_regions))]
        path = self._new_firm_file(region)
        data = csv_text([self._fictional_firm_row() for _ in range(int(self.rng.integers(6, 12)))]).encode("utf-16")
        for encoding in ("utf-8", "cp949"):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            raise AssertionError(f"the wrong-encoding file decodes as {encoding}")
        (self.out_dir / path).write_bytes(data)
        self._entry("wrong_encoding", "firms", path, "file_undecodable", "rejected")

    def delivered_twice(self) -> None:
        touched = set(self.open_files)
        original = self._pick("firms", touched)
        copy = original.path.removesuffix(".csv") + "_resend.csv"
        (self.out_dir / copy).write_bytes((self.out_dir / original.path).read_bytes())
        self._entry("delivered_twice", "firms", copy, None, "duplicate")

    # -- finish --------------------------------------------------------------------------------------------
    def finish(self) -> list[dict]:
        for path, opened in self.open_files.items():
            (self.out_dir / path).write_bytes(b"".join(opened.lines))
            for entry, index in opened.marks:
                entry["row"] = index + 1
        (self.out_dir / MANIFEST_NAME).write_text(json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
        return self.manifest


def inject_defects(rng: np.random.Generator, seeds: Seeds, designations: Designations, out_dir: Path,
                   written: dict[str, list[WrittenFile]]) -> list[dict]:
    """Insert one of each known defect and write the manifest; returns the manifest entries."""
    injector = DefectInjector(rng, seeds, designations, out_dir, written)
    injector.firm_row_defects()
    injector.employment_row_defects()
    injector.funding_row_defects()
    injector.delivered_twice()
    injector.file_defects()
    return injector.finish()
