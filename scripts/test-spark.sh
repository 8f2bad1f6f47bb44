#!/usr/bin/env bash
# The Spark CI lane (`make test-spark`): proves the dbt project builds on Apache Spark 3.5 with the same results as
# on DuckDB. Everything happens in a temporary folder on loopback, with its own venv (.venv-spark):
#   1. generate the demo feeds, load all but the newest NPS month with the loader into a DuckDB file, export the
#      Parquet raw zone;
#   2. dbt build on the duckdb target, then on the spark target (local[2] session reading the raw zone);
#   3. load the newest month as a monthly delivery, export its partition, run one incremental monthly pass for it
#      on both engines;
#   4. scripts/compare_engines.py: every mart, the KPI tables and the incremental models, row by row.
# Exit status: non-zero when a step fails; otherwise the comparison's. KEEP_SPARK_WORKDIR=1 keeps the folder.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv-spark"
PROJECT="$REPO/dbt_project"
PYTHON="${PYTHON:-python3}"
STARTED=$SECONDS

step() { printf '\n== %s (%ds)\n' "$1" $((SECONDS - STARTED)); }

if [ ! -x "$VENV/bin/dbt" ] || [ "$REPO/requirements-spark.txt" -nt "$VENV/.installed-stamp" ]; then
    step "installing $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REPO/requirements-spark.txt"
    touch "$VENV/.installed-stamp"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sme-spark-lane.XXXXXX")"
if [ "${KEEP_SPARK_WORKDIR:-0}" = "1" ]; then
    echo "working folder (kept): $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi
cd "$WORK"   # Spark's derby.log and anything else written to the working directory stays in here

export SPARK_LOCAL_IP=127.0.0.1
export DBT_SEND_ANONYMOUS_USAGE_STATS=false GX_ANALYTICS_ENABLED=false
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export SME_LANDING_DIR="$WORK/landing"
export SME_WAREHOUSE_PATH="$WORK/warehouse.duckdb"
export SME_RAW_ZONE_DIR="$WORK/raw_zone"
export SME_SPARK_MASTER="local[2]"
export SME_SPARK_WAREHOUSE_DIR="$WORK/spark-warehouse"
export SME_SPARK_METASTORE_DIR="$WORK/spark-metastore"
unset SME_DBT_TARGET   # every dbt call below names its target

# dbt_on ENGINE ARGS...: one dbt call on that target; its output goes to a log, a failure prints the log's end.
dbt_on() {
    local engine="$1"; shift
    local log="$WORK/dbt-$engine-$1.log"
    if "$VENV/bin/dbt" "$@" --target "$engine" --profiles-dir "$PROJECT" --project-dir "$PROJECT" \
            --target-path "$WORK/target-$engine" --log-path "$WORK/logs-$engine" >"$log" 2>"$log.stderr"; then
        grep -E "Done\. PASS=" "$log" | tail -1 | sed 's/^.*Done\./   /'
    else
        tail -n 60 "$log"
        echo "dbt $1 on $engine failed (log: $log; stderr: $log.stderr)" >&2
        return 1
    fi
}

# prepare.py first: generate the demo feeds, load every file but the newest NPS month, export the whole raw zone.
# prepare.py newest: load that NPS file as a monthly delivery, export its month only, print the month.
cat >"$WORK/prepare.py" <<'PY'
import os
import sys
from pathlib import Path

import duckdb

from generator import generate
from ingestion.files import data_month_of_file
from ingestion.loader import load_landing
from ingestion.raw_zone import export_raw_zone

landing, warehouse = Path(os.environ["SME_LANDING_DIR"]), Path(os.environ["SME_WAREHOUSE_PATH"])
raw_zone = Path(os.environ["SME_RAW_ZONE_DIR"])
if sys.argv[1] == "first":
    generate(landing, scale="demo", seed=42, progress=False)
newest_file = max((landing / "employment").glob("*.csv"), key=data_month_of_file).resolve()   # by stated month
if sys.argv[1] == "first":
    summary = load_landing(landing, warehouse,
                           paths=[p for p in landing.rglob("*") if p.is_file() and p.resolve() != newest_file])
    exported = export_raw_zone(warehouse, raw_zone)
else:
    summary = load_landing(landing, warehouse, paths=[newest_file])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = [f"{month:%Y-%m-%d}" for (month,) in con.execute(
            "SELECT DISTINCT data_month FROM raw.employment WHERE load_batch_id = ? ORDER BY 1",
            [summary.batch_id]).fetchall()]
    exported = export_raw_zone(warehouse, raw_zone, months=months)
    print(months[-1])
print(f"   files {summary.files_by_status}; raw zone rows: "
      + ", ".join(f"{table} {part['rows']}" for table, part in exported.items()), file=sys.stderr)
PY

step "generate demo feeds, load all but the newest NPS month into DuckDB, export the raw zone"
"$VENV/bin/python" "$WORK/prepare.py" first

step "dbt build on duckdb"
dbt_on duckdb build

step "dbt build on spark (session, local[2])"
dbt_on spark build

step "load the newest NPS month, export its raw-zone partition"
NEWEST_MONTH="$("$VENV/bin/python" "$WORK/prepare.py" newest)"
INCREMENTAL_VARS="{\"min_month\": \"$NEWEST_MONTH\", \"max_month\": \"$NEWEST_MONTH\"}"
# the incremental models: on DuckDB the month-local ones are materialized incremental_by_month
INCREMENTAL_MODELS="config.materialized:incremental config.materialized:incremental_by_month"

step "incremental pass for $NEWEST_MONTH on spark"
dbt_on spark run -s $INCREMENTAL_MODELS --vars "$INCREMENTAL_VARS"

step "incremental pass for $NEWEST_MONTH on duckdb"
dbt_on duckdb run -s $INCREMENTAL_MODELS --vars "$INCREMENTAL_VARS"

step "compare duckdb and spark results"
status=0
"$VENV/bin/python" "$REPO/scripts/compare_engines.py" \
    --duckdb "$SME_WAREHOUSE_PATH" --spark-warehouse "$SME_SPARK_WAREHOUSE_DIR" \
    --table intermediate.int_workplace_months \
    --table intermediate.int_workplace_chains --table intermediate.int_program_effect_firms \
    --table intermediate.int_program_effects || status=$?
step "done"
exit "$status"
