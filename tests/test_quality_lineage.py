"""explain() on hand-made lineage: exactly the entities and source rows behind a number, for the candidate and for
a published release (whose lineage is a snapshot that later candidate changes do not touch), and the release lineage
stored as sets: a release stores only the sets it changed, and a warehouse of the older layout migrates."""
from __future__ import annotations

import duckdb
import pytest

from serving.lineage import SourceRow, explain
from quality.release import CANDIDATE_LINEAGE_ROWS, publish_release
from tests.test_quality_fixtures import (BATCH, CRISIS_CENTRE_REGIONS, FILES, build_clean_warehouse, check_outcome,
                                        execute)

CELL = ("growth_project_success_cases", "26", "2024Q2")
Q3_FUNDING = "data/landing/funding/funding_2024Q3.csv"
HANDMADE = [  # project GP300-26-07 is evidenced by two funding rows in two files
    ("project", "GP300-26-03", "funding", FILES["funding"], 212),
    ("project", "GP300-26-07", "funding", FILES["funding"], 230),
    ("project", "GP300-26-07", "funding", Q3_FUNDING, 231),
    ("project", "GP300-26-11", "funding", FILES["funding"], 260),
]


@pytest.fixture
def warehouse(tmp_path):
    path = build_clean_warehouse(tmp_path / "warehouse.duckdb")
    kpi, region, quarter = CELL
    execute(path, f"""delete from kpi.kpi_candidate_lineage
                      where kpi_code = '{kpi}' and region_code = '{region}' and quarter = '{quarter}';
                      insert into kpi.kpi_candidate_lineage values """ + ", ".join(
        f"('{kpi}', '{region}', '{quarter}', '{t}', '{i}', '{feed}', '{file}', {row})"
        for t, i, feed, file, row in HANDMADE))
    return path


def test_explain_returns_exactly_the_handmade_entities_and_rows(warehouse):
    answer = explain(warehouse, *CELL)
    assert answer.release_id is None and answer.value["actual"] == 4.0
    assert answer.entities == [("project", "GP300-26-03"), ("project", "GP300-26-07"), ("project", "GP300-26-11")]
    assert answer.sources == [
        SourceRow("project", "GP300-26-03", "funding", FILES["funding"], 212, "c3" * 32),
        SourceRow("project", "GP300-26-07", "funding", Q3_FUNDING, 231, None),   # file not in this warehouse's log
        SourceRow("project", "GP300-26-07", "funding", FILES["funding"], 230, "c3" * 32),
        SourceRow("project", "GP300-26-11", "funding", FILES["funding"], 260, "c3" * 32),
    ]
    assert answer.source_files == [{"file_path": Q3_FUNDING, "sha256": None},
                                   {"file_path": FILES["funding"], "sha256": "c3" * 32}]


def test_national_row_is_explained_by_its_regions(warehouse):
    answer = explain(warehouse, "crisis_centre_regions", "ALL", "2024Q1")
    assert answer.value["actual"] == len(CRISIS_CENTRE_REGIONS)
    assert answer.entities == sorted(("region", code) for code in CRISIS_CENTRE_REGIONS)


def test_release_lineage_is_a_snapshot(warehouse):
    release = publish_release(warehouse, "run-001", "abc1234", check_outcome().results, [BATCH])
    execute(warehouse, "delete from kpi.kpi_candidate_lineage where entity_id = 'GP300-26-07'")
    published = explain(warehouse, *CELL, release_id=release.release_id)
    assert published.release_id == release.release_id and len(published.sources) == 4
    assert ("project", "GP300-26-07") in published.entities
    assert ("project", "GP300-26-07") not in explain(warehouse, *CELL).entities
    with pytest.raises(LookupError):
        explain(warehouse, *CELL, release_id="2024Q4-r9999-000000000000")


# kpi.kpi_official_lineage as the code before the lineage sets created it: a table holding every row once per release.
OLDER_LINEAGE_TABLE = """
create table kpi.kpi_official_lineage_older (
    release_id varchar not null, kpi_code varchar, region_code varchar, quarter varchar, entity_type varchar,
    entity_id varchar, source_feed varchar, source_file varchar, source_row bigint, source_sha256 varchar);
insert into kpi.kpi_official_lineage_older select * from kpi.kpi_official_lineage;
drop view kpi.kpi_official_lineage; drop table kpi.kpi_lineage_sets; drop table kpi.kpi_release_lineage;
alter table kpi.kpi_official_lineage_older rename to kpi_official_lineage;
"""


