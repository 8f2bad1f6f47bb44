"""End-to-end test of the dbt project on a small hand-made warehouse.

One module fixture writes a small hand-made landing folder (firms, funding events with a reversal, 24 monthly NPS
files crossing the 강원 code change 42 -> 51), loads it with the loader into a temporary DuckDB file, runs
`dbt build` once against it and the tests read the results. Every expected
number below was worked out by hand from these rows; the comments say how.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.contracts.identifiers import brn_check_digit
from tests.dbt_cli import PROJECT, run_dbt
from tests.handmade import write_employment, write_firms, write_funding

pytestmark = pytest.mark.slow


def brn(first_nine: str) -> str:
    return first_nine + str(brn_check_digit(first_nine))


# Programme firms (brn: the first six digits are what the NPS file shows).
FIRM_A = "1348672683"          # 강원, (주)가나테크: 예비 2023-02-01, promoted to 선도 2023-08-01 (주축)
FIRM_B = "1168200276"          # 부산, ABC Robotics: 선도 초광역 2023-03-15
FIRM_C = "2208162517"          # 경북, 다라 소재: 선도 주축 2023-01-10, withdrawn 2024-02-01
FIRM_D = brn("301810001")      # 대전, 마바산업: two NPS workplaces fit -> ambiguous
FIRM_E = brn("312810002")      # 충남, 사아정밀: the NPS workplace with its prefix has another name -> unmatched
FIRM_F = brn("104810003")      # 서울, 서울바이오: 선도 주축 in the capital area (not a leading_firms firm); no workplace
FIRM_G = brn("504810004")      # 대구, (주) 대구 정밀: 잠재 2023-04-01
FIRM_H = brn("505810005")      # 경남, 라마기계: 잠재 2023-05-01; its workplace moved from 충북 in 2024-01
FIRM_I = brn("506810006")      # 경남, 바사일렉트릭: 잠재 2023-05-01; its workplace was renamed twice
FIRM_J = brn("605810005")      # 광주 and 전남 agencies both designate it 선도 주축 on 2024-01-15; 선도 초광역 in 광주 too
FIRM_K = brn("706810006")      # 세종, 선도 초광역 2023-05-01: counted, but 세종 takes part in no cross-regional industry
FIRM_L = brn("807810007")      # 서울, 선도 초광역 2023-05-01: the capital area never counts

MONTHS = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(24)]   # 2023-01 .. 2024-12


def headcount_a(i: int) -> int:
    """FIRM_A's workplace: 20 until 2023-03, then one more person every month."""
    return 20 if i <= 2 else 20 + (i - 2)


def name_i(i: int) -> str:
    """FIRM_I's workplace: "(주)바사전자", rewritten "바사전자(주)" from 2023-07, renamed "바사일렉트릭(주)" in 2024-01."""
    return "(주)바사전자" if i < 6 else "바사전자(주)" if i < 12 else "바사일렉트릭(주)"


