"""Contract of the employment feed: the national pension (NPS) enrolled-workplace monthly file.

The file ships as the public portal publishes it (2024-2026 releases): CP949, 22 columns in a fixed order, the
business number masked to its first 6 digits, under a name carrying the day it was posted
(`국민연금공단_국민연금 가입 사업장 내역_YYYYMMDD.csv`), never the month it describes. So the data month is the one
자료생성년월 states inside the file, and one file states exactly one month.

Forms the parser accepts, because real releases mix them:
- 자료생성년월 `YYYY-MM` (older releases `YYYYMM`); 적용일자, 재등록일자, 탈퇴일자 `YYYY-MM-DD` (older `YYYYMMDD`),
  empty where there is none;
- header names with their code legend embedded ("사업장가입상태코드 1 등록 2 탈퇴") and, in some releases, a
  leading space before every name but the first; `HEADER` holds the canonical names compared once spaces and
  legends are removed;
- 법정동주소광역시시군구코드 as its own 3-digit part (`440`, the published form) or as the full 5-digit 시군구
  code (`26440`); the raw table keeps the 5-digit code, the region code followed by the 3-digit part;
- construction-site and day-labour workplaces with no postcode, address or dong codes, withdrawn workplaces
  (status 2) with 탈퇴일자 and 0 subscribers, and names holding commas inside quotes.

A row under the reported merged code 12 (전남광주통합특별시, from 2026-07-01) loads only when its legal-dong code
(or a 시군구 code that does not repeat 12) places it in 광주 29 or 전남 46 by the bridge seed; otherwise it is
quarantined as `ambiguous_region`.

사업장업종코드 is NPS's own 6-digit industry code, close to the tax office's 업종코드: it is not a KSIC code, and
its first two digits are an NPS industry division, not a KSIC division.
"""
from __future__ import annotations

import re

from ingestion.contracts import FILE_REASONS, FeedContract, RawColumn

# (canonical Korean header, raw column, DuckDB type, meaning), in file order.
_COLUMNS = (
    ("자료생성년월", "data_month", "DATE NOT NULL", "month the file describes (first day of the month)"),
    ("사업장명", "workplace_name", "VARCHAR NOT NULL", "workplace name"),
    ("사업자등록번호", "brn_prefix", "VARCHAR NOT NULL", "business registration number, first 6 digits (masked)"),
    ("사업장가입상태코드", "enrolment_status", "SMALLINT NOT NULL", "1 enrolled, 2 withdrawn"),
    ("우편번호", "postcode", "VARCHAR", "postcode; empty for construction sites and day-labour workplaces"),
    ("사업장지번상세주소", "address_lot", "VARCHAR", "lot-number address"),
    ("사업장도로명상세주소", "address_road", "VARCHAR", "road-name address"),
    ("고객법정동주소코드", "legal_dong_code", "VARCHAR", "10-digit legal-dong code, when present"),
    ("고객행정동주소코드", "admin_dong_code", "VARCHAR", "10-digit administrative-dong code, when present"),
    ("법정동주소광역시도코드", "region_code_as_delivered", "VARCHAR NOT NULL", "2-digit region code as delivered"),
    ("법정동주소광역시시군구코드", "sigungu_code", "VARCHAR",
     "5-digit city/county code: the region code followed by the delivered 3-digit part"),
    ("법정동주소광역시시군구읍면동코드", "eupmyeondong_code", "VARCHAR", "3-digit town part as delivered"),
    ("사업장형태구분코드", "workplace_type", "SMALLINT", "1 corporation, 2 individual"),
    ("사업장업종코드", "industry_code", "VARCHAR", "NPS's own 6-digit industry code (close to the tax office's "
                                                 "업종코드), not KSIC"),
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
DATE_FORMS = ("%Y-%m-%d", "%Y%m%d")        # the published form first, then the older one
MONTH_FORM = re.compile(r"(\d{4})-?(0[1-9]|1[0-2])")   # YYYY-MM, or YYYYMM in older releases
SIGUNGU_FORMS = {3: "the 3-digit part (published)", 5: "the full 5-digit code (older files)"}
COUNT_COLUMNS = ("subscribers", "new_subscribers", "lost_subscribers")
ENCODING = "cp949"


# Published files repeat a few rows exactly. The loader keeps every copy (nothing delivered is dropped) and marks it,
# so staging can leave the copies out without comparing every row of the history again on each build.
COPY_OF_ROW = ("the earlier row of the same file this row repeats field for field as delivered (the first such "
               "row); NULL for a row that repeats none")


def stated_month(value: str) -> str | None:
    """The data month a 자료생성년월 value states, as YYYY-MM, or None if it is not in a listed form."""
    match = MONTH_FORM.fullmatch(value.strip())
    return f"{match.group(1)}-{match.group(2)}" if match else None


CONTRACT = FeedContract(
    name="employment",
    landing_subdir="employment",
    file_suffixes=(".csv",),
    raw_table="raw.employment",
    columns=(
        *(RawColumn(name, sql_type, meaning) for _, name, sql_type, meaning in _COLUMNS),
        RawColumn("region_code", "VARCHAR NOT NULL", "region resolved to the current 2-digit legal-dong code"),
    ),
    file_columns=(RawColumn("copy_of_row", "BIGINT", COPY_OF_ROW),),
    reason_codes={
        **FILE_REASONS,
        "file_empty": "the file holds a header and no data rows: the month it was meant to deliver is missing",
        "file_no_month": "no row states a data month in a listed form, so the file belongs to no month; every row "
                         "is quarantined",
        "file_mixed_months": "rows state more than one data month; a monthly file states one, so every row is "
                             "quarantined and nothing of the file loads",
        "file_path_reused": "the file states another month than the one already loaded from the same path (a "
                            "download saved over last month's file); rows are known by path and row number, so "
                            "every row is quarantined until the month comes under a name of its own",
        "invalid_month": "자료생성년월 is not YYYY-MM or YYYYMM",
        "invalid_brn": "사업자등록번호 is not 6 digits (the masked prefix)",
        "unknown_region": "법정동주소광역시도코드 is not a known region code",
        "ambiguous_region": "법정동주소광역시도코드 is a code that spans programme regions (12, the reported 광주+전남 "
                            "merger, spans 29 and 46) and the row's own codes do not place it in one: neither "
                            "법정동주소광역시시군구코드 (given as code + 3 digits, so it repeats the code) nor the first "
                            "two digits of 고객법정동주소코드 name a programme region the bridge seed "
                            "(ref_admin_region_bridge) maps the code to in the data month; construction sites, "
                            "which carry no legal-dong code, are among them",
        "invalid_date": "a date column is not a real date in YYYY-MM-DD or YYYYMMDD",
        "invalid_value": "a code or count is not a number in the contract's range, or 법정동주소광역시시군구코드 is "
                         "neither a 3-digit part nor a 5-digit code",
        "negative_headcount": "가입자수 (or another count) is negative",
        "missing_value": "a required field is empty",
    },
)
