"""Feed contracts: one module per feed says which columns a file carries and how the raw table stores them.

The parser, the loader and the sample-feed generator all import these modules, so the three cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The dbt seeds are the single home of reference data (regions, their codes and aliases); the normalisers and the
# sample-feed generator read the same CSV files.
SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_file", "VARCHAR NOT NULL"),     # path relative to the landing folder
    ("source_row", "BIGINT NOT NULL"),       # 1-based row as a spreadsheet shows it (header = row 1 for CSV)
    ("source_sha256", "VARCHAR NOT NULL"),
    ("load_batch_id", "VARCHAR NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
)


@dataclass(frozen=True)
class RawColumn:
    """One column of a raw table: its name, DuckDB type and meaning."""

    name: str
    sql_type: str
    description: str


@dataclass(frozen=True)
class FeedContract:
    """What a landing file of one feed must look like and where its rows go."""

    name: str                      # firms | funding | employment
    landing_subdir: str            # folder under the landing directory
    file_suffixes: tuple[str, ...]  # file name endings the feed accepts, e.g. (".csv", ".xlsx")
    raw_table: str                 # schema-qualified raw table
    columns: tuple[RawColumn, ...]  # business columns, in raw-table order (lineage columns follow)
    reason_codes: dict[str, str] = field(default_factory=dict)  # quarantine reason -> meaning
    # columns the loader derives from the file as a whole, after the lineage columns (the parser's incoming_ok has them)
    file_columns: tuple[RawColumn, ...] = ()

    def create_table_sql(self) -> str:
        cols = [f"{c.name} {c.sql_type}" for c in self.columns]
        cols += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
        cols += [f"{c.name} {c.sql_type}" for c in self.file_columns]
        return f"CREATE TABLE IF NOT EXISTS {self.raw_table} (\n    " + ",\n    ".join(cols) + "\n)"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# Reasons that apply to any feed; each feed adds its own.
FILE_REASONS = {
    "file_undecodable": "the file is in neither UTF-8 nor CP949; every line is quarantined",
    "file_truncated": "the file ends inside a record; every row is quarantined, none is loaded",
    "file_bad_header": "the header does not carry the contract's columns; every row is quarantined",
    "file_unparseable": "the file cannot be parsed at all (a CSV with mixed line endings, a workbook that is not a "
                        "valid .xlsx); every row is quarantined",
    "wrong_field_count": "the row has more or fewer fields than the header",
    "malformed_row": "the row is not well-formed CSV (an unterminated quote, say)",
}


# Every feed's contract by name. It lives here, not only in the loader, so that code which only needs to find a
# feed's files (the run's fingerprints, the sensor) does not import the loader and pandas with it.
from ingestion.contracts import employment, firms, funding  # noqa: E402  (each imports the classes above)

CONTRACTS: dict[str, FeedContract] = {c.name: c for c in (firms.CONTRACT, funding.CONTRACT, employment.CONTRACT)}
