"""The loader on hand-written files in the shape they are published in (tests/fixtures/published/README.md).

Nothing here comes from the sample-feed generator: each quirk of the real NPS download and of agency firm lists
is written by hand, loaded through the loader, and then planted as a defect into a copy to show the exact rows
quarantined with their reasons.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ingestion.files import data_month_of_file
from ingestion.loader import load_landing
from orchestration.runner import employment_partition_range
from orchestration.settings import Settings
from tests.dbt_cli import run_dbt

FIXTURES = Path(__file__).parent / "fixtures" / "published"
PORTAL = "국민연금공단_국민연금 가입 사업장 내역_{}.csv"
MARCH_2024 = PORTAL.format("20240425")       # data month 2024-03, the 2024-2026 published form
JUNE_2023 = PORTAL.format("20230817")        # data month 2023-06, the older form
JULY_2026 = PORTAL.format("20260821")        # data month 2026-07, rows under the merged code 12
FIELD = {"month": 0, "name": 1, "brn": 2, "postcode": 4, "sigungu": 10, "covered_from": 15, "withdrawn_on": 17,
         "subscribers": 18}


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(FIXTURES / "employment", root / "employment")
    shutil.copytree(FIXTURES / "firms", root / "firms")
    return root


def fixture_lines(name: str) -> list[str]:
    return (FIXTURES / "employment" / name).read_bytes().decode("cp949").splitlines()


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / "employment" / name
    path.write_bytes(("\n".join(lines) + "\n").encode("cp949"))
    return path


def with_field(line: str, field: str, value: str) -> str:
    """The line with one unquoted field replaced (the fixture rows used here quote nothing)."""
    parts = line.split(",")
    parts[FIELD[field]] = value
    return ",".join(parts)


def test_every_published_row_loads_and_each_file_belongs_to_the_month_it_states(landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    summary = load_landing(landing, warehouse)
    assert {(f.file_path.split("/")[-1], f.status, f.rows_read, f.rows_loaded, f.data_month)
            for f in summary.files if f.feed == "employment"} == {
        (MARCH_2024, "loaded", 9, 9, "2024-03"), (JUNE_2023, "loaded", 4, 4, "2023-06"),
        (JULY_2026, "loaded", 4, 4, "2026-07")}
    assert query(warehouse, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert query(warehouse, "SELECT DISTINCT source_file, data_month::VARCHAR FROM raw.employment ORDER BY 2") == [
        (f"employment/{JUNE_2023}", "2023-06-01"), (f"employment/{MARCH_2024}", "2024-03-01"),
        (f"employment/{JULY_2026}", "2026-07-01")]
    assert query(warehouse, "SELECT data_month::VARCHAR, feed FROM audit.ingest_files WHERE feed = 'employment' "
                            "ORDER BY 1") == [("2023-06-01", "employment"), ("2024-03-01", "employment"),
                                              ("2026-07-01", "employment")]
    # Dagster partitions by the stated month too, read from the file without loading it.
    assert {name: data_month_of_file(landing / "employment" / name) for name in (MARCH_2024, JUNE_2023, JULY_2026)} \
        == {MARCH_2024: "2024-03", JUNE_2023: "2023-06", JULY_2026: "2026-07"}
    assert employment_partition_range(Settings.resolve(landing=landing)) == ("2023-06-01", "2026-07-01")


def test_published_months_with_line_feeds_are_decoded_in_parts_into_the_rows_of_a_whole_file_parse(
        landing, tmp_path, monkeypatch):
    """The published form (CP949, line feeds) takes the loader's decode-in-parts path; the older form (carriage
    returns) the whole-file parse. Forced through the whole-file parse, the same files give the same rows."""
    from ingestion import loader, parsers

    whole_file = []
    monkeypatch.setattr(loader, "parse_employment",
                        lambda *args: whole_file.append(args[2].split("/")[-1]) or parsers.parse_employment(*args))
    rows = ("SELECT * EXCLUDE (load_batch_id, loaded_at) FROM raw.employment ORDER BY source_file, source_row")
    load_landing(landing, tmp_path / "in_parts.duckdb", feeds=["employment"])
    assert whole_file == [JUNE_2023]
    monkeypatch.setattr(loader, "parse_employment_streamed", lambda *args: None)
    load_landing(landing, tmp_path / "whole.duckdb", feeds=["employment"])
    assert sorted(whole_file) == sorted([JUNE_2023, JUNE_2023, MARCH_2024, JULY_2026])
    in_parts = query(tmp_path / "in_parts.duckdb", rows)
    assert len(in_parts) == 17 and in_parts == query(tmp_path / "whole.duckdb", rows)


def test_published_quirks_are_read_as_the_facts_they_state(landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    rows = {(Path(f).name, r): rest for f, r, *rest in query(warehouse, """
        SELECT source_file, source_row, workplace_name, region_code_as_delivered, region_code, sigungu_code,
               eupmyeondong_code, postcode, legal_dong_code, covered_from::VARCHAR, reregistered_on::VARCHAR,
               withdrawn_on::VARCHAR, enrolment_status, subscribers, workplace_type, industry_code, copy_of_row
        FROM raw.employment""")}
    march = {r: v for (f, r), v in rows.items() if f == MARCH_2024}
    # 3-digit parts become the 5-digit 시군구 code (region + part); the 읍면동 part stays as delivered.
    assert march[2][:5] == ["(주)한빛정밀", "26", "26", "26440", "104"]
    assert march[2][7:10] == ["2015-03-02", None, None]
    assert march[3][0] == "(주)가온, 나래" and march[3][8] == "2020-01-15"
    assert march[4][:8] == ["(주)포유이엔지/일용/서울숲 신축공사", "11", "11", None, None, None, None, "2023-11-01"]
    assert march[5][9:12] == ["2024-03-15", 2, 0]                     # withdrawn: date, status 2, no subscribers
    assert march[6][1:4] == ["45", "52", "45113"]                      # 전북's old code still delivered in 2024
    assert march[7][1:4] == ["27", "27", "27720"] and march[8][1:4] == ["47", "47", "47720"]   # 군위, both codes
    assert march[9][12] == 2 and march[9][13] == "851201"              # individual workplace, NPS industry code
    # the exact duplicate is kept raw and marked as a copy of row 2 (staging leaves it out); no other row is one
    assert march[10][:14] == march[2][:14] and march[10][14] == 2
    assert [(f, r) for (f, r), v in rows.items() if v[14] is not None] == [(MARCH_2024, 10)]
    june = {r: v for (f, r), v in rows.items() if f == JUNE_2023}
    assert june[2][1:4] == ["47", "47", "47720"] and june[2][7] == "2011-10-10"   # older form: 5 digits, YYYYMMDD
    assert june[4][1:3] == ["42", "51"]
    assert june[5][0] == '에이원건설(주)/일용/강릉 "A"동 신축공사' and june[5][5] is None
    july = {r: v for (f, r), v in rows.items() if f == JULY_2026}
    assert [july[2][1:4], july[2][6]] == [["12", "12", "12170"], "2917010100"]   # 광주 by its legal-dong code
    assert [july[3][1:4], july[3][6]] == [["12", "12", "12130"], "4613010100"]   # 전남 by its legal-dong code



def test_a_warehouse_loaded_before_copies_were_marked_has_its_copies_marked_at_the_next_load(landing, tmp_path):
    """Earlier warehouses hold the copies unmarked (staging used to compare every row); the next load adds the
    column and marks them as a new file's are marked, so staging leaves them out."""
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    marked = "SELECT source_file, source_row, copy_of_row FROM raw.employment WHERE copy_of_row IS NOT NULL"
    assert query(warehouse, marked) == [(f"employment/{MARCH_2024}", 10, 2)]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE raw.employment DROP COLUMN copy_of_row")
    summary = load_landing(landing, warehouse)
    assert {f.status for f in summary.files} == {"unchanged"}
    assert query(warehouse, marked) == [(f"employment/{MARCH_2024}", 10, 2)]
    assert query(warehouse, "SELECT count(*) FROM raw.employment") == [(17,)]

