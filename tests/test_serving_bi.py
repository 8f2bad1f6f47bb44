"""The serving layer as a BI tool sees it: serving.duckdb opened read-only through SQLAlchemy + duckdb-engine (as
Superset and Metabase-style tools connect) while another process writes the warehouse, refreshes swapped in under a
reader that holds the old file, Parquet exports that match the warehouse, and the release lineage served as the view
it is in the warehouse."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, inspect, text

from quality.release import create_release_tables
from serving import refresh
from serving.refresh import refresh_serving
from tests.serving_handmade import HandmadeWarehouse, build_warehouse, publish_next_release
from tests.test_quality_lineage import OLDER_LINEAGE_TABLE

pytestmark = pytest.mark.slow

# The warehouse writer: a separate process committing small transactions in a loop, as the loader does.
WRITER = textwrap.dedent("""
    import sys, time, pathlib, duckdb
    warehouse, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    con = duckdb.connect(warehouse)
    con.execute("create schema if not exists raw")
    con.execute("create table if not exists raw.writer_heartbeat (n integer, written_at timestamp)")
    n, deadline = 0, time.monotonic() + 60
    while not stop.exists() and time.monotonic() < deadline:
        con.execute("begin")
        con.execute("insert into raw.writer_heartbeat select ?, now()", [n])
        con.execute("commit")
        n += 1
        if n == 1:
            print("ready", flush=True)
        time.sleep(0.01)
    con.close()
    print(f"commits {n}", flush=True)
