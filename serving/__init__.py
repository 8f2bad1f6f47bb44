"""Serving layer: what BI tools and people read once a release is published.

  refresh.py     copies the marts, the KPI tables and the label seeds into a read-only serving database and
                 writes one Parquet export per mart and KPI table, each swapped in atomically
  kpi_report.py  builds the standalone KPI progress report (<reports>/kpi.html): reads the published release and
                 the rpt_ marts, assembles them and renders templates/kpi_report.html.j2
  kpi_charts.py  the report's charts as Vega-Lite specs (Altair) and the inline Vega bundle that draws them
  lineage.py     `explain`: the firms, projects or consortia and source rows behind one published number

Plain Python (duckdb, altair, vl-convert, jinja2); Dagster calls these functions from orchestration/.
"""
