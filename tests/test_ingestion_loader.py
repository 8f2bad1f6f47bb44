"""The loader on hand-made landing folders: quirks accepted, bad rows quarantined with reasons, nothing lost."""
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from ingestion import files, loader, parsers
from ingestion.loader import load_landing
from tests.handmade import (EMPLOYMENT_HEADER, funding_event, workplace_row, write_employment, write_firms,
                            write_funding)

FIRM = ["134-86-72683", "(주)한빛정밀", "부산", "29199", "초정밀 소재부품", "주축", "선도", "2023-05-10", ""]


def query(warehouse, sql, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def reconciles(warehouse):
    """Every file: rows read = loaded + quarantined, from the tables themselves (not the audit figures)."""
    return query(warehouse, """
        SELECT f.file_path, f.rows_read,
               (SELECT count(*) FROM raw.firms r WHERE r.source_file = f.file_path AND r.source_sha256 = f.sha256)
             + (SELECT count(*) FROM raw.funding r WHERE r.source_file = f.file_path AND r.source_sha256 = f.sha256)
             + (SELECT count(*) FROM raw.employment r WHERE r.source_file = f.file_path AND r.source_sha256 = f.sha256)
             + (SELECT count(*) FROM audit.quarantine q WHERE q.file_path = f.file_path AND q.source_sha256 = f.sha256)
        FROM audit.ingest_files f WHERE f.status NOT IN ('duplicate', 'superseded')""")


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing"


@pytest.fixture
def warehouse(tmp_path):
    return tmp_path / "warehouse.duckdb"


def test_firm_file_quirks_load_and_bad_rows_are_quarantined_with_file_row_and_reason(landing, warehouse):
    write_firms(landing, "busan_2023_01.csv", [
        FIRM,
        ["1168200276", "주식회사 대한", "강원도", "26299", "", "주축", "예비", "2023.06.01", ""],     # legacy name
        ["220-81-62517", "Daehan Tech", "42", "27112", "", "미래", "잠재", "20230701", "20240101"],  # legacy code
        ["123-45-67890", "오류", "부산", "29199", "", "주축", "잠재", "2023-05-10", ""],
        ["134-86-72683", "오류", "화성도", "29199", "", "주축", "잠재", "2023-05-10", ""],
        ["134-86-72683", "오류", "광주시", "29199", "", "주축", "잠재", "2023-05-10", ""],
        ["134-86-72683", "오류", "부산", "29199", "", "주축", "잠재", "2024-02-30", ""],
        ["134-86-72683", "오류", "부산", "29199", "", "주축", "최고", "2024-02-01", ""],
        ["134-86-72683", "오류", "부산"],
    ], encoding="utf-8-sig")
    write_firms(landing, "gangwon_2023_01.csv", [FIRM], encoding="cp949")
    summary = load_landing(landing, warehouse)
    assert [(f.file_path, f.status, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in summary.files] == [
        ("firms/busan_2023_01.csv", "loaded_with_quarantine", 9, 3, 6),
        ("firms/gangwon_2023_01.csv", "loaded", 1, 1, 0)]
    assert query(warehouse, "SELECT region_as_delivered, region_code, designated_on::VARCHAR, withdrawn_on::VARCHAR "
                            "FROM raw.firms WHERE source_file LIKE '%busan%' ORDER BY source_row") == [
        ("부산", "26", "2023-05-10", None), ("강원도", "51", "2023-06-01", None),
        ("42", "51", "2023-07-01", "2024-01-01")]
    quarantined = query(warehouse, "SELECT source_row, reason_code, message FROM audit.quarantine ORDER BY 1")
    assert [(row, reason) for row, reason, _ in quarantined] == [
        (5, "invalid_brn"), (6, "unknown_region"), (7, "ambiguous_region"), (8, "invalid_date"),
        (9, "invalid_value"), (10, "wrong_field_count")]
    assert quarantined[0][2].startswith("firms/busan_2023_01.csv row 5: ") and "123-45-67890" in quarantined[0][2]
    assert all(read == accounted for _, read, accounted in reconciles(warehouse))


def test_funding_lines_malformed_duplicated_or_unsigned_are_quarantined(landing, warehouse):
    write_funding(landing, "funding_202403.jsonl", [
        funding_event("E1"),
        funding_event("E2", brn="1348672683", amount=-50_000_000, reverses="E1"),
        '{"event_id": "E3", "brn": "134-86-72683", "amount_krw": ',
        funding_event("E1", amount=10),
        funding_event("E4", amount=-5),
        funding_event("E5", program="MOON"),
        funding_event("E6", paid_on="2024-13-01"),
        funding_event("E7", brn="123-45-67890"),
    ])
    write_funding(landing, "funding_202404.jsonl", [funding_event("E2", amount=7), funding_event("E8")])
    load_landing(landing, warehouse)
    assert query(warehouse, "SELECT event_id, amount_krw, reverses FROM raw.funding ORDER BY event_id") == [
        ("E1", 50_000_000, None), ("E2", -50_000_000, "E1"), ("E8", 50_000_000, None)]
    assert query(warehouse, "SELECT file_path, source_row, reason_code FROM audit.quarantine "
                            "ORDER BY file_path, source_row") == [
        ("funding/funding_202403.jsonl", 3, "malformed_json"), ("funding/funding_202403.jsonl", 4, "duplicate_event_id"),
        ("funding/funding_202403.jsonl", 5, "sign_mismatch"), ("funding/funding_202403.jsonl", 6, "invalid_value"),
        ("funding/funding_202403.jsonl", 7, "invalid_date"), ("funding/funding_202403.jsonl", 8, "invalid_brn"),
        ("funding/funding_202404.jsonl", 1, "duplicate_event_id")]
    assert all(read == accounted for _, read, accounted in reconciles(warehouse))


def test_employment_file_as_the_public_dataset_ships_it(landing, warehouse):
    header = list(EMPLOYMENT_HEADER)
    header[1], header[18] = " " + header[1], " " + header[18]          # leading spaces some releases carry
    good = workplace_row(month="2023-05", region="42")                # YYYY-MM month, legacy 강원 code
    negative = workplace_row(month="2023-05", subscribers=-3)
    bad_region = workplace_row(month="2023-05", region="99")
    bad_date = workplace_row(month="2023-05")
    bad_date[15] = "20230230"
    write_employment(landing, "nps_202305.csv", [good, good, negative, good[:12], bad_region, bad_date, good],
                     header=header)
    summary = load_landing(landing, warehouse)
    assert (summary.files[0].rows_read, summary.files[0].rows_loaded, summary.files[0].rows_quarantined) == (7, 3, 4)
    # exact duplicates are kept raw, each marked with the first row it repeats (staging leaves the marked ones out)
    assert query(warehouse, "SELECT source_row, data_month::VARCHAR, region_code, region_code_as_delivered, "
                            "workplace_name, subscribers, copy_of_row FROM raw.employment ORDER BY source_row") == [
        (2, "2023-05-01", "51", "42", "(주)한빛정밀", 12, None), (3, "2023-05-01", "51", "42", "(주)한빛정밀", 12, 2),
        (8, "2023-05-01", "51", "42", "(주)한빛정밀", 12, 2)]
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine ORDER BY 1") == [
        (4, "negative_headcount"), (5, "wrong_field_count"), (6, "unknown_region"), (7, "invalid_date")]
    assert all(read == accounted for _, read, accounted in reconciles(warehouse))


def test_unreadable_files_are_rejected_whole_and_the_rest_of_the_batch_loads(landing, warehouse):
    write_employment(landing, "nps_202401.csv", [workplace_row()])
    truncated = write_employment(landing, "nps_202402.csv", [workplace_row("202402"), workplace_row("202402")])
    truncated.write_bytes(truncated.read_bytes()[:-40])
    write_firms(landing, "jeju_2024_01.csv", [FIRM[:2] + ["제주", *FIRM[3:]]], encoding="utf-16")
    summary = load_landing(landing, warehouse)
    by_file = {f.file_path: f for f in summary.files}
    assert by_file["employment/nps_202401.csv"].status == "loaded"
    assert by_file["employment/nps_202402.csv"].status == "rejected"
    assert "employment/nps_202402.csv" in by_file["employment/nps_202402.csv"].error
    assert "row 3" in by_file["employment/nps_202402.csv"].error
    assert by_file["firms/jeju_2024_01.csv"].status == "rejected"
    assert "not decodable" in by_file["firms/jeju_2024_01.csv"].error
    assert query(warehouse, "SELECT file_path, reason_code, count(*) FROM audit.quarantine GROUP BY ALL ORDER BY 1") == [
        ("employment/nps_202402.csv", "file_truncated", 2), ("firms/jeju_2024_01.csv", "file_undecodable", 1)]
    assert all(read == accounted for _, read, accounted in reconciles(warehouse))


def test_redelivery_is_idempotent_and_a_corrected_file_replaces_its_earlier_version(landing, warehouse):
    original = write_firms(landing, "busan_2023_01.csv", [FIRM])
    load_landing(landing, warehouse)
    assert [f.status for f in load_landing(landing, warehouse).files] == ["unchanged"]
    (landing / "firms" / "busan_2023_01_resent.csv").write_bytes(original.read_bytes())
    assert [f.status for f in load_landing(landing, warehouse).files] == ["unchanged", "duplicate"]
    assert query(warehouse, "SELECT count(*) FROM raw.firms") == [(1,)]
    assert query(warehouse, "SELECT duplicate_of FROM audit.ingest_files WHERE status = 'duplicate'") == [
        ("firms/busan_2023_01.csv",)]

    write_firms(landing, "busan_2023_01.csv", [FIRM, ["1168200276", "주식회사 대한", "부산", "26299", "", "주축",
                                                      "예비", "2023-06-01", ""]])
    summary = load_landing(landing, warehouse)
    assert [f.status for f in summary.files] == ["loaded", "unchanged"]
    assert query(warehouse, "SELECT count(*) FROM raw.firms") == [(2,)]
    assert query(warehouse, "SELECT status, rows_loaded FROM audit.ingest_files "
                            "WHERE file_path = 'firms/busan_2023_01.csv' ORDER BY loaded_at") == [
        ("superseded", 1), ("loaded", 2)]


def test_an_unchanged_file_is_not_read_again_and_a_rewritten_one_is(landing, warehouse, monkeypatch):
    path = write_firms(landing, "busan_2023_01.csv", [FIRM])
    load_landing(landing, warehouse)       # a file written a moment ago gets no signature: it may still change
    assert query(warehouse, "SELECT file_signature FROM audit.ingest_files") == [(None,)]
    monkeypatch.setattr(files, "SETTLED_SECONDS", 0)
    reads = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real_read(self))
    assert [f.status for f in load_landing(landing, warehouse).files] == ["unchanged"]
    assert reads == ["busan_2023_01.csv"]  # hashed once more, and its signature recorded
    assert [f.status for f in load_landing(landing, warehouse).files] == ["unchanged"]
    assert reads == ["busan_2023_01.csv"]  # not read again

    before = path.stat()                   # other content, same size, modification time set back
    path.write_bytes(real_read(path).replace(b"2023-05-10", b"2023-05-11"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert [f.status for f in load_landing(landing, warehouse).files] == ["loaded"]
    assert query(warehouse, "SELECT designated_on::VARCHAR FROM raw.firms") == [("2023-05-11",)]


def test_a_run_killed_mid_load_leaves_no_partial_file_and_the_next_run_completes(landing, warehouse, tmp_path):
    write_employment(landing, "nps_202401.csv", [workplace_row() for _ in range(500)])
    write_employment(landing, "nps_202402.csv", [workplace_row("202402") for _ in range(500)])
    # The child process dies with SIGKILL after writing the second file's rows, before that file commits.
    script = textwrap.dedent(f"""
        import os, signal
        import ingestion.loader as loader
        real_record = loader._record_file
        def record_then_die(con, outcome, *args):
            if outcome.file_path.endswith("nps_202402.csv"):
                os.kill(os.getpid(), signal.SIGKILL)
            real_record(con, outcome, *args)
        loader._record_file = record_then_die
        loader.load_landing({str(landing)!r}, {str(warehouse)!r})
    """)
    # a file's scratch folder (its decoded copy) goes once it is parsed, before the write the kill interrupts
    child = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), env={**os.environ, "TMPDIR": str(tmp_path)})
    assert child.returncode == -signal.SIGKILL
    assert list(tmp_path.glob("sme_load_*")) == []
    assert query(warehouse, "SELECT source_file, count(*) FROM raw.employment GROUP BY 1") == [
        ("employment/nps_202401.csv", 500)]
    summary = load_landing(landing, warehouse)
    assert [(f.file_path, f.status) for f in summary.files] == [
        ("employment/nps_202401.csv", "unchanged"), ("employment/nps_202402.csv", "loaded")]
    assert query(warehouse, "SELECT count(*) FROM raw.employment") == [(1000,)]



