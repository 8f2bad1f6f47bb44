"""Lineage look-ups: which entities (firms, projects, consortia, regions) and which source file rows stand behind
one KPI number, for the current candidate or for any published release.

    explain(warehouse_path, "leading_firms", "26", "2024Q4")                 # current candidate
    explain(warehouse_path, "leading_firms", "26", "2024Q4", release_id=...) # as published in that release

The national row ('ALL') is explained by its own lineage rows when the KPI model writes them, otherwise by the
lineage of all regional rows of that KPI and quarter.

A published number names the file versions (sha256) the release was built from, stored with its lineage at
publish time; a later corrected delivery of the same file does not change an old release's answer. The same
answer in SQL (no Python needed), for a published number:

    select l.entity_type, l.entity_id, l.source_feed, l.source_file, l.source_row, l.source_sha256
    from kpi.kpi_official_lineage l
    where l.release_id = (select release_id from kpi.kpi_releases order by release_seq desc limit 1)
      and l.kpi_code = 'leading_firms' and l.region_code = '26' and l.quarter = '2024Q4'
    order by l.entity_type, l.entity_id, l.source_file, l.source_row;

(for the candidate, read kpi.kpi_candidate_lineage, drop the release_id condition and join the live versions
of audit.ingest_files for the sha256). kpi.kpi_official_lineage is a view, in the warehouse and in serving.duckdb:
each release maps its numbers to lineage sets stored once (kpi.kpi_release_lineage, kpi.kpi_lineage_sets, also
exported as Parquet), and the same query answers from either.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quality.checks.definitions import read_definitions
from quality.checks.results import jsonable
from quality.warehouse import LIVE_FILE_VERSIONS, connect_readonly, fetch_dicts, table_exists


@dataclass(frozen=True)
class SourceRow:
    entity_type: str
    entity_id: str
    source_feed: str | None
    source_file: str | None
    source_row: int | None
    source_sha256: str | None


@dataclass(frozen=True)
class Explanation:
    kpi_code: str
    region_code: str
    quarter: str
    release_id: str | None                   # None: the current candidate
    value: dict | None                       # actual, target, achievement_pct, definition_version of the number
    entities: list[tuple[str, str]] = field(default_factory=list)        # distinct (entity_type, entity_id)
    sources: list[SourceRow] = field(default_factory=list)
    source_files: list[dict] = field(default_factory=list)               # distinct file_path + sha256

    def to_dict(self) -> dict:
        return jsonable({
            "kpi_code": self.kpi_code, "region_code": self.region_code, "quarter": self.quarter,
            "release_id": self.release_id, "value": self.value,
            "entities": [{"entity_type": t, "entity_id": i} for t, i in self.entities],
            "sources": [s.__dict__ for s in self.sources], "source_files": self.source_files,
        })


def explain(warehouse_path: str | Path, kpi_code: str, region_code: str, quarter: str,
            release_id: str | None = None) -> Explanation:
    con = connect_readonly(warehouse_path)
    try:
        national = read_definitions(con).national_region_code
        if release_id is None:
            numbers, lineage, scope, params = ("kpi.kpi_official_candidate", "kpi.kpi_candidate_lineage", "true", [])
        else:
            numbers, lineage, scope, params = ("kpi.kpi_official", "kpi.kpi_official_lineage", "release_id = ?",
                                               [release_id])
            known = con.execute("select count(*) from kpi.kpi_releases where release_id = ?",
                                [release_id]).fetchall()[0][0]
            if not known:
                raise LookupError(f"no release {release_id!r} in kpi.kpi_releases")
        values = fetch_dicts(con, f"""select actual, target, achievement_pct, definition_version from {numbers}
                                      where {scope} and kpi_code = ? and region_code = ? and quarter = ?""",
                             [*params, kpi_code, region_code, quarter])
        region_filter, region_params = "l.region_code = ?", [region_code]
        if region_code == national:
            own = con.execute(f"""select count(*) from {lineage} l where {scope.replace('release_id', 'l.release_id')}
                                  and kpi_code = ? and region_code = ? and quarter = ?""",
                              [*params, kpi_code, region_code, quarter]).fetchall()[0][0]
            if not own:
                region_filter, region_params = "l.region_code <> ?", [national]
        # a release names the file versions it was built from (stored at publish); the candidate the live ones
        if release_id is not None:
            file_join, file_params, sha = "", [], "l.source_sha256"
        elif table_exists(con, "audit.ingest_files"):
            file_join, file_params, sha = (f"left join ({LIVE_FILE_VERSIONS}) f on f.file_path = l.source_file", [],
                                           "f.sha256")
        else:
            file_join, file_params, sha = "", [], "null"
        rows = fetch_dicts(con, f"""
            select l.entity_type, l.entity_id, l.source_feed, l.source_file, l.source_row, {sha} as source_sha256
            from {lineage} l {file_join}
            where {scope.replace('release_id', 'l.release_id')} and l.kpi_code = ? and {region_filter}
              and l.quarter = ?
            order by l.entity_type, l.entity_id, l.source_file, l.source_row""",
            [*file_params, *params, kpi_code, *region_params, quarter])
    finally:
        con.close()
    sources = [SourceRow(**r) for r in rows]
    entities = sorted({(s.entity_type, s.entity_id) for s in sources})
    files = sorted({(s.source_file, s.source_sha256) for s in sources if s.source_file},
                   key=lambda f: (f[0], f[1] or ""))
    return Explanation(kpi_code, region_code, quarter, release_id, values[0] if values else None, entities, sources,
                       [{"file_path": p, "sha256": h} for p, h in files])
