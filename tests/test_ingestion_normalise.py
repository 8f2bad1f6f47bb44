"""Normalisers: business-number check digit, region variants and legacy codes, dates, header clean-up."""
import datetime as dt

import pytest

from ingestion.normalise import clean_header, normalise_brn, parse_date, region_resolver


@pytest.mark.parametrize("value, expected", [
    ("134-86-72683", "1348672683"),
    ("116-82-00276", "1168200276"),
    ("2208162517", "2208162517"),
    (" 220-81-62517 ", "2208162517"),
    ("123-45-67890", None),          # the reference's invalid example
    ("134-86-72684", None),          # one digit off
    ("134-86-7268", None),           # nine digits
    ("134-86-7268X", None),
    ("", None),
])
def test_business_number_check_digit(value, expected):
    assert normalise_brn(value) == expected


@pytest.mark.parametrize("delivered, code", [
    ("강원도", "51"), ("강원특별자치도", "51"), ("42", "51"), ("4200000000", "51"), ("Gangwon State", "51"),
    ("전라북도", "52"), ("Jeollabuk-do", "52"), ("45", "52"), ("전북", "52"),
    ("서울시", "11"), ("Seoul", "11"), ("부산", "26"), ("3611000000", "36"), ("세종시", "36"),
    ("제주도", "50"), ("Jeju-do", "50"), ("  충북 ", "43"), ("GYEONGGI", "41"),
])
def test_region_variants_resolve_to_the_current_code(delivered, code):
    match = region_resolver().resolve(delivered)
    assert (match.code, match.reason) == (code, None)


@pytest.mark.parametrize("delivered, reason", [
    ("광주시", "ambiguous_region"),   # 경기도 광주시 or 광주광역시: never resolved by prefix
    # the reported 광주+전남 merger: code 12 and its name span programme regions 29 and 46, and the value alone
    # carries no 시군구 or legal-dong code to place it
    ("12", "ambiguous_region"), ("1200000000", "ambiguous_region"), ("전남광주통합특별시", "ambiguous_region"),
    ("화성도", "unknown_region"), ("99", "unknown_region"), ("광주광역", "unknown_region"),
])
def test_unresolvable_regions_say_why(delivered, reason):
    assert region_resolver().resolve(delivered).reason == reason


@pytest.mark.parametrize("text, expected", [
    ("2024-02-29", dt.date(2024, 2, 29)), ("2024.02.29", dt.date(2024, 2, 29)), ("20240229", dt.date(2024, 2, 29)),
    ("2023-02-29", None), ("2024-02-30", None), ("2024/02/01", None), ("", None),
])
def test_dates_in_every_listed_form(text, expected):
    assert parse_date(text) == expected


def test_header_spaces_and_legends_are_removed():
    assert clean_header(" 사업장가입상태코드 1 등록 2 탈퇴") == "사업장가입상태코드"
    assert clean_header("사업장형태구분코드 1 법인 2 개인") == "사업장형태구분코드"
    assert clean_header("\ufeff 자료생성년월") == "자료생성년월"
    assert clean_header("법정동주소광역시시군구읍면동코드") == "법정동주소광역시시군구읍면동코드"