def test_each_file_is_parsed_while_the_one_before_is_written_and_a_file_rewritten_after_it_was_read_loads_rewritten(
        landing, warehouse, monkeypatch):
    """The next file is read and parsed ahead on a second connection; if it changes before its turn, its turn
    reads it again and loads what it holds then, and a file read ahead that turns out a duplicate loads nothing."""
    for name, month in (("nps_202401.csv", "202401"), ("nps_202401_copy.csv", "202401"), ("nps_202402.csv", "202402"),
                        ("nps_202402_resent.csv", "202402")):
        write_employment(landing, name, [workplace_row(month, subscribers=12)])
    read_ahead = []
    real_parse_ahead = loader._parse_ahead

    def parse_then_rewrite(con, landing_dir, contract, path):
        ahead = real_parse_ahead(con, landing_dir, contract, path)
        read_ahead.append(path.name)
        if path.name == "nps_202402.csv":      # rewritten after it was read: 99 subscribers, not 12
            write_employment(landing, path.name, [workplace_row("202402", subscribers=99)])
        return ahead

    monkeypatch.setattr(loader, "_parse_ahead", parse_then_rewrite)
    summary = load_landing(landing, warehouse)
    assert read_ahead == ["nps_202401_copy.csv", "nps_202402.csv", "nps_202402_resent.csv"]
    assert [(Path(f.file_path).name, f.status) for f in summary.files] == [
        ("nps_202401.csv", "loaded"), ("nps_202401_copy.csv", "duplicate"), ("nps_202402.csv", "loaded"),
        ("nps_202402_resent.csv", "loaded")]
    rows = query(warehouse, "SELECT source_file, subscribers FROM raw.employment ORDER BY 1")
    # the resent copy (12 subscribers) corrects the rewritten February: it is not a duplicate of it any more
    assert rows == [("employment/nps_202401.csv", 12), ("employment/nps_202402_resent.csv", 12)]
    assert query(warehouse, "SELECT status, superseded_by FROM audit.ingest_files "
                            "WHERE file_path = 'employment/nps_202402.csv'") == [
        ("superseded", "employment/nps_202402_resent.csv")]
    assert query(warehouse, "SELECT sha256 FROM audit.ingest_files WHERE file_path = 'employment/nps_202402.csv'") \
        == [(files.sha256_of((landing / "employment" / "nps_202402.csv").read_bytes()),)]
    assert all(read == accounted for _, read, accounted in reconciles(warehouse))

