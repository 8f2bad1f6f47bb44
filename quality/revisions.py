"""Revisions: every value of the candidate that differs from the latest published release, with its cause.

    find_revisions(con) -> list[Revision]     the candidate against kpi.kpi_official_latest

The gate's check candidate_revisions_explained blocks a release that changes a quarter older than the two latest
ones with no cause found; publish stores every revision of the new release in kpi.kpi_revisions, and both
reports show them. A cause is, in this order of precedence:
  * definition change     the row's definition_version differs from the released one;
  * new data month        the quarter is new, or an NPS file of a month the previous release did not have feeds it;
  * late or corrected delivery   a file version (by sha256) behind the number that the previous release did not
                          use, or a file loaded since it of a feed behind the number; the file is named;
  * reference-data change the reference seeds (ref schema) changed since the previous release.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import duckdb

from .warehouse import LIVE_FILE_VERSIONS, fetch_dicts, table_exists

TOLERANCE = 1e-9
REFERENCE_TABLES = ("ref_admin_region_bridge", "ref_growth_projects", "ref_growth_stages", "ref_key_industries",
                    "ref_key_industry_regions", "ref_kpi_targets", "ref_programme_regions", "ref_support_centres")


@dataclass(frozen=True)
class Revision:
    kpi_code: str
    region_code: str
    quarter: str
    old_value: float | None
    new_value: float | None
    cause: str | None           # definition change | new data month | late or corrected delivery | reference-data change
    cause_detail: str | None    # the file, month or version behind the cause

    def to_dict(self) -> dict:
        return asdict(self)


def reference_sha256(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of the reference seeds the KPIs read (row order free), to tell a reference-data change."""
    digest = hashlib.sha256()
    for table in REFERENCE_TABLES:
        if table_exists(con, f"ref.{table}"):
            rows = sorted(json.dumps(row, default=str, ensure_ascii=False)
                          for row in fetch_dicts(con, f"select * from ref.{table}"))
            digest.update(f"{table}\n{chr(10).join(rows)}\n".encode("utf-8"))
    return digest.hexdigest()


def _previous_release(con: duckdb.DuckDBPyConnection) -> dict | None:
    if not table_exists(con, "kpi.kpi_releases"):
        return None
    rows = fetch_dicts(con, "select * from kpi.kpi_releases order by release_seq desc limit 1")
    return rows[0] if rows else None


def _cell_files(con: duckdb.DuckDBPyConnection, release_id: str, keys: list[tuple]) -> tuple[dict, dict]:
    """Per (kpi, region, quarter) of `keys`: {file: sha256} of the previous release's lineage and of the candidate's
    (only the changed numbers are read: the lineage of every quarter would cost more with every month)."""
    changed = """join (select unnest(?::varchar[]) as kpi_code, unnest(?::varchar[]) as region_code,
                               unnest(?::varchar[]) as quarter) k using (kpi_code, region_code, quarter)"""
    key_lists = [list(column) for column in zip(*keys)]
    old: dict[tuple, dict] = {}
    for r in fetch_dicts(con, f"""select distinct kpi_code, region_code, quarter, source_file, source_sha256
                                  from kpi.kpi_official_lineage l {changed}
                                  where release_id = ? and source_file is not null""",
                         [*key_lists, release_id]):
        old.setdefault((r["kpi_code"], r["region_code"], r["quarter"]), {})[r["source_file"]] = r["source_sha256"]
    new: dict[tuple, dict] = {}
    for r in fetch_dicts(con, f"""
            select distinct kpi_code, region_code, quarter, l.source_file, f.sha256
            from kpi.kpi_candidate_lineage l {changed}
            left join ({LIVE_FILE_VERSIONS}) f on f.file_path = l.source_file
            where l.source_file is not null""", key_lists):
        new.setdefault((r["kpi_code"], r["region_code"], r["quarter"]), {})[r["source_file"]] = r["sha256"]
    return old, new


def find_revisions(con: duckdb.DuckDBPyConnection) -> list[Revision]:
    previous = _previous_release(con)
    if previous is None:
        return []
    release_id = previous["release_id"]
    changed = fetch_dicts(con, f"""
        select coalesce(c.kpi_code, o.kpi_code) as kpi_code, coalesce(c.region_code, o.region_code) as region_code,
               coalesce(c.quarter, o.quarter) as quarter, o.actual as old_value, c.actual as new_value,
               o.definition_version as old_version, c.definition_version as new_version,
               o.kpi_code is null as is_new_row
        from kpi.kpi_official_candidate c
        full join (select * from kpi.kpi_official where release_id = ?) o
          on o.kpi_code = c.kpi_code and o.region_code = c.region_code and o.quarter = c.quarter
        where (o.actual is null) <> (c.actual is null) or abs(o.actual - c.actual) > {TOLERANCE}
        order by 1, 2, 3""", [release_id])
    if not changed:
        return []
    old_files, new_files = _cell_files(con, release_id,
                                       [(r["kpi_code"], r["region_code"], r["quarter"]) for r in changed])
    released_quarters = {q for (q,) in con.execute("select distinct quarter from kpi.kpi_official where release_id = ?",
                                                   [release_id]).fetchall()}
    months = {r["file_path"]: r["data_month"] for r in fetch_dicts(con, """
        select file_path, data_month from audit.ingest_files where feed = 'employment' and data_month is not null""")}
    released_months = {months.get(f["file_path"]) for f in json.loads(previous["input_files"] or "[]")}
    late = fetch_dicts(con, """select file_path, feed from audit.ingest_files
                               where status in ('loaded', 'loaded_with_quarantine') and loaded_at > ?
                               order by file_path""", [previous["published_at"]])
    reference_changed = previous.get("reference_sha256") not in (None, reference_sha256(con))
    revisions = []
    for row in changed:
        key = (row["kpi_code"], row["region_code"], row["quarter"])
        cause, detail = None, None
        before, after = old_files.get(key, {}), new_files.get(key, {})
        differing = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
        new_months = sorted({str(months[f])[:7] for f in differing if f in months and months[f] not in released_months})
        if row["old_version"] is not None and row["new_version"] != row["old_version"]:
            cause, detail = "definition change", f"{row['old_version']} -> {row['new_version']}"
        elif row["is_new_row"] or row["quarter"] not in released_quarters:
            cause, detail = "new data month", f"quarter {row['quarter']} first published"
        elif new_months:
            cause, detail = "new data month", ", ".join(new_months)
        elif differing:
            cause, detail = "late or corrected delivery", ", ".join(differing)
        elif late:
            feeds = {f.split("/")[0] for f in set(before) | set(after)}
            named = [f["file_path"] for f in late if not feeds or f["feed"] in feeds]
            if named:
                cause, detail = "late or corrected delivery", ", ".join(named)
        if cause is None and reference_changed:
            cause, detail = "reference-data change", "ref seeds changed since release " + release_id
        revisions.append(Revision(row["kpi_code"], row["region_code"], row["quarter"], row["old_value"],
                                  row["new_value"], cause, detail))
    return revisions