def _rows(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _release_lineage(path, release_id):
    return _rows(path, "select * exclude (release_id) from kpi.kpi_official_lineage where release_id = ? "
                       "order by all", [release_id])


def _publish(path, run_id):
    return publish_release(path, run_id, "abc1234", check_outcome().results, [BATCH]).release_id


def _correct_the_last_quarter(path):
    """A corrected delivery: every source row behind the numbers of 2024Q4 moves."""
    execute(path, "update kpi.kpi_candidate_lineage set source_row = source_row + 1000 where quarter = '2024Q4'")


def test_a_release_stores_only_the_lineage_sets_no_earlier_release_stored(warehouse):
    first = _publish(warehouse, "run-001")
    candidate = _rows(warehouse, f"select * from ({CANDIDATE_LINEAGE_ROWS}) order by all")
    assert _release_lineage(warehouse, first) == candidate
    first_answer = explain(warehouse, *CELL, release_id=first)
    stored_once = _rows(warehouse, "select count(*) from kpi.kpi_lineage_sets")[0][0]
    assert stored_once < len(candidate)          # equal sets of several numbers (or quarters) are stored once

    _correct_the_last_quarter(warehouse)
    second = _publish(warehouse, "run-002")
    assert _rows(warehouse, """select distinct m.quarter from kpi.kpi_release_lineage m join kpi.kpi_lineage_sets s
                               using (lineage_hash) where s.release_id = ?""", [second]) == [("2024Q4",)]
    assert 0 < _rows(warehouse, "select count(*) from kpi.kpi_lineage_sets where release_id = ?", [second])[0][0] \
        <= _rows(warehouse, "select count(*) from kpi.kpi_candidate_lineage where quarter = '2024Q4'")[0][0]
    assert _release_lineage(warehouse, first) == candidate
    corrected = _release_lineage(warehouse, second)
    assert corrected != candidate and [r for r in corrected if r[2] != "2024Q4"] == \
        [r for r in candidate if r[2] != "2024Q4"]
    assert explain(warehouse, *CELL, release_id=first) == first_answer

    third = _publish(warehouse, "run-003")      # nothing changed: no set stored, the same lineage
    assert _rows(warehouse, "select count(*) from kpi.kpi_lineage_sets where release_id = ?", [third]) == [(0,)]
    assert _release_lineage(warehouse, third) == corrected


def test_a_warehouse_of_the_older_layout_keeps_every_release_lineage_when_migrated(warehouse):
    releases = [_publish(warehouse, "run-001")]
    _correct_the_last_quarter(warehouse)
    releases.append(_publish(warehouse, "run-002"))
    execute(warehouse, OLDER_LINEAGE_TABLE)
    execute(warehouse, f"""insert into kpi.kpi_official_lineage values
                           ('{releases[0]}', 'leading_firms', null, '2024Q4', 'firm', 'x', 'firms', 'f.csv', 2, null)""")
    before = {r: _release_lineage(warehouse, r) for r in releases}
    answers = {r: explain(warehouse, "leading_firms", "26", "2024Q4", release_id=r) for r in releases}
    assert _rows(warehouse, "select count(*) from kpi.kpi_official_lineage")[0][0] == sum(map(len, before.values()))

    releases.append(_publish(warehouse, "run-003"))
    assert _rows(warehouse, "select table_type from information_schema.tables where table_schema = 'kpi' "
                            "and table_name = 'kpi_official_lineage'") == [("VIEW",)]
    for release in releases[:2]:
        assert _release_lineage(warehouse, release) == before[release]
        assert explain(warehouse, "leading_firms", "26", "2024Q4", release_id=release) == answers[release]
    assert _release_lineage(warehouse, releases[2]) == before[releases[1]]
    assert _rows(warehouse, "select count(*) from kpi.kpi_lineage_sets where release_id = ?", [releases[2]]) == [(0,)]
    assert _rows(warehouse, "select count(*) from kpi.kpi_lineage_sets")[0][0] < len(before[releases[0]])