def test_empty_lines_are_not_records_and_do_not_shift_row_numbers(landing, warehouse):
    path = write_employment(landing, "nps_202401.csv", [workplace_row(), workplace_row(subscribers=-1),
                                                        workplace_row(subscribers=7)])
    lines = path.read_bytes().decode("cp949").split("\n")
    lines.insert(2, "")                    # an empty line after the first row: rows below move down one line
    path.write_bytes(("\n".join(lines) + "\n\n").encode("cp949"))
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (3, 2, 1)
    assert query(warehouse, "SELECT source_row, subscribers FROM raw.employment ORDER BY 1") == [(2, 12), (5, 7)]
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine") == [(4, "negative_headcount")]


def test_empty_lines_of_a_file_with_carriage_returns_do_not_shift_row_numbers(landing, warehouse):
    path = write_employment(landing, "nps_202401.csv", [workplace_row(), workplace_row(subscribers=-1),
                                                        workplace_row(subscribers=7)])
    lines = path.read_bytes().decode("cp949").split("\n")
    lines.insert(3, "")                    # an empty line after the second row, its line ending \r\n like all
    path.write_bytes("\r\n".join(lines).encode("cp949"))
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (3, 2, 1)
    assert query(warehouse, "SELECT source_row, subscribers FROM raw.employment ORDER BY 1") == [(2, 12), (5, 7)]
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine") == [(3, "negative_headcount")]


