"""Serving layer: what BI tools and people read once a release is published.

  refresh.py     copies the marts, the KPI tables and the label seeds into a read-only serving database and
                 writes one Parquet export per mart and KPI table, each swapped in atomically
  kpi_report.py  builds the standalone KPI progress report (<reports>/kpi.html) from the published release
  lineage.py     `explain`: the firms, projects or consortia and source rows behind one published number

Plain Python (duckdb, altair, vl-convert); Dagster calls these functions from orchestration/.
"""
