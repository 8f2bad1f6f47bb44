"""Contract of the employment feed: the national pension (NPS) enrolled-workplace monthly file.

The file ships as the public dataset does: CP949, 22 columns in a fixed order, the business number masked to
its first 6 digits. Some releases put a leading space in header names and two headers embed their code legend
("사업장가입상태코드 1 등록 2 탈퇴"); `HEADER` holds the canonical names the parser compares against once
spaces and legends are removed.
"""
from __future__ import annotations

from ingestion.contracts import FILE_REASONS, FeedContract, RawColumn

# (canonical Korean header, raw column, DuckDB type, meaning), in file order.
_COLUMNS = (
    ("자료생성년월", "data_month", "DATE NOT NULL", "month the file describes (first day of the month)"),
    ("사업장명", "workplace_name", "VARCHAR NOT NULL", "workplace name"),
    ("사업자등록번호", "brn_prefix", "VARCHAR NOT NULL", "business registration number, first 6 digits (masked)"),
    ("사업장가입상태코드", "enrolment_status", "SMALLINT NOT NULL", "1 enrolled, 2 withdrawn"),
    ("우편번호", "postcode", "VARCHAR", "postcode"),
    ("사업장지번상세주소", "address_lot", "VARCHAR", "lot-number address"),
    ("사업장도로명상세주소", "address_road", "VARCHAR", "road-name address"),
    ("고객법정동주소코드", "legal_dong_code", "VARCHAR", "10-digit legal-dong code"),
    ("고객행정동주소코드", "admin_dong_code", "VARCHAR", "10-digit administrative-dong code"),
    ("법정동주소광역시도코드", "region_code_as_delivered", "VARCHAR NOT NULL", "2-digit region code as delivered"),
    ("법정동주소광역시시군구코드", "sigungu_code", "VARCHAR", "5-digit city/county code"),
    ("법정동주소광역시시군구읍면동코드", "eupmyeondong_code", "VARCHAR", "town code"),
    ("사업장형태구분코드", "workplace_type", "SMALLINT", "1 corporation, 2 individual"),
    ("사업장업종코드", "industry_code", "VARCHAR", "NPS industry code"),
    ("사업장업종코드명", "industry_name", "VARCHAR", "NPS industry name"),
    ("적용일자", "covered_from", "DATE", "coverage start"),
    ("재등록일자", "reregistered_on", "DATE", "re-registration date"),
    ("탈퇴일자", "withdrawn_on", "DATE", "withdrawal date"),
    ("가입자수", "subscribers", "INTEGER NOT NULL", "subscribers: the headcount proxy"),
    ("당월고지금액", "billed_krw", "BIGINT", "billed contribution in KRW (capped, not payroll)"),
    ("신규취득자수", "new_subscribers", "INTEGER", "new subscribers this month (job creation)"),
    ("상실가입자수", "lost_subscribers", "INTEGER", "subscribers lost this month (job destruction)"),
)

HEADER = tuple(korean for korean, *_ in _COLUMNS)
# The legends the public file embeds in two header names.
HEADER_LEGENDS = {"사업장가입상태코드": "1 등록 2 탈퇴", "사업장형태구분코드": "1 법인 2 개인"}
DATE_COLUMNS = ("covered_from", "reregistered_on", "withdrawn_on")
COUNT_COLUMNS = ("subscribers", "new_subscribers", "lost_subscribers")
ENCODING = "cp949"

CONTRACT = FeedContract(
    name="employment",
    landing_subdir="employment",
    file_suffix=".csv",
    raw_table="raw.employment",
    columns=(
        *(RawColumn(name, sql_type, meaning) for _, name, sql_type, meaning in _COLUMNS),
        RawColumn("region_code", "VARCHAR NOT NULL", "region resolved to the current 2-digit legal-dong code"),
    ),
    reason_codes={
        **FILE_REASONS,
        "invalid_month": "자료생성년월 is not YYYYMM or YYYY-MM",
        "invalid_brn": "사업자등록번호 is not 6 digits (the masked prefix)",
        "unknown_region": "법정동주소광역시도코드 is not a known region code",
        "invalid_date": "a date column is not a real YYYYMMDD date",
        "invalid_value": "a code or count is not a number in the contract's range",
        "negative_headcount": "가입자수 (or another count) is negative",
        "missing_value": "a required field is empty",
    },
)