def test_row_numbers_hold_across_a_month_the_reader_splits_between_its_threads(landing, warehouse):
    """A national-sized month is read by several reader threads at once: each row keeps its own line number, a
    line the reader sets aside and a blank line still shift the rows after them, and every row's content is its
    own (subscribers = its line number here)."""
    rows = [workplace_row(name=f"(주)사업장{n}", subscribers=n) for n in range(2, 240_002)]
    rows[150_000 - 2] = [*rows[150_000 - 2], "extra"]                 # line 150000: one field too many
    rows[200_000 - 2][15] = "2024-02-30"                               # line 200000: not a real date
    path = write_employment(landing, "nps_202401.csv", rows)
    lines = path.read_bytes().decode("cp949").split("\n")
    lines.insert(220_000 - 1, "")          # a blank line 220000: the rows below it move down one line
    path.write_bytes("\n".join(lines).encode("cp949"))
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.rows_read, outcome.rows_quarantined) == (240_000, 2)
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine ORDER BY 1") == [
        (150_000, "wrong_field_count"), (200_000, "invalid_date")]
    own_line = "source_row = subscribers + CASE WHEN subscribers >= 220000 THEN 1 ELSE 0 END"
    assert query(warehouse, f"SELECT count(*), count(*) FILTER (WHERE {own_line}) FROM raw.employment") == [
        (239_998, 239_998)]


