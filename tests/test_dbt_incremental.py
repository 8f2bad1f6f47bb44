"""A monthly dbt build equals a full build of the same inputs, and rebuilds only the months it must.

Generated demo feeds go through the loader into two warehouses. One is built incrementally, month by month as the
files arrive, its month-local models a few months per statement; the other is built once, fresh, from the same
landing folder, each of those models in one statement. Every model of staging, intermediate, marts and kpi must
then hold the same rows in both (doubles compared to 9 decimals; the load timestamps and batch ids, which differ by
construction, left out). Three arrivals are covered: a new month, a corrected re-delivery of an older month, and a
change to the incremental models' definition (reference data they read, a column staging gains, a rule held in a
macro they call), which must rebuild every month. Hand-made feeds cover a new month that changes the identity of a
workplace seen before, and a rebuild that fails in a later batch, which must leave the stored table as it was.
The definition checksum is shown to change with the materialization and with a macro only it calls.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from generator import generate
from ingestion.files import data_month_of_file
from ingestion.loader import load_landing
from ingestion.normalise import clean_header
from tests.dbt_cli import PROJECT, run_dbt
from tests.handmade import funding_event, workplace_row, write_employment, write_firms, write_funding

pytestmark = pytest.mark.slow

SCHEMAS = ("staging", "intermediate", "marts", "kpi")
DIFFERENT_BY_CONSTRUCTION = {"loaded_at", "load_batch_id"}


# Raw rows per statement of the month-local models: about two months of the demo feeds per statement, where the
# project's default writes a demo history in one.
FEW_MONTHS = 5000


def dbt_build(project: Path, warehouse: Path, work: Path, rows_per_batch: int = FEW_MONTHS) -> None:
    run_dbt(["build"], warehouse, work, project=project, dbt_vars={"rows_per_batch": rows_per_batch})


def months_built(warehouse: Path) -> list[str]:
    """The months the last build rebuilt and tested, as 'YYYY-MM'."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [row[0] for row in con.execute(
            "select strftime(data_month, '%Y-%m') from staging.dbt_months_to_build order by 1").fetchall()]


def workplace_keys(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {key for (key,) in con.execute(
            "select distinct workplace_key from intermediate.int_workplace_months").fetchall()}


def differences(incremental: Path, fresh: Path) -> dict[str, tuple[int, int]]:
    """Per model whose rows differ: rows only in the incremental warehouse, rows only in the fresh one."""
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as incremental (read_only)")
    con.execute(f"attach '{fresh}' as fresh (read_only)")
    models = con.execute("""
        select schema_name, table_name from duckdb_tables()
        where database_name = 'fresh' and list_contains(?::varchar[], schema_name)
        union
        select schema_name, view_name from duckdb_views()
        where database_name = 'fresh' and not internal and list_contains(?::varchar[], schema_name)""",
                         [list(SCHEMAS), list(SCHEMAS)]).fetchall()
    found = {}
    for schema, name in models:
        if name.startswith("dbt_"):     # the build's own bookkeeping, not a model
            continue
        columns = con.execute("""select column_name, data_type from duckdb_columns()
                                 where database_name = 'fresh' and schema_name = ? and table_name = ?""",
                              [schema, name]).fetchall()
        projection = ", ".join(f'round("{column}", 9)' if kind == "DOUBLE" else f'"{column}"'
                               for column, kind in columns if column not in DIFFERENT_BY_CONSTRUCTION)
        only = [con.execute(f"""select count(*) from (select {projection} from {left}.{schema}.{name}
                                except all select {projection} from {right}.{schema}.{name})""").fetchone()[0]
                for left, right in (("incremental", "fresh"), ("fresh", "incremental"))]
        if any(only):
            found[f"{schema}.{name}"] = tuple(only)
    con.close()
    assert models, "the fresh warehouse has no models"
    return found


def corrected_copy(source: Path, target: Path) -> None:
    """The NPS file re-delivered corrected: every tenth workplace's headcount up by 3, the last 50 rows dropped."""
    with open(source, encoding="cp949", newline="") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:-50]
    subscribers = [clean_header(name) for name in header].index("가입자수")
    for number, record in enumerate(records):
        if number % 10 == 0:
            record[subscribers] = str(int(record[subscribers]) + 3)
    with open(target, "w", encoding="cp949", newline="") as handle:
        csv.writer(handle).writerows([header, *records])