# name (or name per month index), brn prefix, region per month index, sigungu per month index, industry code,
# subscribers per month index
WORKPLACES = [
    ("가나테크 주식회사", FIRM_A[:6], lambda i: "42" if i < 5 else "51", lambda i: "42110" if i < 5 else "51110",
     "292203", headcount_a),
    ("abc robotics", FIRM_B[:6], lambda i: "26", lambda i: "26440", "292203", lambda i: 100),
    ("다라소재(주)", FIRM_C[:6], lambda i: "47", lambda i: "47190", "242100", lambda i: 40),
    ("마바산업", FIRM_D[:6], lambda i: "30", lambda i: "30200", "251100", lambda i: 12),
    ("(주)마바산업", FIRM_D[:6], lambda i: "30", lambda i: "30170", "251100", lambda i: 8),
    ("자차정밀", FIRM_E[:6], lambda i: "44", lambda i: "44200", "292203", lambda i: 25),
    ("㈜대구정밀", FIRM_G[:6], lambda i: "27", lambda i: "27290", "292203", lambda i: 10 if i < 12 else 12),
    ("(주)라마기계", FIRM_H[:6], lambda i: "43" if i < 12 else "48", lambda i: "43110" if i < 12 else "48120",
     "292203", lambda i: 30 + i),
    (name_i, FIRM_I[:6], lambda i: "48", lambda i: "48170", "261100", lambda i: 50 - i),
    # never-supported workplaces: two fit FIRM_A's cell (강원, division 29, 10-49 people, baseline 2023-03)
    ("강원식품", "401810", lambda i: "42" if i < 5 else "51", lambda i: "42130", "291100",
     lambda i: 15 if i <= 2 else 17),                                   # change to +12: +2
    ("설악기계", "402810", lambda i: "42" if i < 5 else "51", lambda i: "42150", "299900",
     lambda i: 30 if i <= 2 else 26),                                   # change to +12: -4
    ("태백중공업", "403810", lambda i: "51", lambda i: "51190", "292203", lambda i: 60),    # other size band
    ("해운대기계", "602810", lambda i: "26", lambda i: "26350", "292203", lambda i: 20),    # other region
    # 군위군: 경북 47720 until 2023-06, the same code after the move to 대구 on 2023-07-01
    ("군위농산", "503810", lambda i: "47", lambda i: "47720", "011100", lambda i: 5),
]

DESIGNATIONS = [
    # brn, name, region, industry code, industry type, stage, designated_on, withdrawn_on
    (FIRM_A, "(주)가나테크", "51", "29299", "주축", "예비", "2023-02-01", None),
    (FIRM_A, "(주)가나테크", "51", "29299", "주축", "선도", "2023-08-01", None),
    (FIRM_B, "ABC Robotics", "26", "29299", "초광역", "선도", "2023-03-15", None),
    (FIRM_C, "다라 소재", "47", "24210", "주축", "선도", "2023-01-10", "2024-02-01"),
    (FIRM_D, "마바산업", "30", "25110", "미래", "예비", "2023-05-01", None),
    (FIRM_E, "사아정밀", "44", "29299", "주축", "잠재", "2023-05-01", None),
    (FIRM_F, "서울바이오", "11", "21100", "주축", "선도", "2023-06-01", None),
    (FIRM_G, "(주) 대구 정밀", "27", "29299", "주축", "잠재", "2023-04-01", None),
    (FIRM_H, "라마기계(주)", "48", "29299", "주축", "잠재", "2023-05-01", None),
    (FIRM_I, "바사일렉트릭", "48", "26110", "주축", "잠재", "2023-05-01", None),
    (FIRM_J, "하나배터리", "29", "28202", "주축", "선도", "2024-01-15", None),
    (FIRM_J, "하나배터리", "46", "28202", "주축", "선도", "2024-01-15", None),
    (FIRM_J, "하나배터리", "29", "28202", "초광역", "선도", "2024-04-01", "2024-10-01"),   # ends only its own track
    (FIRM_K, "세종데이터", "36", "58221", "초광역", "선도", "2023-05-01", None),
    (FIRM_L, "서울모빌리티", "11", "30399", "초광역", "선도", "2023-05-01", None),
]

FUNDING = [
    # event_id, brn, programme, project, consortium, amount, paid_on, reverses
    ("E1", FIRM_A, "GP300", "GP300-51-01", None, 50_000_000, "2023-04-20", None),
    ("E2", FIRM_A, "COLLAB", None, "K1", 1_000_000, "2023-05-10", None),
    ("E3", FIRM_G, "COLLAB", None, "K1", 500_000, "2023-06-15", None),
    ("E4", FIRM_B, "COLLAB", None, "K2", 800_000, "2023-07-01", None),
    ("E5", FIRM_C, "COLLAB", None, "K2", 700_000, "2023-07-05", None),
    ("E6", FIRM_C, "COLLAB", None, None, -700_000, "2023-11-20", "E5"),   # cancels E5; names no consortium
]

