"""Parsers that turn one decoded landing file into accepted rows and quarantined rows.

Each parser fills two temporary relations on the loader's connection (tables, or views for employment):
- `incoming_ok`: the feed's raw columns plus `source_row` and `raw_content` (and its `file_columns`: employment's
  `copy_of_row`, which marks a row repeating an earlier one of the file);
- `incoming_bad`: `source_row`, `raw_content`, `reason_code`, `message`.
The small feeds (firms, funding) are validated row by row in Python with the normalisers, firm lists from CSV
and Excel alike; the employment file, hundreds of thousands of rows a month, is validated column-wise inside
DuckDB. A file that cannot be taken as a whole raises `FileRejected` with its reason code.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contracts import FeedContract
from ingestion.contracts import employment as employment_contract
from ingestion.contracts import firms as firms_contract
from ingestion.contracts import funding as funding_contract
from ingestion.files import first_stated_month, iter_lines, physical_lines
from ingestion.normalise import clean_header, normalise_brn, parse_date, region_resolver

BAD_COLUMNS = ("source_row", "raw_content", "reason_code", "message")


class FileRejected(ValueError):
    """The file cannot be taken as a whole: every row is quarantined with `reason`, and nothing of it loads."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def reset_incoming(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the previous file's `incoming_*` relations, whichever kind (table or view) they were."""
    for name, kind in con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                  "WHERE table_catalog = 'temp' AND table_name IN ('incoming_ok', 'incoming_bad')"
                                  ).fetchall():
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


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


def _check_firm_header(header: list[str], rel_path: str) -> None:
    if tuple(header) != firms_contract.HEADER:
        raise FileRejected("file_bad_header",
                           f"{rel_path}: header {header} does not match {list(firms_contract.HEADER)}")


def _validate_firm_records(con: duckdb.DuckDBPyConnection, records: Iterable[tuple[int, list[str]]],
                           rel_path: str) -> int:
    """Validate numbered firm records (row as a spreadsheet shows it, fields as text) into `incoming_*`."""
    header_width = len(firms_contract.HEADER)
    resolver = region_resolver()
    ok, bad = [], []
    rows_read = 0
    for row_number, fields in records:
        rows_read += 1
        raw = ",".join(fields)

        def reject(reason: str, detail: str) -> None:
            bad.append((row_number, raw, reason, f"{rel_path} row {row_number}: {detail}"))

        if len(fields) != header_width:
            reject("wrong_field_count", f"{len(fields)} fields where the header has {header_width}")
            continue
        brn_raw, name, region_raw, industry, key_industry, industry_type, stage, designated, withdrawn = (
            f.strip() for f in fields)
        required = {"사업자등록번호": brn_raw, "기업명": name, "시도": region_raw, "업종코드": industry,
                    "산업구분": industry_type, "성장단계": stage, "지정일자": designated}
        missing = [h for h, v in required.items() if not v]
        if missing:
            reject("missing_value", f"required field {', '.join(missing)} is empty")
            continue
        brn = normalise_brn(brn_raw)
        if brn is None:
            reject("invalid_brn", f"사업자등록번호 '{brn_raw}' is not 10 digits with a valid check digit")
            continue
        region = resolver.resolve(region_raw)
        if region.spans:
            reject(region.reason, f"시도 '{region_raw}' spans programme regions {' and '.join(region.spans)}, and a "
                                  "firm row carries no 시군구 or legal-dong code to place it in one of them")
            continue
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


def parse_firms(con: duckdb.DuckDBPyConnection, text: str, rel_path: str) -> int:
    """A firm list delivered as CSV (UTF-8 or CP949, already decoded); returns the records it holds."""
    reader = csv.reader(io.StringIO(text))
    _check_firm_header([clean_header(h) for h in next(reader, [])], rel_path)
    return _validate_firm_records(
        con, ((n, fields) for n, fields in enumerate(reader, start=2) if fields), rel_path)


def _cell_text(value) -> str:
    """A cell as the text a CSV would carry: Excel dates as YYYY-MM-DD, whole numbers without a decimal point."""
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def workbook_rows(data: bytes, rel_path: str) -> list[list[str]]:
    """Every row of the workbook's first sheet as text cells (row 1 first), or `FileRejected` if unreadable."""
    import openpyxl    # only firm lists in Excel need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:     # openpyxl raises zipfile, XML and its own errors alike for a damaged workbook
        raise FileRejected("file_unparseable", f"{rel_path}: not a readable .xlsx workbook ({exc})") from exc
    return [[_cell_text(v) for v in values] for values in workbook.worksheets[0].iter_rows(values_only=True)]