def fresh_build(landing: Path, project: Path, work: Path) -> Path:
    """The landing built once, each month-local model in one statement (the other builds write a few months at a
    time), so the comparison also shows that the batches do not change a row."""
    warehouse = work / "fresh.duckdb"
    load_landing(landing, warehouse)
    dbt_build(project, warehouse, work, rows_per_batch=10**12)
    return warehouse


@pytest.fixture(scope="module")
def arrivals(tmp_path_factory):
    """The generated landing with its NPS files in month order, and an empty landing folder that receives them."""
    root = tmp_path_factory.mktemp("incremental")
    generate(root / "generated", scale="demo", months=8, progress=False)
    employment = sorted((root / "generated" / "employment").glob("*.csv"), key=data_month_of_file)
    landing = root / "landing"
    for feed in ("firms", "funding"):
        shutil.copytree(root / "generated" / feed, landing / feed)
    (landing / "employment").mkdir()
    return root, landing, employment


def test_a_new_month_a_corrected_month_and_a_reference_change_each_build_to_the_full_result(arrivals):
    root, landing, employment = arrivals
    warehouse = root / "incremental.duckdb"
    project = PROJECT

    for path in employment[:-1]:
        shutil.copy(path, landing / "employment" / path.name)
    load_landing(landing, warehouse)
    dbt_build(project, warehouse, root / "first")
    assert len(months_built(warehouse)) == len(employment) - 1      # the first build builds every month

    newest = employment[-1]
    shutil.copy(newest, landing / "employment" / newest.name)
    load_landing(landing, warehouse)
    dbt_build(project, warehouse, root / "increment")
    assert months_built(warehouse) == [data_month_of_file(newest)]
    assert differences(warehouse, fresh_build(landing, project, root / "fresh_new_month")) == {}

    older = employment[-4]
    correction = landing / "employment" / "국민연금공단_국민연금 가입 사업장 내역_20990101.csv"
    corrected_copy(older, correction)
    load_landing(landing, warehouse)
    dbt_build(project, warehouse, root / "correction")
    assert months_built(warehouse) == [data_month_of_file(older)]
    assert differences(warehouse, fresh_build(landing, project, root / "fresh_correction")) == {}

    # the definition changes: reference data upstream of the incremental models (충남, 44, is bridged to 충북, 43,
    # from now on), and the staging model keeps one more delivered column
    changed = root / "changed_project"
    shutil.copytree(project, changed, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    bridge = changed / "seeds" / "ref_admin_region_bridge.csv"
    lines = bridge.read_text(encoding="utf-8").splitlines()
    rewired = [line.replace("B012,44,,1900-01-01,,44,", "B012,44,,1900-01-01,,43,") for line in lines]
    assert rewired != lines
    bridge.write_text("\n".join(rewired) + "\n", encoding="utf-8")
    staging = changed / "models" / "staging" / "employment" / "stg_employment__workplace_months.sql"
    staging_sql = staging.read_text(encoding="utf-8")
    assert "    postcode,\n    legal_dong_code," in staging_sql
    staging.write_text(staging_sql.replace("    postcode,\n    legal_dong_code,",
                                           "    postcode,\n    address_road,\n    legal_dong_code,"), encoding="utf-8")
    dbt_build(changed, warehouse, root / "reference_change")
    assert len(months_built(warehouse)) == len(employment)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(address_road) from staging.stg_employment__workplace_months").fetchone()[0]
    assert differences(warehouse, fresh_build(landing, changed, root / "fresh_reference_change")) == {}

    # a rule held in a macro changes: the legal-form tokens gain a word that some generated names carry, which
    # changes those workplaces' keys in every month, stored months included
    retokened = root / "macro_project"
    shutil.copytree(changed, retokened, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    names = retokened / "macros" / "firm_names.sql"
    names_sql = names.read_text(encoding="utf-8")
    assert names_sql.count("'corp.'") == 1
    names.write_text(names_sql.replace("'corp.'", "'corp.', '산업'"), encoding="utf-8")
    keys_before = workplace_keys(warehouse)
    dbt_build(retokened, warehouse, root / "macro_change")
    assert len(months_built(warehouse)) == len(employment)
    assert workplace_keys(warehouse) != keys_before         # the token reached names in the feeds: keys changed
    assert differences(warehouse, fresh_build(landing, retokened, root / "fresh_macro_change")) == {}


def test_a_build_with_nothing_new_rebuilds_no_month_and_tests_none_again(arrivals):
    root, landing, employment = arrivals
    warehouse = root / "settled.duckdb"
    for path in employment:
        shutil.copy(path, landing / "employment" / path.name)
    load_landing(landing, warehouse)
    dbt_build(PROJECT, warehouse, root / "settled_first")
    dbt_build(PROJECT, warehouse, root / "settled_again")
    assert months_built(warehouse) == []


def mark_stored_row(warehouse: Path, brn_prefix: str, month: str) -> None:
    """Give a stored row of int_workplace_id_months a loaded_at no load has: a build that rewrites it loses the mark."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update intermediate.int_workplace_id_months set loaded_at = timestamp '2000-01-01' "
                    "where brn_prefix = ? and strftime(data_month, '%Y-%m') = ?", [brn_prefix, month])


def marked_months(warehouse: Path, brn_prefix: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [m for (m,) in con.execute(
            "select strftime(data_month, '%Y-%m') from intermediate.int_workplace_id_months "
            "where brn_prefix = ? and loaded_at = timestamp '2000-01-01' order by 1", [brn_prefix]).fetchall()]


@pytest.mark.parametrize("identities_recorded", [True, False], ids=["identities_recorded", "identities_lost"])
def test_a_month_that_breaks_a_workplace_chain_rewrites_the_rows_of_the_keys_it_reassigns(tmp_path,
                                                                                        identities_recorded):
    """한빛정밀 is in 부산 in 2024-01 and 2024-02 and in 대구 from 2024-03: a move, one workplace_id. In 2024-04 the
    부산 workplace is in the file again beside the 대구 one, so they are two workplaces after all, and the 대구 key's
    2024-03 row, which the new month does not contain, must change its workplace_id. A neighbour in 대구, in the
    file every month, keeps its identity, so its 2024-03 row is not written again. Without the record of the
    identities the stored rows were built with, every key counts as reassigned: every row is written again, and
    the table still equals a full build."""
    landing = tmp_path / "landing"
    write_firms(landing, "agency.csv", [["134-86-72683", "(주)한빛정밀", "부산", "29299", "", "주축", "선도",
                                         "2023-05-01", ""]])
    write_funding(landing, "events.jsonl", [funding_event("E1", paid_on="2024-01-10", program="TALENT")])
    busan, daegu = "26", "27"
    hanbit, neighbour = "134867", "220811"
    months = {"2024-01": [busan], "2024-02": [busan], "2024-03": [daegu], "2024-04": [busan, daegu]}

    def month_file(month: str) -> None:
        write_employment(landing, f"nps_{month}.csv",
                         [*(workplace_row(month, region=r) for r in months[month]),
                          workplace_row(month, name="(주)대명금속", brn_prefix=neighbour, region=daegu)])

    for month in list(months)[:3]:
        month_file(month)
    warehouse = tmp_path / "incremental.duckdb"
    load_landing(landing, warehouse)
    dbt_build(PROJECT, warehouse, tmp_path / "first")
    mark_stored_row(warehouse, neighbour, "2024-03")
    if not identities_recorded:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("drop table staging.dbt_workplace_identities_built")
    month_file("2024-04")
    load_landing(landing, warehouse)
    dbt_build(PROJECT, warehouse, tmp_path / "increment")

    assert months_built(warehouse) == ["2024-04"]
    # the neighbour's 2024-03 row was left in place, unless no key's identity could be compared
    assert marked_months(warehouse, neighbour) == (["2024-03"] if identities_recorded else [])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        identities = con.execute("""select strftime(data_month, '%Y-%m'), programme_region_code,
                                           workplace_id = workplace_key
                                    from intermediate.int_workplace_id_months where brn_prefix = ?
                                    order by 1, 2""", [hanbit]).fetchall()
    assert identities == [("2024-01", busan, True), ("2024-02", busan, True), ("2024-03", daegu, True),
                          ("2024-04", busan, True), ("2024-04", daegu, True)]
    assert differences(warehouse, fresh_build(landing, PROJECT, tmp_path / "fresh")) == {}


def test_a_rebuild_that_fails_in_a_later_batch_leaves_the_stored_table_as_it_was(tmp_path):
    """`--full-refresh` of a model written in month batches replaces the stored table in one transaction: when a
    later batch fails, the table the last build left is still there, whole, and no batch bookkeeping is left."""
    landing = tmp_path / "landing"
    write_firms(landing, "agency.csv", [["134-86-72683", "(주)한빛정밀", "부산", "29299", "", "주축", "선도",
                                         "2023-05-01", ""]])
    write_funding(landing, "events.jsonl", [funding_event("E1", paid_on="2024-01-10", program="TALENT")])
    months = ["2024-01", "2024-02", "2024-03"]
    for month in months:
        write_employment(landing, f"nps_{month}.csv", [workplace_row(month)])
    warehouse = tmp_path / "warehouse.duckdb"
    load_landing(landing, warehouse)
    dbt_build(PROJECT, warehouse, tmp_path / "first")

    failing = tmp_path / "failing_project"
    shutil.copytree(PROJECT, failing, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    months_model = failing / "models" / "intermediate" / "employment" / "int_workplace_months.sql"
    model_sql = months_model.read_text(encoding="utf-8")
    assert "select\n    workplace_key,\n    data_month,\n" in model_sql
    months_model.write_text(model_sql.replace(
        "select\n    workplace_key,\n    data_month,\n",
        "select\n    workplace_key,\n    case when data_month = date '2024-03-01' then error('planted failure')"
        " else data_month end as data_month,\n"), encoding="utf-8")
    result = run_dbt(["run", "--full-refresh", "--select", "int_workplace_months"], warehouse,
                     tmp_path / "failing", project=failing, dbt_vars={"rows_per_batch": 1}, succeeds=False,
                     timeout=300)
    assert result.returncode != 0 and "planted failure" in result.stdout

    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute("select strftime(data_month, '%Y-%m') from intermediate.int_workplace_months "
                             "order by 1").fetchall()
        leftovers = con.execute("select table_name from duckdb_tables() "
                                "where table_name like 'dbt_month_batch%'").fetchall()
    assert [month for (month,) in stored] == months
    assert leftovers == []


def definition_checksum(project: Path, work: Path) -> str:
    """The incremental models' definition checksum of `project` (macros/incremental_months.sql), printed by an
    operation added to the project for the test."""
    (project / "macros" / "print_definition_checksum.sql").write_text(
        "{% macro print_definition_checksum() %}"
        "{{ print('checksum=' ~ sme_warehouse.incremental_definition_checksum()) }}{% endmacro %}\n", encoding="utf-8")
    result = run_dbt(["run-operation", "print_definition_checksum"], work / "unused.duckdb", work, project=project,
                     timeout=300)
    [checksum] = [line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("checksum=")]
    return checksum


def test_the_definition_checksum_follows_the_materialization_and_the_helpers_only_it_calls(tmp_path):
    """The materialization writing the month-local models is part of their definition, and so is a macro that only
    the materialization calls: an edit to either must rebuild every month. The planted helper is called by the
    materialization alone, so the checksum can only see it through the materialization's own macro calls."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml"))
    materialization = project / "macros" / "incremental_by_month.sql"
    opening = "{% materialization incremental_by_month, adapter='duckdb' %}\n"
    source = materialization.read_text(encoding="utf-8")
    assert source.count(opening) == 1
    helper = "{% macro planted_helper() %}{{ return('first') }}{% endmacro %}\n"
    materialization.write_text(helper + source.replace(
        opening, opening + "    {%- do sme_warehouse.planted_helper() -%}\n"), encoding="utf-8")
    with_helper = definition_checksum(project, tmp_path / "with_helper")
    materialization.write_text(materialization.read_text(encoding="utf-8").replace("'first'", "'second'"),
                               encoding="utf-8")
    helper_changed = definition_checksum(project, tmp_path / "helper_changed")
    materialization.write_text(materialization.read_text(encoding="utf-8").replace(
        opening, opening + "    {#- an edit to the materialization itself -#}\n"), encoding="utf-8")
    materialization_changed = definition_checksum(project, tmp_path / "materialization_changed")
    assert len({with_helper, helper_changed, materialization_changed}) == 3