def test_a_month_decoded_in_parts_keeps_every_row_in_its_own_line(landing, warehouse, monkeypatch):
    """A CP949 month is decoded part by part while the reader reads the parts before: the parts must land in file
    order (subscribers = line number here), and a row the reader cannot read in a later part sends the month to
    the whole-file parse, with the same row numbers."""
    monkeypatch.setattr(parsers, "STREAMED_PART_BYTES", 20_000)
    write_employment(landing, "nps_202401.csv",
                     [workplace_row(name=f"(주)사업장{n}", subscribers=n) for n in range(2, 3_002)])
    rows = [workplace_row("2024-02", name=f"(주)사업장{n}", subscribers=n) for n in range(2, 3_002)]
    rows[2_500 - 2] = [*rows[2_500 - 2], "extra"]                     # line 2500: one field too many
    write_employment(landing, "nps_202402.csv", rows)
    whole_file_parses = []
    monkeypatch.setattr(loader, "parse_employment", lambda *args: whole_file_parses.append(args[2]) or
                        parsers.parse_employment(*args))
    by_file = {f.file_path: f for f in load_landing(landing, warehouse).files}
    assert len(parsers._parts((landing / "employment/nps_202401.csv").read_bytes(), 20_000)) > 10
    assert whole_file_parses == ["employment/nps_202402.csv"]
    assert [(f.rows_read, f.rows_loaded, f.rows_quarantined) for f in by_file.values()] == [
        (3_000, 3_000, 0), (3_000, 2_999, 1)]
    assert query(warehouse, "SELECT source_file, count(*), count(*) FILTER (WHERE source_row = subscribers) "
                            "FROM raw.employment GROUP BY 1 ORDER BY 1") == [
        ("employment/nps_202401.csv", 3_000, 3_000), ("employment/nps_202402.csv", 2_999, 2_999)]
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine") == [(2_500, "wrong_field_count")]


def test_a_file_the_csv_reader_cannot_parse_is_rejected_and_the_batch_goes_on(landing, warehouse):
    broken = write_employment(landing, "nps_202401.csv", [workplace_row(), workplace_row()])
    broken.write_bytes(broken.read_bytes().replace(b"\n", b"\r\n", 1))   # mixed line endings
    write_employment(landing, "nps_202402.csv", [workplace_row("202402")])
    by_file = {f.file_path: f for f in load_landing(landing, warehouse).files}
    assert by_file["employment/nps_202401.csv"].status == "rejected"
    assert by_file["employment/nps_202401.csv"].rows_quarantined == 2
    assert by_file["employment/nps_202402.csv"].status == "loaded"
    assert query(warehouse, "SELECT DISTINCT reason_code FROM audit.quarantine") == [("file_unparseable",)]


def test_a_line_separator_inside_a_json_string_stays_inside_its_event(landing, warehouse):
    event = funding_event("E1")
    event["project_id"] = "GP300-26-01\u2028"      # legal raw inside a JSON string
    write_funding(landing, "funding_202403.jsonl", [event, funding_event("E2"), '{"broken'])
    [outcome] = load_landing(landing, warehouse).files
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (3, 2, 1)
    assert query(warehouse, "SELECT source_row, reason_code FROM audit.quarantine") == [(3, "malformed_json")]


def test_a_rejected_redelivery_keeps_the_version_already_loaded(landing, warehouse):
    path = write_firms(landing, "busan_2023_01.csv", [FIRM])
    load_landing(landing, warehouse)
    path.write_bytes(path.read_bytes()[:-20])       # the agency re-sends the file, cut short
    [outcome] = load_landing(landing, warehouse).files
    assert outcome.status == "rejected"
    assert query(warehouse, "SELECT count(*) FROM raw.firms") == [(1,)]