PLANTED = [  # (row of the March 2024 file, field, value, reason the row must be quarantined with)
    (2, "covered_from", "2024-02-30", "invalid_date"),
    (3, None, None, "wrong_field_count"),
    (6, "month", "2024/03", "invalid_month"),
    (7, "sigungu", "7X0", "invalid_value"),
    (8, "subscribers", "-4", "negative_headcount"),
    (9, "brn", "60981", "invalid_brn"),
    (10, "withdrawn_on", "20240399", "invalid_date"),
]


def test_planted_defects_quarantine_exactly_those_rows_each_with_its_reason(tmp_path):
    landing = tmp_path / "landing"
    (landing / "employment").mkdir(parents=True)
    lines = fixture_lines(MARCH_2024)
    for row, field, value, _ in PLANTED:
        lines[row - 1] = lines[row - 1] + ",extra" if field is None else with_field(lines[row - 1], field, value)
    write_lines(landing, MARCH_2024, lines)
    warehouse = tmp_path / "warehouse.duckdb"
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (
        "loaded_with_quarantine", 9, 2, 7)
    quarantined = query(warehouse, "SELECT source_row, reason_code, message FROM audit.quarantine ORDER BY 1")
    assert [(row, reason) for row, reason, _ in quarantined] == [(row, reason) for row, _, _, reason in PLANTED]
    assert all(message.startswith(f"employment/{MARCH_2024} row {row}: ") for row, _, message in quarantined)
    assert "적용일자" in quarantined[0][2] and "2024-02-30" in quarantined[0][2]
    assert query(warehouse, "SELECT source_row FROM raw.employment ORDER BY 1") == [(4,), (5,)]