def parse_firm_workbook(con: duckdb.DuckDBPyConnection, data: bytes, rel_path: str) -> int:
    """A firm list delivered as an Excel workbook: first sheet, header in row 1, rows numbered as Excel shows.

    Dates may be real Excel dates or text in any form the CSV accepts. A row holding nothing is not a record;
    a row with values beyond the header's last column has the wrong field count.
    """
    rows = workbook_rows(data, rel_path)
    header = [clean_header(h) for h in (rows[0] if rows else [])]
    while header and not header[-1]:
        header.pop()
    _check_firm_header(header, rel_path)
    width = len(header)

    def fitted(fields: list[str]) -> list[str]:
        """The row cut to the header's width, unless it holds values beyond it (then the wrong field count)."""
        return fields if any(v.strip() for v in fields[width:]) else (fields + [""] * width)[:width]

    return _validate_firm_records(
        con, ((n, fitted(fields)) for n, fields in enumerate(rows[1:], start=2) if any(f.strip() for f in fields)),
        rel_path)


def parse_funding(con: duckdb.DuckDBPyConnection, text: str, rel_path: str) -> int:
    ok, bad = [], []
    rows_read = 0
    seen_in_file: dict[str, int] = {}
    for line_number, line in enumerate(physical_lines(text), start=1):
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


# Columns the reader types itself; the rest (dates included, since releases mix two forms) arrive as text.
_EMPLOYMENT_READ_TYPES = {
    "enrolment_status": "SMALLINT", "workplace_type": "SMALLINT", "subscribers": "INTEGER", "billed_krw": "BIGINT",
    "new_subscribers": "INTEGER", "lost_subscribers": "INTEGER",
}
# An empty line after the first (or one holding a carriage return alone): one regular expression search finds it
# in a third of the time the two searches `b"\n\n" in data or b"\n\r\n" in data` took (0.18 s of a national month).
_EMPTY_LINE = re.compile(rb"\n\r?\n")
_READER_REASONS = {"MISSING COLUMNS": "wrong_field_count", "TOO MANY COLUMNS": "wrong_field_count"}
_EMPLOYMENT_NAMES = [c.name for c in employment_contract.CONTRACT.columns[:len(employment_contract.HEADER)]]
_KOREAN_NAME = dict(zip((c.name for c in employment_contract.CONTRACT.columns), employment_contract.HEADER))


def _employment_date(column: str) -> str:
    """SQL for a date column in either published form; NULL when empty or not a real date."""
    forms = ", ".join(f"try_strptime(trim({column}), '{form}')" for form in employment_contract.DATE_FORMS)
    return f"CAST(coalesce({forms}) AS DATE)"


def _split_code_rule(file_month: str) -> str:
    """CASE branches quarantining a row under a code the bridge splits (12) that the bridge cannot place.

    The same rule int_workplace_rows_bridged applies, on the same seed rows valid on the data month: a 5-digit
    시군구 row of the bridge, else the split code's row whose sigungu_prefix is the 시군구 code's first two digits,
    or, when the 시군구 code is missing or merely repeats the delivered code (NPS gives region code + 3 digits),
    the first two digits of the 10-digit legal-dong code (고객법정동주소코드). The rows valid on the month are
    written into the SQL as constant lists: a lookup correlated with each row made DuckDB join every row of the
    file (a third of the validation's time on a national month) for the few rows under the split code.
    """
    resolver = region_resolver()
    on = dt.date.fromisoformat(f"{file_month}-01")
    valid = [r for r in resolver.bridge_rows if r.valid_on(on)]
    region = "substring(trim(region_code_as_delivered), 1, 2)"
    sigungu = ("CASE WHEN length(trim(sigungu_code)) = 3 THEN trim(region_code_as_delivered) || trim(sigungu_code) "
               "ELSE nullif(trim(sigungu_code), '') END")
    prefix = (f"CASE WHEN ({sigungu}) IS NULL OR substring({sigungu}, 1, 2) = {region} "
              f"THEN substring(trim(legal_dong_code), 1, 2) ELSE substring({sigungu}, 1, 2) END")

    def one_of(value: str, options: set[str]) -> str:
        """TRUE when `value` is one of `options`, FALSE when it is not or is NULL."""
        return f"coalesce(({value}) IN ({', '.join(map(_quote, sorted(options)))}), false)" if options else "false"

    prefixes: dict[str, set[str]] = {}
    for row in valid:
        if row.sigungu_prefix:
            prefixes.setdefault(row.admin_code, set()).add(row.sigungu_prefix)
    placed = " OR ".join([one_of(sigungu, {r.admin_code for r in valid}),
                          one_of(region, {r.admin_code for r in valid if r.sigungu_prefix is None}),
                          *(f"({region} = {_quote(code)} AND {one_of(prefix, options)})"
                            for code, options in sorted(prefixes.items()))])
    return " ".join(
        f"""WHEN trim(region_code_as_delivered) = '{code}' AND NOT ({placed})
                THEN 'ambiguous_region|법정동주소광역시도코드 {code} spans programme regions {' and '.join(spans)}, and '
                     || 'neither 법정동주소광역시시군구코드 "' || coalesce(sigungu_code, '') || '" nor 고객법정동주소코드 "'
                     || coalesce(legal_dong_code, '') || '" places the row in one of them in {file_month}'"""
        for code, spans in sorted(resolver.split_codes.items()))


