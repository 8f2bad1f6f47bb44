"""explain() on hand-made lineage: exactly the entities and source rows behind a number, for the candidate and for
a published release (whose lineage is a snapshot that later candidate changes do not touch)."""
from __future__ import annotations

import pytest

from serving.lineage import SourceRow, explain
from quality.release import publish_release
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