def test_a_file_stating_two_months_or_none_is_rejected_whole_with_its_own_reason(tmp_path):
    landing = tmp_path / "landing"
    (landing / "employment").mkdir(parents=True)
    march = fixture_lines(MARCH_2024)
    write_lines(landing, "mixed.csv", [*march[:5], with_field(march[5], "month", "2024-04"), *march[6:]])
    write_lines(landing, "header_only.csv", march[:1])
    write_lines(landing, "no_month.csv", [march[0], *(with_field(line, "month", "") for line in march[1:4])])
    warehouse = tmp_path / "warehouse.duckdb"
    outcomes = {f.file_path: f for f in load_landing(landing, warehouse).files}
    mixed, empty, monthless = (outcomes[f"employment/{n}"] for n in ("mixed.csv", "header_only.csv", "no_month.csv"))
    assert (mixed.status, mixed.reject_reason, mixed.rows_read, mixed.rows_quarantined) == (
        "rejected", "file_mixed_months", 9, 9)
    assert "2024-03" in mixed.error and "row 6" in mixed.error
    assert (empty.status, empty.reject_reason, empty.rows_read) == ("rejected", "file_empty", 0)
    assert (monthless.status, monthless.reject_reason, monthless.rows_quarantined) == ("rejected", "file_no_month", 3)
    assert query(warehouse, "SELECT count(*) FROM raw.employment") == [(0,)]
    assert query(warehouse, "SELECT DISTINCT file_path, reason_code FROM audit.quarantine ORDER BY 1") == [
        ("employment/mixed.csv", "file_mixed_months"), ("employment/no_month.csv", "file_no_month")]
    assert data_month_of_file(landing / "employment" / "header_only.csv") is None