""")


@contextmanager
def warehouse_writer(warehouse: Path, tmp_path: Path) -> Iterator[subprocess.Popen]:
    stop = tmp_path / f"stop-{time.monotonic_ns()}"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(warehouse), str(stop)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        yield proc
    finally:
        stop.touch()
        proc.wait(timeout=30)


def writer_commits(proc: subprocess.Popen) -> int:
    out = proc.stdout.read()
    assert proc.returncode == 0, proc.stderr.read()
    return int(out.split()[-1])


def read_only_engine(path: Path):
    return create_engine(f"duckdb:///{path}", connect_args={"read_only": True})


@pytest.fixture()
def served(tmp_path: Path) -> tuple[HandmadeWarehouse, Path, Path]:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    serving, exports = tmp_path / "serving" / "serving.duckdb", tmp_path / "exports"
    refresh_serving(warehouse.path, serving, exports)
    return warehouse, serving, exports


def test_refresh_serves_every_mart_and_kpi_table_and_exports_each(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    serving, exports = tmp_path / "serving.duckdb", tmp_path / "exports"
    summary = refresh_serving(warehouse.path, serving, exports)

    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        expected = {f"{s}.{n}": con.execute(f"select count(*) from {s}.{n}").fetchone()[0]
                    for s, n in con.execute("""select table_schema, table_name from information_schema.tables
                                               where table_schema in ('marts', 'kpi')""").fetchall()}
    assert "kpi.kpi_official_latest" in expected and "marts.fct_region_stage" in expected
    lineage_rows = expected.pop("kpi.kpi_official_lineage")      # a view over two exported tables, served as one
    for unpublished in ("kpi.kpi_official_candidate", "kpi.kpi_candidate_lineage"):   # readers get releases only
        expected.pop(unpublished)
    exported = {t.qualified_name: t for t in summary.tables if t.parquet_path is not None}
    assert set(exported) == set(expected)
    assert {t.qualified_name for t in summary.tables} - set(expected) >= {"ref.ref_kpi_definitions",
                                                                          "ref.ref_programme_regions"}
    assert summary.release_id == warehouse.release_ids[-1]
    assert summary.total_rows == sum(t.rows for t in summary.tables) > 5000
    assert summary.serving_bytes == serving.stat().st_size

    with duckdb.connect() as con:
        for name, table in exported.items():
            files = [table.parquet_path]
            if name == "kpi.kpi_lineage_sets":        # a file per release, of the sets it stored first
                assert table.parquet_path == exports / "kpi_lineage_sets"
                files = sorted(table.parquet_path.iterdir())
                assert [f.name for f in files] == sorted(f"{r}.parquet" for r in warehouse.release_ids)
            else:
                assert table.parquet_path == exports / f"{name.split('.')[1]}.parquet"
            assert table.parquet_bytes == sum(f.stat().st_size for f in files)
            assert table.rows == expected[name]
            assert con.execute("select count(*) from read_parquet(?)", [[str(f) for f in files]]).fetchone()[0] \
                == expected[name], name
        latest = con.execute("select distinct release_id from read_parquet(?)",
                             [str(exports / "kpi_official_latest.parquet")]).fetchall()
        assert latest == [(warehouse.release_ids[-1],)]
        stage_types = dict(con.execute("select column_name, column_type from (describe select * from "
                                       "read_parquet(?))", [str(exports / "fct_region_stage.parquet")]).fetchall())
        assert stage_types["quarter_end"] == "DATE" and stage_types["designated_firms"] == "BIGINT"

    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select release_id, tables from meta.serving_refresh").fetchall() == \
            [(warehouse.release_ids[-1], len(summary.tables))]
        assert con.execute("select count(*) from duckdb_views() where schema_name = 'kpi' "
                           "and view_name = 'kpi_official_lineage'").fetchone()[0] == 1
        assert con.execute("select count(*) from kpi.kpi_official_lineage").fetchone()[0] == lineage_rows > 0
        assert con.execute("select count(*) from duckdb_tables() where table_name in "
                           "('kpi_official_candidate', 'kpi_candidate_lineage')").fetchone()[0] == 0
    leftovers = [p.name for d in (tmp_path, exports) for p in d.iterdir() if p.name.startswith(".")]
    assert leftovers == [] and not Path(f"{serving}.wal").exists()


def test_bi_tool_reads_serving_while_another_process_writes_the_warehouse(served, tmp_path: Path) -> None:
    warehouse, serving, _ = served
    engine = read_only_engine(serving)
    try:
        with warehouse_writer(warehouse.path, tmp_path) as writer:
            # The reason the serving file exists: the warehouse itself cannot be opened while it is written.
            with pytest.raises(duckdb.IOException, match="lock"):
                duckdb.connect(str(warehouse.path), read_only=True)

            reads = 0
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    assert {"fct_region_stage", "fct_program_outcomes", "fct_firm_workplace_links", "dim_region"} \
                        <= set(inspect(conn).get_table_names(schema="marts"))
                    designated = conn.execute(text("""
                        select r.name_en, sum(s.designated_firms) as firms
                        from marts.fct_region_stage s join marts.dim_region r using (region_code)
                        where s.quarter = :quarter group by r.name_en order by r.name_en"""),
                        {"quarter": warehouse.latest_quarter}).all()
                    assert len(designated) == 17
                    leading = conn.execute(text("""select actual from kpi.kpi_official_latest
                        where kpi_code = 'leading_firms' and region_code = 'ALL' and quarter = :quarter"""),
                        {"quarter": warehouse.latest_quarter}).scalar_one()
                    assert leading >= 0
                reads += 1
            assert writer.poll() is None, "the writer stopped before the reads were done"
        commits = writer_commits(writer)
    finally:
        engine.dispose()
    assert reads >= 3 and commits >= 10
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert con.execute("select count(*) from raw.writer_heartbeat").fetchone()[0] == commits


def test_refresh_under_a_reader_holding_the_old_serving_file(served, tmp_path: Path) -> None:
    warehouse, serving, exports = served
    old_release = warehouse.release_ids[-1]
    latest_sql = text("""select release_id, actual from kpi.kpi_official_latest
                         where kpi_code = 'leading_firms' and region_code = 'ALL' and quarter = :quarter""")
    engine = read_only_engine(serving)
    try:
        with engine.connect() as held:
            before = held.execute(latest_sql, {"quarter": warehouse.latest_quarter}).one()
            assert before.release_id == old_release

            new_release = publish_next_release(warehouse.path, "run-2025-03-15T09:30:00", bump=5.0)
            summary = refresh_serving(warehouse.path, serving, exports)
            assert summary.release_id == new_release != old_release

            # The held connection keeps reading the file it opened, whole and unchanged.
            again = held.execute(latest_sql, {"quarter": warehouse.latest_quarter}).one()
            assert tuple(again) == tuple(before)
            assert held.execute(text("select count(*) from marts.fct_region_stage")).scalar_one() == \
                summary.table("marts.fct_region_stage").rows

            # A BI tool connecting now, in its own process, sees the new release.
            probe = textwrap.dedent("""
                import sys
                from sqlalchemy import create_engine, text
                engine = create_engine(f"duckdb:///{sys.argv[1]}", connect_args={"read_only": True})
                with engine.connect() as conn:
                    row = conn.execute(text("select release_id, actual from kpi.kpi_official_latest where "
                                            "kpi_code = 'leading_firms' and region_code = 'ALL' "
                                            "and quarter = :q"), {"q": sys.argv[2]}).one()
                print(row.release_id, row.actual)
            """)
            out = subprocess.run([sys.executable, "-c", probe, str(serving), warehouse.latest_quarter],
                                 capture_output=True, text=True, timeout=60, check=True).stdout.split()
            assert out == [new_release, str(before.actual + 5.0)]
    finally:
        engine.dispose()
    # Once every connection of this process to the old file is closed, it too sees the new file.
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select release_id from meta.serving_refresh").fetchone()[0] == new_release
    with duckdb.connect() as con:
        assert con.execute("select distinct release_id from read_parquet(?)",
                           [str(exports / "kpi_official_latest.parquet")]).fetchall() == [(new_release,)]


def test_a_failed_refresh_leaves_the_previous_serving_files_in_place(served, tmp_path: Path) -> None:
    warehouse, serving, exports = served
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [serving, *exports.iterdir()]}
    with warehouse_writer(warehouse.path, tmp_path) as writer:
        with pytest.raises(duckdb.IOException, match="lock"):
            refresh_serving(warehouse.path, serving, exports)
    writer_commits(writer)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [serving, *exports.iterdir()]} == before
    assert sorted(os.listdir(serving.parent)) == ["serving.duckdb"]
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select release_id from meta.serving_refresh").fetchone()[0] == warehouse.release_ids[-1]


def _differing_rows(first: Path, second: Path) -> dict[str, int]:
    """Per table of `first`, the rows one serving file holds and the other does not (both ways, duplicates kept)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = 'a' "
                             "and schema_name <> 'meta'").fetchall()
        return {f"{s}.{t}": con.execute(f"""select count(*) from ((select * from a.{s}.{t} except all select * from
                                             b.{s}.{t}) union all (select * from b.{s}.{t} except all
                                             select * from a.{s}.{t}))""").fetchone()[0]
                for s, t in tables}