def _region_codes() -> str:
    """A CTE of every known region code (legacy ones included) with its current code."""
    resolver = region_resolver()
    codes = ", ".join(f"('{code}', '{resolver.current_code(code)}')" for code in sorted(resolver.known_codes))
    return f"region_codes(code, current_code) AS (VALUES {codes})"


def _date_column(column: str) -> str:
    """The hidden column of `emp_rows` holding a date column parsed, so the rules and the insert parse it once."""
    return f"{column}_parsed"


def _employment_failure(file_month: str) -> str:
    """SQL for a row's first failing rule as 'reason|detail', NULL when the row breaks none.

    It reads the row's columns as delivered and the dates already parsed into their `_date_column`."""
    month_form = employment_contract.MONTH_FORM.pattern
    sigungu_forms = "|".join(f"\\d{{{n}}}" for n in employment_contract.SIGUNGU_FORMS)
    negative = " ".join(f"WHEN {c} < 0 THEN 'negative_headcount|{c} is ' || {c} || ', a count cannot be negative'"
                        for c in employment_contract.COUNT_COLUMNS)
    dates = " ".join(
        f"WHEN nullif(trim({c}), '') IS NOT NULL AND {_date_column(c)} IS NULL "
        f"THEN 'invalid_date|{_KOREAN_NAME[c]} \"' || {c} || '\" is not a real date in YYYY-MM-DD or YYYYMMDD'"
        for c in employment_contract.DATE_COLUMNS)
    known_regions = ", ".join(map(_quote, sorted(region_resolver().known_codes)))
    return f"""CASE
                WHEN NOT regexp_full_match(trim(data_month), '{month_form}')
                    THEN 'invalid_month|자료생성년월 "' || coalesce(data_month, '') || '" is not YYYY-MM or YYYYMM'
                WHEN replace(trim(data_month), '-', '') <> '{file_month.replace("-", "")}'
                    THEN 'file_mixed_months|자료생성년월 "' || data_month || '" where the file states {file_month}'
                WHEN nullif(trim(workplace_name), '') IS NULL THEN 'missing_value|사업장명 is empty'
                WHEN NOT regexp_full_match(trim(brn_prefix), '\\d{{6}}[*\\-]*')
                    THEN 'invalid_brn|사업자등록번호 "' || coalesce(brn_prefix, '') || '" is not a 6-digit prefix'
                WHEN enrolment_status IS NULL OR enrolment_status NOT IN (1, 2)
                    THEN 'invalid_value|사업장가입상태코드 "' || coalesce(enrolment_status::VARCHAR, '')
                         || '" is not 1 or 2'
                WHEN NOT coalesce(trim(region_code_as_delivered) IN ({known_regions}), false)
                    THEN 'unknown_region|법정동주소광역시도코드 "' || coalesce(region_code_as_delivered, '')
                         || '" is not a known region code'
                WHEN workplace_type NOT IN (1, 2)
                    THEN 'invalid_value|사업장형태구분코드 "' || workplace_type || '" is not 1 or 2'
                WHEN subscribers IS NULL THEN 'missing_value|가입자수 is empty'
                {negative}
                {dates}
                WHEN nullif(trim(sigungu_code), '') IS NOT NULL
                     AND NOT regexp_full_match(trim(sigungu_code), '{sigungu_forms}')
                    THEN 'invalid_value|법정동주소광역시시군구코드 "' || sigungu_code
                         || '" is neither a 3-digit part nor a 5-digit code'
                {_split_code_rule(file_month)}
            END"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _employment_header_check(first_line: str, rel_path: str) -> None:
    header = tuple(clean_header(h) for h in next(csv.reader([first_line.rstrip("\r")])))
    if header != employment_contract.HEADER:
        raise FileRejected("file_bad_header", f"{rel_path}: header {list(header)} does not match "
                                              f"{list(employment_contract.HEADER)}")


def _employment_read(source: Path, file_month: str, header: bool, rejects: bool) -> str:
    """SELECT of a UTF-8 NPS file's rows (or a part's) as the reader reads them: the columns as delivered, the dates
    parsed into their `_date_column`, `row_hash` over the columns as delivered, and `failure`, the row's first failing
    rule. With `rejects` the reader sets the rows it cannot read aside into `emp_rejects`; without, such a row fails
    the read."""
    columns = "{" + ", ".join(f"'{n}': '{_EMPLOYMENT_READ_TYPES.get(n, 'VARCHAR')}'" for n in _EMPLOYMENT_NAMES) + "}"
    errors = ", store_rejects = true, rejects_table = 'emp_rejects', rejects_scan = 'emp_scans'" if rejects else ""
    read = (f"read_csv({_quote(str(source))}, header = {str(header).lower()}, auto_detect = false, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"'{errors})")
    parsed_dates = ", ".join(f"{_employment_date(c)} AS {_date_column(c)}" for c in employment_contract.DATE_COLUMNS)
    row_hash = f"hash({', '.join(_EMPLOYMENT_NAMES)}) AS row_hash"
    return (f"SELECT *, {_employment_failure(file_month)} AS failure "
            f"FROM (SELECT *, {parsed_dates}, {row_hash} FROM {read})")


def parse_employment(con: duckdb.DuckDBPyConnection, text: str, rel_path: str, encoding: str, path: Path,
                     scratch: Path) -> tuple[int, str]:
    """Validate an NPS month inside DuckDB; returns the records the file holds and the month it states (YYYY-MM).

    The month is the one the first record states; a file whose records state another one too, or none, is
    rejected whole. DuckDB's parallel CSV reader reads the file once into the temporary table `emp_rows` (the
    reader sets aside rows whose field count or values do not parse, into `emp_rejects`); DuckDB keeps the file's
    order there, so a row's rowid numbers it. The same pass parses the dates and names each row's first failing
    rule (a second pass over the table cost a national month about 0.5 s of CPU, and parsed every date twice).
    `_employment_rows` then sets the relations the loader reads. (Numbering the rows with `WITH ORDINALITY`
    instead kept each scan of the file on one core: four national months loaded in 16.4-16.7 s that way against
    12.1-12.4 s by rowid, side by side.) A non-UTF-8 file is read from a UTF-8 copy in `scratch`; its lines are
    counted in that copy's bytes, which is faster than in the text.
    """
    header_end = text.find("\n")
    _employment_header_check(text if header_end < 0 else text[:header_end], rel_path)
    utf8 = text.encode("utf-8")
    # DuckDB's reader skips empty lines; they are not records, and they shift the row numbers after them.
    lines = physical_lines(text) if _EMPTY_LINE.search(utf8) else None
    blank_lines = [n for n, line in enumerate(lines, start=1) if n > 1 and not line] if lines else []
    rows_read = utf8.count(b"\n") + (0 if utf8.endswith(b"\n") else 1) - 1 - len(blank_lines)
    if rows_read == 0:
        raise FileRejected("file_empty", f"{rel_path}: the file holds a header and no data rows")
    records = csv.reader(iter_lines(text))
    next(records)
    file_month = first_stated_month(records)
    if file_month is None:
        raise FileRejected("file_no_month", f"{rel_path}: no row states 자료생성년월 as YYYY-MM or YYYYMM, so the "
                                            "file belongs to no month")
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = scratch / "employment_utf8.csv"
        source.write_bytes(utf8)
    del utf8
    con.execute("DROP TABLE IF EXISTS emp_rejects; DROP TABLE IF EXISTS emp_scans")
    read = _employment_read(source, file_month, header=True, rejects=True)
    con.execute(f"CREATE OR REPLACE TEMP TABLE emp_rows AS {read}")
    _employment_rows(con, rel_path, file_month, blank_lines)
    return rows_read, file_month


# Part of a CP949 month decoded at a time while DuckDB reads the parts before it. Each read of a part has a cost
# of its own: a national month read in 16 MB parts took twice the reader's CPU of one read, in 32 MB parts the same.
STREAMED_PART_BYTES = 32 * 2**20


def _parts(data: bytes, size: int) -> list[tuple[int, int]]:
    """(start, end) of consecutive parts of about `size` bytes, each ending just after a line feed."""
    parts, start = [], 0
    while start < len(data):
        end = data.find(b"\n", min(start + size, len(data)) - 1) + 1 or len(data)
        parts.append((start, end))
        start = end
    return parts


def parse_employment_streamed(con: duckdb.DuckDBPyConnection, data: bytes, rel_path: str,
                              scratch: Path) -> tuple[int, str] | None:
    """`parse_employment` for a plainly well-formed CP949 month, decoded part by part while DuckDB reads the parts
    already decoded; None for any other file, which `parse_employment` then takes whole.

    Decoding and re-encoding a national month took 0.5 s on one core while DuckDB waited for the whole UTF-8 copy.
    Plainly well-formed: no UTF-8 BOM, no carriage return, a final line feed, no empty line, the contract's header,
    a month stated in the first part, every part valid CP949, no row the reader cannot read and one row per line.
    Each part ends after a line feed, so for such a file it holds whole records: a part ending inside a quoted
    field fails its read (the reader meets the end inside the quotes), and a quoted line feed leaves fewer rows
    than lines. One reader thread appends the parts to `emp_rows` in file order, so rowid still numbers the rows.
    Anything else (a mixed month included) is left to `parse_employment`, which finds and reports it as before.
    """
    if data.startswith(codecs.BOM_UTF8) or not data.endswith(b"\n") or b"\r" in data:
        return None
    reads: list[Future] = []
    rows_read, file_month = -1, None          # the header line holds no row
    con.execute("DROP TABLE IF EXISTS emp_rejects; DROP TABLE IF EXISTS emp_scans")
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="employment_reader")
    try:
        for index, (start, end) in enumerate(_parts(data, STREAMED_PART_BYTES)):
            text = data[start:end].decode(employment_contract.ENCODING)
            if index == 0:
                _employment_header_check(text[:text.find("\n")], rel_path)
                records = csv.reader(iter_lines(text))
                next(records)
                if (file_month := first_stated_month(records)) is None:
                    return None
            utf8 = text.encode("utf-8")
            if utf8.startswith(b"\n") or _EMPTY_LINE.search(utf8):
                return None
            rows_read += utf8.count(b"\n")
            part = scratch / f"employment_utf8_{index}.csv"
            part.write_bytes(utf8)
            rows_of_part = _employment_read(part, file_month, header=index == 0, rejects=index == 0)
            reads.append(reader.submit(con.execute, f"CREATE OR REPLACE TEMP TABLE emp_rows AS {rows_of_part}"
                                       if index == 0 else f"INSERT INTO emp_rows {rows_of_part}"))
        for pending in reads:
            pending.result()
    except (UnicodeDecodeError, FileRejected, duckdb.Error):
        return None
    finally:
        reader.shutdown(wait=True, cancel_futures=True)
    [(rows, rejected)] = con.execute("SELECT (SELECT count(*) FROM emp_rows), (SELECT count(*) FROM emp_rejects)"
                                     ).fetchall()
    if rows_read == 0 or rows != rows_read or rejected:
        return None
    try:
        _employment_rows(con, rel_path, file_month, [])
    except FileRejected:
        return None
    return rows_read, file_month


def _employment_rows(con: duckdb.DuckDBPyConnection, rel_path: str, file_month: str, blank_lines: list[int]) -> None:
    """From `emp_rows` and `emp_rejects`: `emp_failures`, the rows breaking a rule; `incoming_bad` over it and the
    reader's rejects; `incoming_ok`, a view typing every other row and marking the copies. Rejects the file if rows
    state another month."""
    # the connection preserves insertion order (DuckDB's default, kept by connections.connect): rowid is file order
    scan = "(SELECT *, rowid + 1 AS ordinality FROM emp_rows)"
    raw_content = "concat_ws(',', " + ", ".join(f"coalesce({n}::VARCHAR, '')" for n in _EMPLOYMENT_NAMES) + ")"
    con.execute(f"CREATE OR REPLACE TEMP TABLE emp_failures AS "
                f"SELECT ordinality, failure, {raw_content} AS raw_content FROM {scan} WHERE failure IS NOT NULL")
    rejected_lines = [line for (line,) in con.execute("SELECT DISTINCT line FROM emp_rejects ORDER BY 1").fetchall()]
    # Lines that gave no row (set aside by the reader, or empty) shift the row numbers of the rows after them.
    skipped = sorted(rejected_lines + blank_lines)

    def row_in_file(ordinality: str) -> str:
        return f"{ordinality} + 1" + "".join(
            f" + CASE WHEN {ordinality} > {line - 2 - k} THEN 1 ELSE 0 END" for k, line in enumerate(skipped))

    source_row = row_in_file("ordinality")
    [(other_rows, first_other_row, first_other_month)] = con.execute(f"""
        SELECT count(*), min({source_row}), arg_min(split_part(failure, '"', 2), ordinality)
        FROM emp_failures WHERE failure LIKE 'file_mixed_months|%'""").fetchall()
    if other_rows:
        raise FileRejected("file_mixed_months", f"{rel_path}: rows state more than one data month: {file_month} "
                                                f"from the first row, and {other_rows} row(s) another, first "
                                                f"'{first_other_month}' on row {first_other_row}")
    typed = []
    for name in _EMPLOYMENT_NAMES:
        if name == "data_month":
            typed.append(f"DATE '{file_month}-01' AS data_month")
        elif name == "brn_prefix":
            typed.append("left(trim(brn_prefix), 6) AS brn_prefix")
        elif name == "sigungu_code":
            typed.append("CASE WHEN length(trim(sigungu_code)) = 3 THEN trim(region_code_as_delivered) || "
                         "trim(sigungu_code) ELSE trim(sigungu_code) END AS sigungu_code")
        elif name in employment_contract.DATE_COLUMNS:
            typed.append(f"{_date_column(name)} AS {name}")
        else:
            typed.append(name)
    _mark_copies(con, scan)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW incoming_ok AS
        WITH {_region_codes()}
        SELECT {', '.join(typed)}, r.current_code AS region_code, {source_row} AS source_row,
               {row_in_file('c.first_ordinality')} AS copy_of_row, NULL::VARCHAR AS raw_content
        FROM {scan} AS s
        LEFT JOIN region_codes r ON r.code = trim(s.region_code_as_delivered)
        LEFT JOIN emp_copies c ON c.copy_ordinality = s.ordinality
        WHERE failure IS NULL""")
    prefix = _quote(f"{rel_path} row ")
    reader_reasons = " ".join(f"WHEN {_quote(kind)} THEN {_quote(reason)}" for kind, reason in _READER_REASONS.items())
    con.execute(f"""CREATE OR REPLACE TEMP VIEW incoming_bad AS
        SELECT {source_row} AS source_row, raw_content, split_part(failure, '|', 1) AS reason_code,
               {prefix} || ({source_row}) || ': ' || substr(failure, strpos(failure, '|') + 1) AS message
        FROM emp_failures
        UNION ALL
        SELECT line AS source_row, csv_line AS raw_content,
               CASE error_type::VARCHAR
                   WHEN 'CAST' THEN 'invalid_value'
                   {reader_reasons}
                   ELSE 'malformed_row' END AS reason_code,
               {prefix} || line || ': ' || coalesce(column_name || ': ', '') || error_message AS message
        FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS nth FROM emp_rejects)
        WHERE nth = 1""")


def _mark_copies(con: duckdb.DuckDBPyConnection, scan: str) -> None:
    """`emp_copies`: (copy_ordinality, first_ordinality) of each valid row of `emp_rows` that repeats an earlier one field
    for field as delivered, with the first such row. The reader hashed every row as it read it (`row_hash`), in
    parallel and beside the decode of the next part, so only rows whose hash repeats are compared here field by
    field: comparing or hashing every row once more cost a national month a third of a second."""
    fields = ", ".join(_EMPLOYMENT_NAMES)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE emp_copies AS
        WITH repeated AS (
            SELECT row_hash FROM emp_rows WHERE failure IS NULL GROUP BY row_hash HAVING count(*) > 1)
        SELECT ordinality AS copy_ordinality, min(ordinality) OVER (PARTITION BY {fields}) AS first_ordinality
        FROM {scan}
        WHERE failure IS NULL AND row_hash IN (SELECT row_hash FROM repeated)
        QUALIFY copy_ordinality <> first_ordinality""")


PARSERS = {"firms": parse_firms, "funding": parse_funding}