QUARTERS = [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
REGIONS = ["11", "26", "27", "28", "29", "30", "31", "36", "41", "51", "43", "44", "52", "46", "47", "48", "50"]


def _write_landing(landing: Path) -> None:
    """The hand-made rows above as landing files in the feeds' delivered formats (the loader reads them)."""
    write_firms(landing, "agency_2024.csv", [
        [f"{b[:3]}-{b[3:5]}-{b[5:]}", name, region, code, "", kind, stage, on, off or ""]
        for b, name, region, code, kind, stage, on, off in DESIGNATIONS])
    write_funding(landing, "events_2023.jsonl", [
        {"event_id": event, "brn": b, "program_code": programme, "project_id": project, "consortium_id": consortium,
         "amount_krw": amount, "paid_on": paid_on, "kind": "grant", "reverses": reverses}
        for event, b, programme, project, consortium, amount, paid_on, reverses in FUNDING])
    for i, month in enumerate(MONTHS):
        rows = [[f"{month:%Y%m}", name(i) if callable(name) else name, prefix, "1", "24000", "", "",
                 sigungu(i) + "00000", "", region(i),
                 sigungu(i), "", "1", industry, "제조업", "20150101", "", "", str(subscribers(i)),
                 str(subscribers(i) * 100_000), "0", "0"]
                for name, prefix, region, sigungu, industry, subscribers in WORKPLACES]
        if month == dt.date(2023, 5, 1):
            rows.append(list(rows[0]))          # an exact duplicate row inside the 2023-05 file
        write_employment(landing, f"nps_{month:%Y%m}.csv", rows)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Path of a warehouse built by one `dbt build` over the hand-made landing; also the build's timing."""
    work = tmp_path_factory.mktemp("dbt_build")
    db_path = work / "warehouse.duckdb"
    _write_landing(work / "landing")
    summary = load_landing(work / "landing", db_path)
    assert summary.total("rows_quarantined") == 0 and summary.files_by_status == {"loaded": 26}
    started = time.monotonic()
    run_dbt(["build"], db_path, work)
    seconds = time.monotonic() - started
    yield db_path, seconds, work / "target"
    shutil.rmtree(work, ignore_errors=True)


def _rows(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _kpi(db_path: Path, kpi_code: str, region_code: str) -> dict[str, float]:
    rows = _rows(db_path, "SELECT quarter, actual FROM kpi.kpi_official_candidate "
                          "WHERE kpi_code = ? AND region_code = ? ORDER BY quarter", [kpi_code, region_code])
    return dict(rows)


def test_every_kpi_entity_has_a_programme_region(warehouse):
    db_path, seconds, _ = warehouse
    # No entity silently falls out of the regional rows; only the provisional structural centres have no region.
    assert _rows(db_path, "SELECT count(*) FROM intermediate.int_kpi_entities "
                          "WHERE region_code IS NULL AND NOT is_provisional") == [(0,)]
    print(f"dbt build took {seconds:.1f}s")


def test_quarters_run_from_first_to_last_data(warehouse):
    db_path, *_ = warehouse
    assert [q for (q,) in _rows(db_path, "SELECT quarter FROM marts.dim_date ORDER BY quarter")] == QUARTERS


def test_every_kpi_has_every_region_and_quarter(warehouse):
    db_path, *_ = warehouse
    counts = _rows(db_path, "SELECT kpi_code, count(*) FROM kpi.kpi_official_candidate GROUP BY kpi_code")
    assert len(counts) == 12 + 9       # jobs_created once per programme of ref_programs, too
    assert all(n == 8 * 18 for _, n in counts)


def test_leading_firms(warehouse):
    db_path, *_ = warehouse
    # C (경북) counts until its withdrawal on 2024-02-01; A (강원) from its promotion on 2023-08-01;
    # F (서울) is in the capital area and never counts. H is delivered by two agencies on one day: both rows are
    # kept, it counts in 광주 and in 전남, and once nationally (the national row is not the sum of the regions).
    assert _kpi(db_path, "leading_firms", "ALL") == dict(zip(QUARTERS, [1, 1, 2, 2, 2, 2, 2, 2]))
    assert _kpi(db_path, "leading_firms", "47") == dict(zip(QUARTERS, [1, 1, 1, 1, 0, 0, 0, 0]))
    assert _kpi(db_path, "leading_firms", "29") == _kpi(db_path, "leading_firms", "46") == dict(
        zip(QUARTERS, [0, 0, 0, 0, 1, 1, 1, 1]))
    assert set(_kpi(db_path, "leading_firms", "11").values()) == {0}


def test_leading_firms_cumulative(warehouse):
    db_path, *_ = warehouse
    # 주축 leading designations dated since the plan announcement (2023-04-06): A from 2023Q3, H from 2024Q1;
    # C (2023-01-10) predates the plan, and nothing leaves the count when a firm is withdrawn.
    assert _kpi(db_path, "leading_firms_cumulative", "ALL") == dict(zip(QUARTERS, [0, 0, 1, 1, 2, 2, 2, 2]))


def test_superregional_and_representative(warehouse):
    db_path, *_ = warehouse
    assert _kpi(db_path, "superregional_leading_firms", "26") == dict(zip(QUARTERS, [1] * 8))
    # H's 초광역 designation (2024-04-01, withdrawn 2024-10-01) leaves its 주축 one in force; J (서울) never counts
    assert _kpi(db_path, "superregional_leading_firms", "29") == dict(zip(QUARTERS, [0, 0, 0, 0, 0, 1, 1, 0]))
    assert _kpi(db_path, "leading_firms", "29")["2024Q4"] == 1
    assert _kpi(db_path, "superregional_leading_firms", "11") == dict(zip(QUARTERS, [0] * 8))
    assert _kpi(db_path, "superregional_leading_firms", "ALL") == dict(zip(QUARTERS, [1, 2, 2, 2, 2, 3, 3, 2]))
    # a firm counted by both rules counts once, in its region and nationally
    assert _kpi(db_path, "representative_smes", "29") == dict(zip(QUARTERS, [0, 0, 0, 0, 1, 1, 1, 1]))
    assert _kpi(db_path, "representative_smes", "ALL") == dict(zip(QUARTERS, [2, 3, 4, 4, 4, 4, 4, 4]))


def test_two_agencies_on_one_day_are_both_kept(warehouse):
    db_path, *_ = warehouse
    rows = _rows(db_path, "SELECT region_code, industry_type FROM staging.stg_firms__designations WHERE brn = ? "
                          "ORDER BY designated_on, region_code, industry_type", [FIRM_J])
    assert rows == [("29", "주축"), ("46", "주축"), ("29", "초광역")]


def test_growth_project_success(warehouse):
    db_path, *_ = warehouse
    # GP300-51-01 starts 2023-03-01 (target 7): baseline 2023-02 = 20 people; 2023-09 = 26 (+6), 2023-12 = 29 (+9).
    assert _kpi(db_path, "growth_project_success_cases", "51") == dict(zip(QUARTERS, [0, 0, 0, 1, 1, 1, 1, 1]))
    assert _kpi(db_path, "growth_project_success_cases", "ALL") == _kpi(db_path, "growth_project_success_cases", "51")


def test_collaboration_models_net_of_reversals(warehouse):
    db_path, *_ = warehouse
    # K1 (A then G, region of A = 51) from 2023Q2; K2 (B and C, region of B = 26) only in 2023Q3:
    # C's payment is reversed on 2023-11-20, by an event that names no consortium.
    assert _kpi(db_path, "collaboration_models", "51") == dict(zip(QUARTERS, [0, 1, 1, 1, 1, 1, 1, 1]))
    assert _kpi(db_path, "collaboration_models", "26") == dict(zip(QUARTERS, [0, 0, 1, 0, 0, 0, 0, 0]))


def test_centre_regions(warehouse):
    db_path, *_ = warehouse
    assert _kpi(db_path, "crisis_centre_regions", "ALL") == dict(zip(QUARTERS, [5, 5, 5, 12, 12, 12, 12, 12]))
    assert _kpi(db_path, "crisis_centre_regions", "51") == dict(zip(QUARTERS, [1] * 8))
    assert _kpi(db_path, "crisis_centre_regions", "36") == dict(zip(QUARTERS, [0] * 8))
    # the reference says 10 regions (from the 2023-04-06 announcement) but not which: the national row publishes
    # 10 as provisional and the regional rows are unknown, null rather than 0
    assert _kpi(db_path, "structural_centre_regions", "ALL") == dict(zip(QUARTERS, [0] + [10] * 7))
    assert _kpi(db_path, "structural_centre_regions", "26") == dict(zip(QUARTERS, [0] + [None] * 7))
    statuses = _rows(db_path, "SELECT DISTINCT status, status_reason FROM kpi.kpi_official_candidate "
                              "WHERE kpi_code = 'structural_centre_regions' AND quarter >= '2023Q2'")
    assert statuses == [("provisional", "rests on reference rows marked provisional or illustrative")]
    assert _rows(db_path, "SELECT DISTINCT status FROM kpi.kpi_official_candidate "
                          "WHERE kpi_code = 'crisis_centre_regions'") == [("final",)]


def test_jobs_created(warehouse):
    db_path, *_ = warehouse
    # A: first payment 2023-04-20, baseline 2023-03 = 20; reference months 2023-06 .. 2024-12 = 23 .. 41.
    assert _kpi(db_path, "jobs_created", "51") == dict(zip(QUARTERS, [0, 3, 6, 9, 12, 15, 18, 21]))
    # G: first payment 2023-06-15, baseline 2023-05 = 10, 12 from 2024-01. B: 100 throughout. C: fully reversed.
    assert _kpi(db_path, "jobs_created", "27") == dict(zip(QUARTERS, [0, 0, 0, 0, 2, 2, 2, 2]))
    assert _kpi(db_path, "jobs_created", "ALL") == dict(zip(QUARTERS, [0, 3, 6, 9, 14, 17, 20, 23]))
    # support is judged at quarter end: C's COLLAB payment (2023-07-05) counts in 2023Q3, before its reversal
    # (2023-11-20), and only there; its headcount is flat, so it adds 0
    quarters = _rows(db_path, "SELECT quarter FROM intermediate.int_kpi_jobs_created "
                              "WHERE brn = ? AND kpi_code = 'jobs_created'", [FIRM_C])
    assert quarters == [("2023Q3",)]



def test_jobs_created_per_programme_counts_a_firm_in_each_programme_and_once_pooled(warehouse):
    db_path, *_ = warehouse
    # A is in GP300 (first payment 2023-04-20, baseline 2023-03 = 20) and COLLAB (2023-05-10, baseline 2023-04 =
    # 21): each programme counts it from its own entry, the pooled figure once, from its first payment of any.
    assert _kpi(db_path, "jobs_created_gp300", "51") == dict(zip(QUARTERS, [0, 3, 6, 9, 12, 15, 18, 21]))
    assert _kpi(db_path, "jobs_created_collab", "51") == dict(zip(QUARTERS, [0, 2, 5, 8, 11, 14, 17, 20]))
    # COLLAB nationally: A, G (+2 from 2024Q1), B (flat) and C (only in 2023Q3, flat)
    assert _kpi(db_path, "jobs_created_collab", "ALL") == dict(zip(QUARTERS, [0, 2, 5, 8, 13, 16, 19, 22]))
    assert _kpi(db_path, "jobs_created_gp300", "ALL") == _kpi(db_path, "jobs_created_gp300", "51")
    # the programme figures do not add up to the pooled one, which counts A once
    assert _kpi(db_path, "jobs_created", "ALL")["2024Q1"] == 14 != 12 + 13
    assert set(_kpi(db_path, "jobs_created_talent", "ALL").values()) == {0}
    assert _rows(db_path, "SELECT DISTINCT definition_version FROM kpi.kpi_official_candidate "
                          "WHERE kpi_code LIKE 'jobs_created%'") == [("2026.2",)]
    # every programme of ref_programs has its own KPI
    assert _rows(db_path, "SELECT count(*) FROM ref.ref_programs p LEFT JOIN ref.ref_kpi_definitions d "
                          "USING (program_code) WHERE d.kpi_code IS NULL") == [(0,)]


def test_employment_effect_did(warehouse):
    db_path, *_ = warehouse
    # A: +12 from baseline 2023-03 to 2024-03; comparison 강원식품 +2 and 설악기계 -4 -> mean -1; DiD = 13.
    # Observable from 2024Q1 (reference month 2024-03). No other firm has a comparison group.
    assert _kpi(db_path, "employment_effect_did", "51") == dict(zip(QUARTERS, [0, 0, 0, 0, 13, 13, 13, 13]))
    assert _kpi(db_path, "employment_effect_did", "ALL") == _kpi(db_path, "employment_effect_did", "51")
    outcome = _rows(db_path, "SELECT baseline_month, baseline_headcount, headcount_m12, comparison_group_size, "
                             "comparison_change_m12, did_m12, stage_at_entry, promoted_after_entry, "
                             "counts_toward_gp300_success FROM marts.fct_program_outcomes "
                             "WHERE brn = ? AND program_code = 'GP300'", [FIRM_A])
    assert outcome == [(dt.date(2023, 3, 1), 20, 32, 2, -1.0, 13.0, "예비", True, True)]


def test_targets_and_achievement(warehouse):
    db_path, *_ = warehouse
    rows = _rows(db_path, "SELECT target, achievement_pct, definition_version FROM kpi.kpi_official_candidate "
                          "WHERE kpi_code = 'crisis_centre_regions' AND region_code = 'ALL' AND quarter = '2024Q4'")
    assert rows == [(17.0, pytest.approx(100 * 12 / 17), "2026.1")]
    regional_targets = _rows(db_path, "SELECT count(*) FROM kpi.kpi_official_candidate "
                                      "WHERE region_code <> 'ALL' AND target IS NOT NULL")
    assert regional_targets == [(0,)]


def test_workplace_linkage_rule(warehouse):
    db_path, *_ = warehouse
    links = dict(((b, (status, key is not None)) for b, status, key in _rows(
        db_path, "SELECT brn, match_status, workplace_key FROM marts.fct_firm_workplace_links")))
    assert links == {
        FIRM_A: ("matched", True),      # (주)가나테크 ~ 가나테크 주식회사
        FIRM_B: ("matched", True),      # ABC Robotics ~ abc robotics
        FIRM_C: ("matched", True),      # 다라 소재 ~ 다라소재(주)
        FIRM_D: ("ambiguous", False),   # 마바산업 and (주)마바산업 both fit
        FIRM_E: ("unmatched", False),   # 자차정밀 is another name
        FIRM_F: ("unmatched", False),   # no workplace with the prefix
        FIRM_G: ("matched", True),      # (주) 대구 정밀 ~ ㈜대구정밀
        FIRM_H: ("matched", True),      # its workplace's two keys (충북, then 경남) chain into one workplace
        FIRM_I: ("matched", True),      # the three names are two keys ("(주)X" = "X(주)"), chained
        FIRM_J: ("unmatched", False),   # no workplace with the prefix
        FIRM_K: ("unmatched", False),
        FIRM_L: ("unmatched", False),
    }


def test_a_moved_and_a_renamed_workplace_stay_linked_with_an_unbroken_series(warehouse):
    db_path, *_ = warehouse
    for firm, headcount in ((FIRM_H, lambda i: 30 + i), (FIRM_I, lambda i: 50 - i)):
        series = _rows(db_path, "SELECT data_month, subscribers FROM intermediate.int_firm_months WHERE brn = ? "
                                "ORDER BY data_month", [firm])
        assert series == [(month, headcount(i)) for i, month in enumerate(MONTHS)]
        periods = _rows(db_path, "SELECT valid_from, valid_to FROM intermediate.int_firm_workplace_link_periods "
                                 "WHERE brn = ? ORDER BY valid_from", [firm])
        assert periods == [(MONTHS[0], MONTHS[11]), (MONTHS[12], MONTHS[23])]


def test_region_series_crosses_gangwon_code_change(warehouse):
    db_path, *_ = warehouse
    # FIRM_A's workplace is delivered under 42 until 2023-05 and under 51 after: one workplace, 24 months.
    series = _rows(db_path, "SELECT m.data_month, m.programme_region_code, m.subscribers "
                            "FROM intermediate.int_firm_months m WHERE m.brn = ? ORDER BY m.data_month", [FIRM_A])
    assert [month for month, *_ in series] == MONTHS
    assert {region for _, region, _ in series} == {"51"}
    assert [people for *_, people in series] == [headcount_a(i) for i in range(24)]
    # and the regional stage table carries its headcount in every quarter, 예비 then 선도
    headcount = _rows(db_path, "SELECT quarter, sum(headcount) FROM marts.fct_region_stage "
                               "WHERE region_code = '51' GROUP BY quarter ORDER BY quarter")
    assert headcount == list(zip(QUARTERS, [20, 23, 26, 29, 32, 35, 38, 41]))


def test_exact_duplicates_removed_keeping_first_lineage(warehouse):
    db_path, *_ = warehouse
    rows = _rows(db_path, "SELECT source_row FROM staging.stg_employment__workplace_months "
                          "WHERE data_month = DATE '2023-05-01' AND brn_prefix = ?", [FIRM_A[:6]])
    assert rows == [(2,)]


def test_dbt_show_previews_a_model_written_in_month_batches_over_every_month(warehouse):
    """Only a build fills the batch table of an incremental_by_month model; a preview reads every month instead."""
    db_path, _, target = warehouse
    result = run_dbt(["show", "--select", "int_workplace_months", "--limit", "1000", "--output", "json"],
                     db_path, target.parent / "show", timeout=300)
    shown = {row["data_month"] for row in json.loads(result.stdout[result.stdout.index("{"):])["show"]}
    stored = {month for (month,) in _rows(db_path, "SELECT DISTINCT strftime(data_month, '%Y-%m-%d') "
                                                   "FROM intermediate.int_workplace_months")}
    assert shown == stored and len(stored) > 1


def test_gunwi_bridged_by_date(warehouse):
    db_path, *_ = warehouse
    regions = _rows(db_path, "SELECT data_month, programme_region_code FROM intermediate.int_workplace_rows_bridged "
                             "WHERE brn_prefix = '503810' AND data_month IN (DATE '2023-06-01', DATE '2023-07-01') "
                             "ORDER BY data_month")
    assert regions == [(dt.date(2023, 6, 1), "47"), (dt.date(2023, 7, 1), "27")]


def test_region_stage_flows(warehouse):
    db_path, *_ = warehouse
    rows = _rows(db_path, "SELECT quarter, region_code, stage, designated_firms, new_designations, promotions_in, "
                          "withdrawals FROM marts.fct_region_stage WHERE region_code IN ('51', '47') AND quarter IN "
                          "('2023Q1', '2023Q3', '2024Q1') AND (designated_firms + new_designations + promotions_in "
                          "+ withdrawals) > 0 ORDER BY quarter, region_code, stage")
    assert rows == [
        ("2023Q1", "47", "선도", 1, 1, 0, 0),     # C designated in 경북
        ("2023Q1", "51", "예비", 1, 1, 0, 0),     # A designated in 강원
        ("2023Q3", "47", "선도", 1, 0, 0, 0),     # C still in force
        ("2023Q3", "51", "선도", 1, 0, 1, 0),     # A promoted (its 예비 designation ends, it is not withdrawn)
        ("2024Q1", "47", "선도", 0, 0, 0, 1),     # C withdrawn on 2024-02-01
        ("2024Q1", "51", "선도", 1, 0, 0, 0),
    ]


def test_lineage_explains_every_regional_number(warehouse):
    db_path, *_ = warehouse
    unexplained = _rows(db_path, """
        SELECT c.kpi_code, c.region_code, c.quarter
        FROM kpi.kpi_official_candidate c
        LEFT JOIN (SELECT DISTINCT kpi_code, region_code, quarter FROM kpi.kpi_candidate_lineage) l
          USING (kpi_code, region_code, quarter)
        WHERE c.entity_count > 0 AND l.kpi_code IS NULL""")
    assert unexplained == []
    # the collaboration model K2 in 2023Q3 is explained by the two COLLAB payments, rows 4 and 5 of the file
    rows = _rows(db_path, "SELECT source_feed, source_row FROM kpi.kpi_candidate_lineage WHERE kpi_code = "
                          "'collaboration_models' AND region_code = '26' AND quarter = '2023Q3' ORDER BY source_row")
    assert rows == [("funding", 4), ("funding", 5)]


def test_lineage_seed_rows_point_at_the_centre_row_of_that_region(warehouse):
    db_path, *_ = warehouse
    # The lineage numbers seed rows by centre_id; each must land on a line of the CSV naming the same centre type
    # and region, so a reordered or edited seed file cannot leave auditors pointed at the wrong centre.
    with open(PROJECT / "seeds" / "ref_support_centres.csv", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    cited = _rows(db_path, "SELECT DISTINCT kpi_code, region_code, source_row FROM kpi.kpi_candidate_lineage "
                           "WHERE source_feed = 'seed'")
    assert cited
    for kpi_code, region_code, source_row in cited:
        row = lines[source_row - 2]                     # header is row 1
        assert f"{row['centre_type']}_centre_regions" == kpi_code
        assert region_code in (row["region_code"], "ALL")   # the national row cites every region's centres


def test_primary_key_test_flags_exactly_the_repeated_and_the_null_keys(warehouse, tmp_path):
    """The generic primary_key test, as compiled for the staged NPS rows, flags a key given twice and a key with a
    null part, and not keys that share one of their two columns."""
    _, _, target = warehouse
    compiled = next(target.glob("compiled/sme_warehouse/**/primary_key_stg_employment__wo_*.sql")).read_text(
        encoding="utf-8")
    months_built = re.compile(r'\(select \* from "[^"]+"\."staging"\."stg_employment__workplace_months" '
                              r'where .*?\) dbt_subquery')
    assert len(months_built.findall(compiled)) == 2, "the test no longer reads the model where the months built"
    rows = [("nps_202305.csv", 2), ("nps_202305.csv", 3), ("nps_202306.csv", 2), ("nps_202305.csv", 3),
            ("nps_202306.csv", None)]
    with duckdb.connect(str(tmp_path / "check.duckdb")) as con:
        con.execute("CREATE TABLE staged (source_file VARCHAR, source_row BIGINT)")
        con.executemany("INSERT INTO staged VALUES (?, ?)", rows)
        flagged = set(con.execute(months_built.sub("staged", compiled)).fetchall())
    assert flagged == {("nps_202305.csv", 3, "key repeated"), ("nps_202306.csv", None, "null key column")}


def test_brn_check_digit_test_fails_on_a_bad_number(warehouse, tmp_path):
    """The generic valid_brn test, as compiled for dim_firm, flags exactly the numbers with a wrong check digit."""
    db_path, _, target = warehouse
    compiled = next(target.glob("compiled/sme_warehouse/**/valid_brn_dim_firm_brn.sql")).read_text(encoding="utf-8")
    relation = re.search(r'from ("[^"]+"\."marts"\."dim_firm")', compiled).group(1)
    numbers = ["1348672683", "1168200276", "2208162517", "1234567890", "134867268", "13486-7268"]
    with duckdb.connect(str(tmp_path / "check.duckdb")) as con:
        con.execute("CREATE TABLE firms AS SELECT unnest(?) AS brn", [numbers])
        flagged = {brn for (brn,) in con.execute(compiled.replace(relation, "firms")).fetchall()}
    assert flagged == {"1234567890", "134867268", "13486-7268"}