def test_a_refresh_after_a_release_adds_its_rows_and_serves_what_a_full_refresh_serves(served, tmp_path: Path,
                                                                                        monkeypatch) -> None:
    warehouse, serving, exports = served
    added = []
    real_releases_to_add = refresh._releases_to_add
    monkeypatch.setattr(refresh, "_releases_to_add", lambda con: added.append(real_releases_to_add(con)) or added[-1])
    set_files = {f: f.stat().st_mtime_ns for f in (exports / "kpi_lineage_sets").iterdir()}
    new_release = publish_next_release(warehouse.path, "run-2025-03-15T09:30:00", bump=5.0)
    summary = refresh_serving(warehouse.path, serving, exports)
    # the sets of the earlier releases are not written again; the new release has a file of its own
    assert {f: f.stat().st_mtime_ns for f in set_files} == set_files
    assert sorted((exports / "kpi_lineage_sets").iterdir()) == sorted(
        [*set_files, exports / "kpi_lineage_sets" / f"{new_release}.parquet"])
    full = refresh_serving(warehouse.path, tmp_path / "full" / "serving.duckdb", tmp_path / "full" / "exports")
    assert summary.release_id == full.release_id == new_release
    assert {t.qualified_name: t.rows for t in summary.tables} == {t.qualified_name: t.rows for t in full.tables}
    assert set(_differing_rows(serving, full.serving_path).values()) == {0}
    assert added == [[new_release]]       # built on the previous copy; the full refresh had none to build on
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(distinct release_id) from kpi.kpi_official_lineage").fetchone()[0] == \
            len(warehouse.release_ids) + 1

    # A copy whose release rows no longer match the warehouse's is not built upon: the next refresh copies all.
    with duckdb.connect(str(serving)) as con:
        assert con.execute("delete from kpi.kpi_release_lineage where release_id = ?", [new_release]).fetchone()[0]
    third = publish_next_release(warehouse.path, "run-2025-04-15T09:30:00", bump=1.0)
    refresh_serving(warehouse.path, serving, exports)
    full = refresh_serving(warehouse.path, tmp_path / "full2" / "serving.duckdb", tmp_path / "full2" / "exports")
    assert full.release_id == third and added[1:] == [None]
    assert set(_differing_rows(serving, full.serving_path).values()) == {0}


def test_a_refresh_removes_the_candidate_exports_an_earlier_version_wrote(served, tmp_path: Path) -> None:
    warehouse, serving, exports = served
    for name in ("kpi_official_candidate", "kpi_candidate_lineage"):     # exported before readers got releases only
        (exports / f"{name}.parquet").write_bytes(b"PAR1")
    refresh_serving(warehouse.path, serving, exports)
    assert not {"kpi_official_candidate.parquet", "kpi_candidate_lineage.parquet"} & {p.name for p in exports.iterdir()}
    assert (exports / "kpi_official_latest.parquet").exists()


def test_a_serving_copy_of_the_older_lineage_layout_is_replaced_by_the_view(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(OLDER_LINEAGE_TABLE)
    serving, exports = tmp_path / "serving.duckdb", tmp_path / "exports"
    refresh_serving(warehouse.path, serving, exports)
    assert (exports / "kpi_official_lineage.parquet").exists()       # served as the table it still is

    with duckdb.connect(str(warehouse.path)) as con:
        create_release_tables(con)                                     # what the next publish does first
    new_release = publish_next_release(warehouse.path, "run-2025-03-15T09:30:00", bump=1.0)
    summary = refresh_serving(warehouse.path, serving, exports)
    assert summary.release_id == new_release and not (exports / "kpi_official_lineage.parquet").exists()
    assert sorted(p.name for p in (exports / "kpi_lineage_sets").iterdir()) == \
        sorted(f"{r}.parquet" for r in (*warehouse.release_ids, new_release))
    lineage = "select * from kpi.kpi_official_lineage order by all"
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        published = con.execute(lineage).fetchall()
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select table_type from information_schema.tables where table_schema = 'kpi' "
                           "and table_name = 'kpi_official_lineage'").fetchall() == [("VIEW",)]
        assert con.execute(lineage).fetchall() == published
    assert {r for r, *_ in published} == {*warehouse.release_ids, new_release}
