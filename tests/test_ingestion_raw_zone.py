"""The Parquet raw zone exported from a loaded warehouse: same rows, month partitions, partial and stale months."""
import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.raw_zone import export_raw_zone
from tests.handmade import funding_event, workplace_row, write_employment, write_firms, write_funding

FIRM = ["134-86-72683", "(주)한빛정밀", "부산", "29199", "초정밀 소재부품", "주축", "선도", "2023-05-10", ""]
MONTHS = ["202401", "202402", "202403"]


@pytest.fixture
def warehouse(tmp_path):
    landing = tmp_path / "landing"
    write_firms(landing, "firms_2024.csv", [FIRM])
    write_funding(landing, "funding_2024.jsonl", [funding_event("E1"), funding_event("E2", amount=-50_000_000,
                                                                                      reverses="E1")])
    for index, month in enumerate(MONTHS):
        write_employment(landing, f"nps_{month}.csv", [
            workplace_row(month=month, subscribers=12 + index),
            workplace_row(month=month, name="대한기계", brn_prefix="220816", region="47", subscribers=40),
        ])
    path = tmp_path / "warehouse.duckdb"
    load_landing(landing, path)
    return path


def rows_differing(warehouse, table, parquet_glob, hive=False):
    """Rows of raw.<table> and of the Parquet files not matched one for one on the other side."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        in_zone = f"SELECT * FROM read_parquet('{parquet_glob}', hive_partitioning = {str(hive).lower()})"
        columns = ", ".join(name for (name,) in con.execute(
            f"SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = '{table}'"
            " ORDER BY column_index").fetchall())
        return con.execute(
            f"SELECT count(*) FROM ((SELECT {columns} FROM raw.{table} EXCEPT ALL SELECT {columns} FROM ({in_zone}))"
            f" UNION ALL (SELECT {columns} FROM ({in_zone}) EXCEPT ALL SELECT {columns} FROM raw.{table}))"
        ).fetchone()[0]


def test_export_holds_exactly_the_warehouse_rows(warehouse, tmp_path):
    zone = tmp_path / "raw_zone"
    result = export_raw_zone(warehouse, zone)

    assert (result["firms"]["rows"], result["funding"]["rows"], result["employment"]["rows"]) == (1, 2, 6)
    assert result["employment"]["partitions"] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert sorted(p.name for p in (zone / "employment").iterdir()) == [
        "data_month=2024-01-01", "data_month=2024-02-01", "data_month=2024-03-01"]
    assert rows_differing(warehouse, "firms", f"{zone}/firms/*.parquet") == 0
    assert rows_differing(warehouse, "funding", f"{zone}/funding/*.parquet") == 0
    assert rows_differing(warehouse, "employment", f"{zone}/employment/*/*.parquet", hive=True) == 0
    # data_month lives in the folder name only, typed as a DATE when read with hive partitioning
    with duckdb.connect() as con:
        assert con.execute(f"SELECT DISTINCT typeof(data_month) FROM read_parquet("
                           f"'{zone}/employment/*/*.parquet', hive_partitioning = true)").fetchall() == [("DATE",)]
    assert not [p for p in zone.rglob(".*")], "temporary folders left behind"


def test_a_month_export_rewrites_only_that_month(warehouse, tmp_path):
    zone = tmp_path / "raw_zone"
    export_raw_zone(warehouse, zone)
    january = sorted((zone / "employment" / "data_month=2024-01-01").iterdir())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE raw.employment SET subscribers = subscribers + 100 WHERE data_month = '2024-02-01'")
        con.execute("UPDATE raw.employment SET subscribers = subscribers + 100 WHERE data_month = '2024-01-01'")

    result = export_raw_zone(warehouse, zone, months=["2024-02"])

    assert result["employment"]["partitions"] == ["2024-02-01"]
    assert result["employment"]["rows"] == 2
    with duckdb.connect() as con:
        by_month = dict(con.execute(
            f"SELECT strftime(data_month, '%Y-%m'), sum(subscribers) FROM read_parquet("
            f"'{zone}/employment/*/*.parquet', hive_partitioning = true) GROUP BY 1").fetchall())
    assert by_month == {"2024-01": 52, "2024-02": 253, "2024-03": 54}   # January still the old export
    assert sorted((zone / "employment" / "data_month=2024-01-01").iterdir()) == january


def test_months_gone_from_the_warehouse_leave_the_zone(warehouse, tmp_path):
    zone = tmp_path / "raw_zone"
    export_raw_zone(warehouse, zone)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM raw.employment WHERE data_month = '2024-03-01'")

    named = export_raw_zone(warehouse, zone, months=["2024-03-01"])
    assert named["employment"]["removed"] == ["2024-03-01"]
    assert not (zone / "employment" / "data_month=2024-03-01").exists()

    (zone / "employment" / "data_month=2023-12-01").mkdir()   # a full export drops stale months unasked
    full = export_raw_zone(warehouse, zone)
    assert full["employment"]["removed"] == ["2023-12-01"]
    assert sorted(p.name for p in (zone / "employment").iterdir()) == ["data_month=2024-01-01",
                                                                         "data_month=2024-02-01"]


def test_month_labels_must_be_months(warehouse, tmp_path):
    with pytest.raises(ValueError, match="2024"):
        export_raw_zone(warehouse, tmp_path / "raw_zone", months=["2024"])


def test_a_month_export_also_rewrites_months_exported_before_the_table_gained_a_column(warehouse, tmp_path):
    """A warehouse loaded before the loader marked copies gets `copy_of_row` at its next load; the months its
    raw zone already holds lack the column, so the next export of any month rewrites them too."""
    zone = tmp_path / "raw_zone"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE raw.employment DROP COLUMN copy_of_row")
    export_raw_zone(warehouse, zone)
    load_landing(tmp_path / "landing", warehouse)       # nothing new; the loader adds the column
    result = export_raw_zone(warehouse, zone, months=["2024-02"])
    assert result["employment"]["partitions"] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert rows_differing(warehouse, "employment", f"{zone}/employment/*/*.parquet", hive=True) == 0
    assert export_raw_zone(warehouse, zone, months=["2024-02"])["employment"]["partitions"] == ["2024-02-01"]
