"""Contract of the firm-designation feed: one list per regional agency and batch, Korean header.

Agencies deliver the list as CSV or as an Excel workbook (first sheet, header in row 1); both carry the same
columns and go through the same normalisers, and rows are numbered as a spreadsheet shows them.
"""
from __future__ import annotations

from ingestion.contracts import FILE_REASONS, FeedContract, RawColumn

# Source header, in file order, mapped to the raw column that keeps the value as delivered.
HEADER = ("사업자등록번호", "기업명", "시도", "업종코드", "주력산업", "산업구분", "성장단계", "지정일자", "해제일자")

INDUSTRY_TYPES = ("주축", "미래", "초광역")   # core, future (single-region), cross-regional future
STAGES = ("잠재", "예비", "선도")               # potential, preliminary, leading (in promotion order)

CONTRACT = FeedContract(
    name="firms",
    landing_subdir="firms",
    file_suffixes=(".csv", ".xlsx"),
    raw_table="raw.firms",
    columns=(
        RawColumn("brn", "VARCHAR NOT NULL", "business registration number, 10 digits, check digit verified"),
        RawColumn("brn_as_delivered", "VARCHAR NOT NULL", "사업자등록번호 exactly as delivered (dashes kept)"),
        RawColumn("firm_name", "VARCHAR NOT NULL", "기업명"),
        RawColumn("region_code", "VARCHAR NOT NULL", "시도 resolved to the current 2-digit legal-dong code"),
        RawColumn("region_as_delivered", "VARCHAR NOT NULL", "시도 exactly as delivered (name variant or code)"),
        RawColumn("industry_code", "VARCHAR NOT NULL", "업종코드, KSIC code"),
        RawColumn("key_industry", "VARCHAR", "주력산업, the regional key industry named by the agency"),
        RawColumn("industry_type", "VARCHAR NOT NULL", "산업구분: 주축 (core), 미래 (future), 초광역 (cross-regional)"),
        RawColumn("stage", "VARCHAR NOT NULL", "성장단계: 잠재, 예비, 선도"),
        RawColumn("designated_on", "DATE NOT NULL", "지정일자"),
        RawColumn("withdrawn_on", "DATE", "해제일자; null unless the designation was withdrawn"),
    ),
    reason_codes={
        **FILE_REASONS,
        "invalid_brn": "사업자등록번호 is not 10 digits or fails the check digit",
        "unknown_region": "시도 matches no region name, code or legacy code",
        "ambiguous_region": "시도 names more than one region (e.g. 광주시) and the row gives no context, or names a "
                            "code that spans programme regions (12 or 전남광주통합특별시, the reported 광주+전남 merger, "
                            "spans 29 and 46): a firm row carries no 시군구 or legal-dong code to place it",
        "invalid_date": "지정일자 or 해제일자 is not a real date in a listed form",
        "invalid_value": "산업구분, 성장단계 or 업종코드 is outside the contract",
        "missing_value": "a required field is empty",
    },
)
