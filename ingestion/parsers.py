"""Parsers that turn one decoded landing file into accepted rows and quarantined rows.

Each parser fills two temporary tables on the loader's connection:
- `incoming_ok`: the feed's raw columns plus `source_row` and `raw_content`;
- `incoming_bad`: `source_row`, `raw_content`, `reason_code`, `message`.
The small feeds (firms, funding) are validated row by row in Python with the normalisers; the employment file,
hundreds of thousands of rows a month, is validated column-wise inside DuckDB.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contracts import FeedContract
from ingestion.contracts import employment as employment_contract
from ingestion.contracts import firms as firms_contract
from ingestion.contracts import funding as funding_contract
from ingestion.normalise import clean_header, normalise_brn, parse_date, region_resolver

BAD_COLUMNS = ("source_row", "raw_content", "reason_code", "message")


class HeaderError(ValueError):
    """The file's header does not carry the contract's columns."""


def _store(con: duckdb.DuckDBPyConnection, contract: FeedContract, ok: list[tuple], bad: list[tuple]) -> None:
    ok_frame = pd.DataFrame(ok, columns=[*contract.column_names, "source_row", "raw_content"])
    bad_frame = pd.DataFrame(bad, columns=list(BAD_COLUMNS))
    types = {c.name: c.sql_type.replace(" NOT NULL", "") for c in contract.columns}
    casts = ", ".join(f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in types.items())
    con.register("ok_frame", ok_frame)
    con.register("bad_frame", bad_frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_ok AS "
                f"SELECT {casts}, CAST(source_row AS BIGINT) AS source_row, CAST(raw_content AS VARCHAR) AS raw_content "
                f"FROM ok_frame")
    con.execute("CREATE OR REPLACE TEMP TABLE incoming_bad AS SELECT CAST(source_row AS BIGINT) AS source_row, "
                "CAST(raw_content AS VARCHAR) AS raw_content, CAST(reason_code AS VARCHAR) AS reason_code, "
                "CAST(message AS VARCHAR) AS message FROM bad_frame")
    con.unregister("ok_frame")
    con.unregister("bad_frame")


def parse_firms(con: duckdb.DuckDBPyConnection, text: str, rel_path: str) -> int:
    reader = csv.reader(io.StringIO(text))
    header = [clean_header(h) for h in next(reader, [])]
    if tuple(header) != firms_contract.HEADER:
        raise HeaderError(f"{rel_path}: header {header} does not match {list(firms_contract.HEADER)}")
    resolver = region_resolver()
    ok, bad = [], []
    rows_read = 0
    for row_number, fields in enumerate(reader, start=2):
        if not fields:
            continue
        rows_read += 1
        raw = ",".join(fields)

        def reject(reason: str, detail: str) -> None:
            bad.append((row_number, raw, reason, f"{rel_path} row {row_number}: {detail}"))

        if len(fields) != len(header):
            reject("wrong_field_count", f"{len(fields)} fields where the header has {len(header)}")
            continue
        brn_raw, name, region_raw, industry, key_industry, industry_type, stage, designated, withdrawn = (
            f.strip() for f in fields)
        missing = [h for h, v in zip(header, (brn_raw, name, region_raw, industry, industry_type, stage, designated))
                   if not v]
        if missing:
            reject("missing_value", f"required field {', '.join(missing)} is empty")
            continue
        brn = normalise_brn(brn_raw)
        if brn is None:
            reject("invalid_brn", f"사업자등록번호 '{brn_raw}' is not 10 digits with a valid check digit")
            continue
        region = resolver.resolve(region_raw)
        if region.code is None:
            reject(region.reason, f"시도 '{region_raw}' " + (
                "names more than one region" if region.reason == "ambiguous_region" else "is not a known region"))
            continue
        if industry_type not in firms_contract.INDUSTRY_TYPES or stage not in firms_contract.STAGES \
                or not industry.isdigit():
            reject("invalid_value", f"산업구분 '{industry_type}', 성장단계 '{stage}' or 업종코드 '{industry}' "
                                    "is outside the contract")
            continue
        designated_on = parse_date(designated)
        withdrawn_on = parse_date(withdrawn) if withdrawn else None
        if designated_on is None or (withdrawn and withdrawn_on is None):
            bad_value = designated if designated_on is None else withdrawn
            reject("invalid_date", f"date '{bad_value}' is not a real date in YYYY-MM-DD, YYYY.MM.DD or YYYYMMDD")
            continue
        ok.append((brn, brn_raw, name, region.code, region_raw, industry, key_industry or None, industry_type, stage,
                   designated_on, withdrawn_on, row_number, raw))
    _store(con, firms_contract.CONTRACT, ok, bad)
    return rows_read


def parse_funding(con: duckdb.DuckDBPyConnection, text: str, rel_path: str) -> int:
    ok, bad = [], []
    rows_read = 0
    seen_in_file: dict[str, int] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rows_read += 1

        def reject(reason: str, detail: str) -> None:
            bad.append((line_number, line, reason, f"{rel_path} row {line_number}: {detail}"))

        try:
            event = json.loads(line)
        except ValueError as exc:
            reject("malformed_json", f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(event, dict):
            reject("malformed_json", "the line is JSON but not an object")
            continue
        missing = [k for k in ("event_id", "brn", "program_code", "amount_krw", "paid_on", "kind")
                   if event.get(k) in (None, "")]
        if missing:
            reject("missing_value", f"required field {', '.join(missing)} is missing or null")
            continue
        event_id = str(event["event_id"])
        brn = normalise_brn(str(event["brn"]))
        if brn is None:
            reject("invalid_brn", f"brn '{event['brn']}' is not 10 digits with a valid check digit")
            continue
        amount = event["amount_krw"]
        if event["program_code"] not in funding_contract.PROGRAM_CODES or event["kind"] not in funding_contract.KINDS \
                or not isinstance(amount, int) or isinstance(amount, bool):
            reject("invalid_value", f"program_code '{event['program_code']}', kind '{event['kind']}' or amount_krw "
                                    f"'{amount}' is outside the contract")
            continue
        paid_on = parse_date(str(event["paid_on"])) if len(str(event["paid_on"])) == 10 else None
        if paid_on is None:
            reject("invalid_date", f"paid_on '{event['paid_on']}' is not a real YYYY-MM-DD date")
            continue
        reverses = event.get("reverses") or None
        if (reverses is None) != (amount > 0):
            reject("sign_mismatch", f"amount_krw {amount} with reverses={reverses!r}: a reversal must be negative "
                                    "and a payment positive")
            continue
        if event_id in seen_in_file:
            reject("duplicate_event_id", f"event_id '{event_id}' already appears on row {seen_in_file[event_id]}")
            continue
        seen_in_file[event_id] = line_number
        ok.append((event_id, brn, str(event["brn"]), event["program_code"], event.get("project_id") or None,
                   event.get("consortium_id") or None, amount, paid_on, event["kind"], reverses, line_number, line))
    _store(con, funding_contract.CONTRACT, ok, bad)
    return rows_read


def _employment_select(known_codes: dict[str, str]) -> str:
    """SQL that types and validates the employment columns, giving each row its first failing reason."""
    codes = ", ".join(f"('{old}', '{new}')" for old, new in sorted(known_codes.items()))
    date_checks = " ".join(
        f"WHEN nullif(trim({c}), '') IS NOT NULL AND try_strptime(trim({c}), '%Y%m%d') IS NULL "
        f"THEN 'invalid_date|{c} ''' || {c} || ''' is not a real YYYYMMDD date' "
        for c in employment_contract.DATE_COLUMNS)
    count_checks = " ".join(
        f"WHEN nullif(trim({c}), '') IS NOT NULL AND try_cast(trim({c}) AS INTEGER) IS NULL "
        f"THEN 'invalid_value|{c} ''' || {c} || ''' is not a whole number' "
        f"WHEN try_cast(trim({c}) AS INTEGER) < 0 "
        f"THEN 'negative_headcount|{c} is ' || trim({c}) || ', a count cannot be negative' "
        for c in employment_contract.COUNT_COLUMNS)
    return f"""
    WITH region_codes(code, current_code) AS (VALUES {codes}),
    checked AS (
        SELECT s.rowid AS seq, s.*, r.current_code,
            CASE
                WHEN NOT regexp_full_match(trim(data_month), '\\d{{4}}-?(0[1-9]|1[0-2])')
                    THEN 'invalid_month|자료생성년월 ''' || coalesce(data_month, '') || ''' is not YYYYMM or YYYY-MM'
                WHEN nullif(trim(workplace_name), '') IS NULL THEN 'missing_value|사업장명 is empty'
                WHEN NOT regexp_full_match(trim(brn_prefix), '\\d{{6}}[*\\-]*')
                    THEN 'invalid_brn|사업자등록번호 ''' || coalesce(brn_prefix, '') || ''' is not a 6-digit prefix'
                WHEN trim(enrolment_status) NOT IN ('1', '2') OR enrolment_status IS NULL
                    THEN 'invalid_value|사업장가입상태코드 ''' || coalesce(enrolment_status, '') || ''' is not 1 or 2'
                WHEN r.current_code IS NULL
                    THEN 'unknown_region|법정동주소광역시도코드 ''' || coalesce(region_code_as_delivered, '')
                         || ''' is not a known region code'
                WHEN nullif(trim(workplace_type), '') IS NOT NULL AND trim(workplace_type) NOT IN ('1', '2')
                    THEN 'invalid_value|사업장형태구분코드 ''' || workplace_type || ''' is not 1 or 2'
                WHEN nullif(trim(subscribers), '') IS NULL THEN 'missing_value|가입자수 is empty'
                {count_checks}
                {date_checks}
                WHEN nullif(trim(billed_krw), '') IS NOT NULL AND try_cast(trim(billed_krw) AS BIGINT) IS NULL
                    THEN 'invalid_value|당월고지금액 ''' || billed_krw || ''' is not a whole number'
            END AS failure
        FROM emp_src s
        LEFT JOIN region_codes r ON r.code = trim(s.region_code_as_delivered)
    )"""


def parse_employment(con: duckdb.DuckDBPyConnection, text: str, rel_path: str, encoding: str, path: Path) -> int:
    """Validate an employment month inside DuckDB. `text` is the decoded file; UTF-8 files are read in place."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = tuple(clean_header(h) for h in next(csv.reader([first_line])))
    if header != employment_contract.HEADER:
        raise HeaderError(f"{rel_path}: header {list(header)} does not match {list(employment_contract.HEADER)}")
    names = [c.name for c in employment_contract.CONTRACT.columns[:len(employment_contract.HEADER)]]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    utf8_copy = None
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        handle, utf8_copy = tempfile.mkstemp(suffix=".csv", prefix="sme_employment_")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        source = Path(utf8_copy)
    try:
        con.execute("DROP TABLE IF EXISTS emp_rejects; DROP TABLE IF EXISTS emp_scans")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE emp_src AS SELECT * FROM read_csv(?, header = true,
            auto_detect = false, columns = {columns}, delim = ',', quote = '"', escape = '"',
            store_rejects = true, rejects_table = 'emp_rejects', rejects_scan = 'emp_scans')""", [str(source)])
    finally:
        if utf8_copy:
            os.unlink(utf8_copy)
    known = {code: region_resolver().current_code(code) for code in region_resolver().known_codes}
    type_of = {c.name: c.sql_type.replace(" NOT NULL", "") for c in employment_contract.CONTRACT.columns}
    typed = []
    for name in names:
        if name == "data_month":
            typed.append("CAST(strptime(replace(trim(data_month), '-', ''), '%Y%m') AS DATE) AS data_month")
        elif name in employment_contract.DATE_COLUMNS:
            typed.append(f"CAST(try_strptime(nullif(trim({name}), ''), '%Y%m%d') AS DATE) AS {name}")
        elif name == "brn_prefix":
            typed.append("left(trim(brn_prefix), 6) AS brn_prefix")
        elif type_of[name] == "VARCHAR":
            typed.append(f"nullif(trim({name}), '') AS {name}")
        else:
            typed.append(f"CAST(nullif(trim({name}), '') AS {type_of[name]}) AS {name}")
    # Rows DuckDB rejected for their field count shift the row numbers of the rows after them.
    con.execute("""CREATE OR REPLACE TEMP TABLE emp_shifts AS
        SELECT line - 2 - (row_number() OVER (ORDER BY line) - 1) AS valid_rows_before
        FROM (SELECT DISTINCT line FROM emp_rejects)""")
    row_number = "seq + 2 + (SELECT count(*) FROM emp_shifts WHERE valid_rows_before <= seq)"
    raw_content = "concat_ws(',', " + ", ".join(f"coalesce({n}, '')" for n in names) + ")"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE emp_checked AS {_employment_select(known)}
        SELECT *, {row_number} AS source_row FROM checked""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE incoming_ok AS
        SELECT {', '.join(typed)}, current_code AS region_code, source_row, NULL::VARCHAR AS raw_content
        FROM emp_checked WHERE failure IS NULL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE incoming_bad AS
        SELECT source_row, {raw_content} AS raw_content, split_part(failure, '|', 1) AS reason_code,
               $path || ' row ' || source_row || ': ' || substr(failure, strpos(failure, '|') + 1) AS message
        FROM emp_checked WHERE failure IS NOT NULL
        UNION ALL
        SELECT line AS source_row, any_value(csv_line) AS raw_content, 'wrong_field_count' AS reason_code,
               $path || ' row ' || line || ': ' || any_value(error_message) AS message
        FROM emp_rejects GROUP BY line""", {"path": rel_path})
    source_rows, rejected = con.execute(
        "SELECT (SELECT count(*) FROM emp_src), (SELECT count(DISTINCT line) FROM emp_rejects)").fetchone()
    return source_rows + rejected


PARSERS = {"firms": parse_firms, "funding": parse_funding}