def test_a_corrected_month_under_a_new_posting_date_replaces_the_month_and_supersedes_the_first(landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    march = fixture_lines(MARCH_2024)
    corrected = PORTAL.format("20240510")
    write_lines(landing, corrected, [march[0], with_field(march[1], "subscribers", "43"), *march[2:9]])
    second = {f.file_path: f for f in load_landing(landing, warehouse).files}
    assert second[f"employment/{corrected}"].status == "loaded"
    assert second[f"employment/{corrected}"].supersedes == [f"employment/{MARCH_2024}"]
    assert query(warehouse, "SELECT status, superseded_by FROM audit.ingest_files WHERE file_path = ?",
                 [f"employment/{MARCH_2024}"]) == [("superseded", f"employment/{corrected}")]
    assert query(warehouse, "SELECT source_file, count(*), max(subscribers) FROM raw.employment "
                            "WHERE data_month = DATE '2024-03-01' GROUP BY 1") == [(f"employment/{corrected}", 8, 43)]
    assert query(warehouse, "SELECT count(*) FROM raw.employment WHERE data_month <> DATE '2024-03-01'") == [(8,)]
    # The same content under yet another name is a duplicate; nothing is loaded again on a rerun, and the
    # superseded file still on disk does not come back.
    shutil.copy(landing / "employment" / corrected, landing / "employment" / "march_copy.csv")
    third = {f.file_path: f.status for f in load_landing(landing, warehouse).files}
    assert third.pop("employment/march_copy.csv") == "duplicate"
    assert set(third.values()) == {"unchanged"}
    assert query(warehouse, "SELECT count(*) FROM raw.employment WHERE data_month = DATE '2024-03-01'") == [(8,)]


def test_a_month_saved_over_last_months_file_is_refused_until_it_has_a_name_of_its_own(tmp_path):
    """A download script that saves every month under one name: the path already delivered March, and April
    loaded there would share every (path, row) with it. April is quarantined whole, March stays, and the same
    file under a name of its own loads as April."""
    employment = tmp_path / "landing" / "employment"
    employment.mkdir(parents=True)
    latest = employment / "nps_latest.csv"
    shutil.copy(FIXTURES / "employment" / MARCH_2024, latest)
    warehouse = tmp_path / "warehouse.duckdb"
    [march] = load_landing(tmp_path / "landing", warehouse).files
    assert (march.status, march.data_month) == ("loaded", "2024-03")
    april = fixture_lines(MARCH_2024)
    write_lines(employment.parent, "nps_latest.csv", [april[0], *(with_field(line, "month", "2024-04")
                                                                  for line in april[1:])])
    [refused] = load_landing(tmp_path / "landing", warehouse).files
    assert (refused.status, refused.reject_reason, refused.rows_read, refused.rows_quarantined) == (
        "rejected", "file_path_reused", 9, 9)
    assert "2024-04" in refused.error and "2024-03" in refused.error
    assert query(warehouse, "SELECT DISTINCT reason_code FROM audit.quarantine") == [("file_path_reused",)]
    assert query(warehouse, "SELECT data_month, count(*) FROM raw.employment GROUP BY 1") == [(dt.date(2024, 3, 1), 9)]
    assert [f.status for f in load_landing(tmp_path / "landing", warehouse).files] == ["unchanged"]

    shutil.copy(latest, employment / PORTAL.format("20240527"))
    loaded = {f.file_path: f for f in load_landing(tmp_path / "landing", warehouse).files}
    assert (loaded[f"employment/{PORTAL.format('20240527')}"].status,
            loaded[f"employment/{PORTAL.format('20240527')}"].data_month) == ("loaded", "2024-04")
    assert query(warehouse, "SELECT data_month, source_file, count(*) FROM raw.employment GROUP BY 1, 2 ORDER BY 1") == [
        (dt.date(2024, 3, 1), "employment/nps_latest.csv", 9),
        (dt.date(2024, 4, 1), f"employment/{PORTAL.format('20240527')}", 9)]


def test_a_rejected_correction_keeps_the_month_already_loaded(landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    march = fixture_lines(MARCH_2024)
    write_lines(landing, PORTAL.format("20240510"), [*march[:3], with_field(march[3], "month", "2024-02")])
    outcome = next(f for f in load_landing(landing, warehouse).files if f.file_path.endswith("20240510.csv"))
    assert (outcome.status, outcome.reject_reason) == ("rejected", "file_mixed_months")
    assert query(warehouse, "SELECT status FROM audit.ingest_files WHERE file_path = ?",
                 [f"employment/{MARCH_2024}"]) == [("loaded",)]
    assert query(warehouse, "SELECT count(*) FROM raw.employment WHERE data_month = DATE '2024-03-01'") == [(9,)]


FIRM_ROWS = [  # a designation list as an agency keeps it in Excel: real date cells next to text dates
    ["504-86-00016", "삼국유사식품(주)", "경북", "10301", None, "주축", "예비", dt.datetime(2024, 2, 5), None],
    [1348672683, "(주)한빛정밀", "부산광역시", 29199, "초정밀 소재부품", "주축", "선도", "2023.05.10", None],
    None,                                                                    # an empty row Excel shows as row 4
    ["220-81-62517", "(주)가온, 나래", "광주", "26299", None, "초광역", "잠재", dt.date(2023, 7, 1), "2024-01-31"],
    ["123-45-67890", "오류상사", "부산", "29199", None, "주축", "잠재", "2024-01-02", None],
    ["116-82-00276", "대한(주)", "광주시", "29199", None, "주축", "잠재", "2024-01-02", None],
    ["116-82-00276", "대한(주)", "부산", "29199", None, "주축", "잠재", "2024-02-30", None],
    ["116-82-00276", "대한(주)", "부산", "29199", None, "주축", "잠재", "2024-01-02", None, "비고"],
]


def write_workbook(path: Path, rows: list[list | None]) -> Path:
    from ingestion.contracts.firms import HEADER

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(row or [])
    workbook.create_sheet("메모").append(["second sheets are not read"])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def test_an_excel_firm_list_loads_with_the_rows_excel_shows_and_the_same_reasons(tmp_path):
    landing = tmp_path / "landing"
    write_workbook(landing / "firms" / "daegu_2024_batch02.xlsx", FIRM_ROWS)
    warehouse = tmp_path / "warehouse.duckdb"
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (
        "loaded_with_quarantine", 7, 3, 4)
    assert query(warehouse, "SELECT source_row, brn, region_code, industry_code, designated_on::VARCHAR, "
                            "withdrawn_on::VARCHAR FROM raw.firms ORDER BY 1") == [
        (2, "5048600016", "47", "10301", "2024-02-05", None), (3, "1348672683", "26", "29199", "2023-05-10", None),
        (5, "2208162517", "29", "26299", "2023-07-01", "2024-01-31")]
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine ORDER BY 1") == [
        (6, "invalid_brn"), (7, "ambiguous_region"), (8, "invalid_date"), (9, "wrong_field_count")]


def test_an_excel_file_that_is_not_a_workbook_is_rejected_whole(tmp_path):
    landing = tmp_path / "landing"
    (landing / "firms").mkdir(parents=True)
    (landing / "firms" / "busan_2024_batch01.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    [outcome] = load_landing(landing, tmp_path / "warehouse.duckdb").files
    assert (outcome.status, outcome.reject_reason, outcome.rows_read, outcome.rows_quarantined) == (
        "rejected", "file_unparseable", 1, 1)
    assert outcome.error.startswith("firms/busan_2024_batch01.xlsx: not a readable .xlsx workbook")


def sme_warehouse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_validate_passes_the_published_files_and_writes_nothing(landing):
    before = sorted(p.relative_to(landing) for p in landing.rglob("*"))
    done = sme_warehouse("validate", str(landing))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 file(s), 20 rows read, 0 would be quarantined" in done.stdout
    assert sorted(p.relative_to(landing) for p in landing.rglob("*")) == before


def test_validate_names_each_row_that_would_be_quarantined(tmp_path):
    landing = tmp_path / "landing"
    (landing / "employment").mkdir(parents=True)
    lines = fixture_lines(MARCH_2024)
    lines[7] = with_field(lines[7], "subscribers", "-4")
    path = write_lines(landing, "nps_march.csv", lines)
    workbook = write_workbook(tmp_path / "list.xlsx", FIRM_ROWS[:2])
    done = sme_warehouse("validate", str(path), str(workbook), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["rows_quarantined"] == 1
    [employment, firms] = report["files"]
    assert (employment["feed"], employment["data_month"], employment["status"]) == (
        "employment", "2024-03", "would_quarantine")
    assert [(q["row"], q["reason"]) for q in employment["quarantined"]] == [(8, "negative_headcount")]
    assert (firms["feed"], firms["status"]) == ("firms", "would_load")


def test_validate_exits_2_on_a_file_that_cannot_be_read(tmp_path):
    undecodable = tmp_path / "employment" / "broken.csv"
    undecodable.parent.mkdir()
    undecodable.write_bytes(b"\xff\xfe\x00\x00garbage\n\x80\x81\n")
    done = sme_warehouse("validate", str(undecodable), "--feed", "employment")
    assert done.returncode == 2
    assert "file_undecodable" in done.stdout
    assert sme_warehouse("validate", str(tmp_path / "missing.csv")).returncode == 2


def test_run_refuses_a_landing_folder_that_is_missing_or_holds_no_feed(tmp_path):
    missing = sme_warehouse("run", "--landing", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert missing.returncode == 2 and str(tmp_path / "nowhere") in missing.stderr and "does not exist" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = sme_warehouse("run", "--landing", str(tmp_path / "empty"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert empty.returncode == 2 and "holds none of the feed folders" in empty.stderr
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.slow
def test_published_rows_get_their_programme_region_through_dbt(landing, tmp_path):
    """군위 by its 5-digit 시군구 code on either side of its move, code 12 by the legal-dong code, 42 and 45 by
    their successors: the region bridge dbt applies, on the rows as the loader keeps them."""
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    _dbt_build_bridged(warehouse, tmp_path)
    regions = dict(((name, month.isoformat()[:7]), region) for name, month, region in query(warehouse, """
        SELECT workplace_name, data_month, programme_region_code FROM intermediate.int_workplace_rows_bridged"""))
    assert regions[("삼국유사식품(주)", "2023-06")] == "47"       # 47720 before 2023-07-01: 경북
    assert regions[("삼국유사식품(주)", "2024-03")] == "27"       # 47 + 720 after the move: 대구
    assert regions[("군위농산(주)", "2024-03")] == "27"           # 27 + 720
    assert regions[("(주)빛고을로봇", "2026-07")] == "29"         # code 12, legal-dong 29…
    assert regions[("여수화학(주)", "2026-07")] == "46"           # code 12, legal-dong 46…
    assert regions[("전주기계(주)", "2024-03")] == regions[("전주기계(주)", "2026-07")] == "52"   # 45 and 52
    assert regions[("강원목재(주)", "2023-06")] == "51"           # 42
    assert None not in regions.values()


CODE12 = FIXTURES / "code12"
AUGUST_2026 = PORTAL.format("20260922")      # data month 2026-08, rows under the merged code 12
CODE12_FIRMS = "firms/jeonnam_2026_batch01.csv"
# (file, row) -> what the row says: the rows the loader must quarantine as ambiguous_region
CODE12_QUARANTINED = {
    (f"employment/{AUGUST_2026}", 4): "a construction site under 12: no 시군구 beyond 12xxx, no legal-dong code",
    (f"employment/{AUGUST_2026}", 5): "under 12 with a legal-dong code already renumbered under 12",
    (CODE12_FIRMS, 4): "시도 전남광주통합특별시: a firm row carries no 시군구 or legal-dong code",
    (CODE12_FIRMS, 5): "시도 12: the same",
}


@pytest.fixture
def code12_landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(CODE12, root)
    return root


def test_code_12_rows_the_row_cannot_place_are_quarantined_as_ambiguous_and_the_rest_load(code12_landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    outcomes = {f.file_path: f for f in load_landing(code12_landing, warehouse).files}
    assert {path: (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) for path, f in outcomes.items()} == {
        f"employment/{AUGUST_2026}": ("loaded_with_quarantine", 7, 5, 2),
        CODE12_FIRMS: ("loaded_with_quarantine", 5, 3, 2)}
    quarantined = query(warehouse, "SELECT file_path, source_row, reason_code, message FROM audit.quarantine")
    assert {(path, row): reason for path, row, reason, _ in quarantined} == {
        key: "ambiguous_region" for key in CODE12_QUARANTINED}
    assert all("spans programme regions 29 and 46" in message for *_, message in quarantined)
    # the loader's reconciliation, as recorded: every row read is loaded or quarantined
    assert query(warehouse, "SELECT count(*) FROM audit.ingest_files WHERE rows_read <> rows_loaded + rows_quarantined"
                 ) == [(0,)]
    assert query(warehouse, "SELECT source_row, region_code_as_delivered, sigungu_code, legal_dong_code "
                            "FROM raw.employment ORDER BY 1") == [
        (2, "12", "12170", "2917010100"), (3, "12", "12130", "4613010100"), (6, "46", "46150", "4615031021"),
        (7, "29", "29170", "2917012700"), (8, "12", "12110", "4611010100")]
    assert query(warehouse, "SELECT source_row, region_as_delivered, region_code FROM raw.firms ORDER BY 1") == [
        (2, "전남", "46"), (3, "광주광역시", "29"), (6, "4615000000", "46")]


def test_validate_names_the_code_12_rows_it_would_quarantine(code12_landing):
    done = sme_warehouse("validate", str(code12_landing), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert {(q["file"].split("landing/")[-1], q["row"], q["reason"]) for f in report["files"]
            for q in f["quarantined"]} == {(path, row, "ambiguous_region") for path, row in CODE12_QUARANTINED}


def _dbt_build_bridged(warehouse: Path, work: Path) -> None:
    """dbt builds the region bridge models (and their data tests) on the rows as the loader keeps them."""
    run_dbt(["build", "--select", "+int_workplace_rows_bridged", "+int_firm_designations_bridged",
             "--indirect-selection", "cautious", "--exclude", "test_type:unit"], warehouse, work, timeout=600)


@pytest.mark.slow
def test_code_12_rows_that_load_get_gwangju_or_jeonnam_through_dbt(code12_landing, tmp_path):
    """The rows the loader let through are placed by dbt's bridge in 29 or 46, and the build's test that every
    code-12 row has a programme region (loader and bridge agree) passes."""
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(code12_landing, warehouse)
    _dbt_build_bridged(warehouse, tmp_path)
    assert query(warehouse, "SELECT source_row, workplace_name, programme_region_code "
                            "FROM intermediate.int_workplace_rows_bridged ORDER BY 1") == [
        (2, "(주)빛고을로봇", "29"), (3, "여수화학(주)", "46"), (6, "순천제지(주)", "46"), (7, "(주)가온, 나래", "29"),
        (8, "목포조선(주)", "46")]
    assert query(warehouse, "SELECT source_row, firm_name, programme_region_code "
                            "FROM intermediate.int_firm_designations_bridged ORDER BY 1") == [
        (2, "여수화학(주)", "46"), (3, "(주)빛고을로봇", "29"), (6, "순천제지(주)", "46")]
