"""Checking feed files before they are sent: the loader's own parsers and rules, run on a throwaway warehouse.

Agencies that produce the feeds run `sme-warehouse validate` on their files. Each file goes through
`ingestion.loader.load_file` against an in-memory DuckDB database, so a row is reported exactly when ingestion
would quarantine it, with the same reason code and message, and nothing is written anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.connections import connect
from ingestion.contracts import employment, firms
from ingestion.files import decode
from ingestion.loader import CONTRACTS, ensure_schema, load_file, new_batch_id
from ingestion.normalise import clean_header

# File-level reasons meaning the file cannot be read at all (exit code 2), not merely that rows would be set aside.
UNREADABLE = ("file_undecodable", "file_unparseable", "file_bad_header")


@dataclass
class FileVerdict:
    """What loading one file would do."""

    path: str
    feed: str | None
    status: str                     # would_load | would_quarantine | duplicate | unreadable
    rows_read: int = 0
    rows_quarantined: int = 0
    reason: str | None = None       # file-level reason code, when the file would be rejected whole
    message: str | None = None
    data_month: str | None = None
    quarantined: list[dict] = field(default_factory=list)   # file, row, reason, message


@dataclass
class ValidationReport:
    files: list[FileVerdict] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(f.status == "unreadable" for f in self.files):
            return 2
        return 1 if any(f.status in ("would_quarantine", "duplicate") for f in self.files) else 0

    def to_dict(self) -> dict:
        return {"exit_code": self.exit_code, "summary": self.summary(),
                "files": [vars(f) for f in self.files]}

    def summary(self) -> dict:
        return {"files": len(self.files), "rows_read": sum(f.rows_read for f in self.files),
                "rows_quarantined": sum(f.rows_quarantined for f in self.files),
                "files_by_status": {s: sum(f.status == s for f in self.files)
                                    for s in ("would_load", "would_quarantine", "duplicate", "unreadable")}}

    def render(self) -> str:
        lines = []
        for verdict in self.files:
            month = f", data month {verdict.data_month}" if verdict.data_month else ""
            lines.append(f"{verdict.path}: {verdict.status} ({verdict.feed or 'unknown feed'}{month}; "
                         f"{verdict.rows_read} rows read, {verdict.rows_quarantined} would be quarantined)")
            if verdict.message:
                lines.append(f"  {verdict.reason}: {verdict.message}")
            lines += [f"  row {q['row']}: {q['reason']}: {q['message']}" for q in verdict.quarantined]
        s = self.summary()
        lines.append(f"{s['files']} file(s), {s['rows_read']} rows read, {s['rows_quarantined']} would be "
                     f"quarantined; " + ", ".join(f"{n} {k}" for k, n in s["files_by_status"].items()))
        return "\n".join(lines)


def infer_feed(path: Path) -> str | None:
    """The feed of a file: from the folder it sits in, else from its suffix and header."""
    for contract in CONTRACTS.values():
        if path.parent.name == contract.landing_subdir and path.name.endswith(contract.file_suffixes):
            return contract.name
    if path.suffix == ".jsonl":
        return "funding"
    if path.suffix == ".xlsx":
        return "firms"
    decoded = decode(path.read_bytes()[:65536].rsplit(b"\n", 1)[0], employment.ENCODING)
    first_line = (decoded.text or "").split("\n", 1)[0]
    header = tuple(clean_header(h) for h in first_line.split(","))
    for contract, names in ((employment.CONTRACT, employment.HEADER), (firms.CONTRACT, firms.HEADER)):
        if header == names:
            return contract.name
    return None


def _files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".csv", ".jsonl", ".xlsx"))
        else:
            found.append(path)
    return found


def validate(paths: list[Path], feed: str | None = None) -> ValidationReport:
    """What ingestion would do with each file (folders are searched for feed files), writing nothing."""
    report = ValidationReport()
    with connect() as con:
        ensure_schema(con)
        batch = new_batch_id()
        for path in _files([Path(p) for p in paths]):
            if not path.is_file():
                report.files.append(FileVerdict(str(path), feed, "unreadable", reason="file_missing",
                                                message=f"{path}: no such file"))
                continue
            file_feed = feed or infer_feed(path)
            if file_feed is None:
                report.files.append(FileVerdict(str(path), None, "unreadable", reason="unknown_feed",
                                                message=f"{path}: neither its folder nor its header names a feed; "
                                                        "pass --feed"))
                continue
            report.files.append(_verdict(con, path, CONTRACTS[file_feed], batch))
    return report


def _verdict(con: duckdb.DuckDBPyConnection, path: Path, contract, batch: str) -> FileVerdict:
    outcome = load_file(con, path.parent.parent, path, contract, batch)
    rel_path = f"{path.parent.name}/{path.name}"
    quarantined = [{"file": str(path), "row": row, "reason": reason, "message": message}
                   for row, reason, message in con.execute(
                       "SELECT source_row, reason_code, message FROM audit.quarantine WHERE file_path = ? "
                       "AND load_batch_id = ? ORDER BY source_row", [rel_path, batch]).fetchall()]
    if outcome.status == "rejected":
        status = "unreadable" if outcome.reject_reason in UNREADABLE else "would_quarantine"
    elif outcome.status == "duplicate":
        status = "duplicate"
    else:
        status = "would_quarantine" if outcome.rows_quarantined else "would_load"
    verdict = FileVerdict(str(path), contract.name, status, outcome.rows_read, outcome.rows_quarantined,
                          outcome.reject_reason or ("duplicate" if outcome.status == "duplicate" else None),
                          outcome.error, outcome.data_month)
    if outcome.reject_reason is None:
        verdict.quarantined = quarantined
    return verdict
