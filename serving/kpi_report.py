"""The KPI progress report for programme managers: <reports>/kpi.html, rebuilt after each publish.

This module reads, assembles and renders; the charts' look lives in serving/kpi_charts.py and the page in
serving/templates/kpi_report.html.j2. The result is one standalone file (no server, no network): the Vega
JavaScript and the charts' data are inline and the browser draws the charts as SVG. The database is opened
read-only, so the report works on the serving copy or on the warehouse.

Where the numbers come from, and why there are two sources:
  * The figures of the KPIs (actual, target, achievement) are those of the published release,
    kpi.kpi_official_latest, named by kpi.kpi_releases. The publish step (quality/publish.py) writes them after
    dbt has run and only when the quality gate passes, so no dbt model can hold them: a mart reading
    kpi_official_candidate instead would show numbers nobody certified whenever a release is withheld.
  * Everything dbt does own comes from contracted marts shaped for this report, one per grain it shows:
    marts.rpt_kpi_progress (KPI x region x quarter: KPI wording, unit, aggregation, plan target year, labels and
    orders), marts.rpt_region_stage (the heat map of designated firms), marts.rpt_program_summary (the
    programme outcome figures) and marts.rpt_program_effects (the event-study estimates with their confidence
    intervals; its row 'ALL' at +12 months is employment_effect_did, with the firms and workplaces behind it).
  * One query joins the release rows to rpt_kpi_progress. The release drives it: a KPI or region the current
    dbt build no longer knows is still shown, under its code.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
import pandas as pd
from markupsafe import Markup

from ingestion.connections import connect
from quality.report import run_folder_name, write_text_atomically
from quality.warehouse import fetch_dicts, table_exists
from serving import kpi_charts

REPORT_NAME = "kpi.html"
TEMPLATE = "kpi_report.html.j2"
RECOUNT_CHECK = "candidate_independent_recount"
POOLED_PROGRAMMES = "ALL"              # marts.rpt_program_summary: the row of every programme pooled
REGIONAL_CHART_FIRST = "leading_firms"
OUTCOME_KPIS = ("jobs_created", "employment_effect_did")
EFFECT_HORIZONS = (6, 12, 24)
HEADLINE_HORIZON = 12


class NothingPublished(RuntimeError):
    """Raised when the database holds no published release to report on."""


@dataclass(frozen=True)
class Kpi:
    code: str
    name_ko: str
    name_en: str
    unit: str
    aggregation: str
    definition: str
    target: float | None
    target_year: int | None
    latest_actual: float | None
    achievement_pct: float | None
    status: str
    status_reason: str | None
    entity_count: int | None

    @property
    def label(self) -> str:
        return f"{self.name_ko} {self.name_en}"


# --------------------------------------------------------------------------------------------------- reading


def _latest_release(con: duckdb.DuckDBPyConnection) -> dict:
    if not table_exists(con, "kpi.kpi_releases"):
        raise NothingPublished("kpi.kpi_releases does not exist: nothing was ever published")
    rows = fetch_dicts(con, """select release_id, run_id, quarter, published_at, checks_passed, checks_warned,
                                      checks from kpi.kpi_releases order by release_seq desc limit 1""")
    if not rows:
        raise NothingPublished("kpi.kpi_releases is empty: nothing was ever published")
    return rows[0]


def _released_kpis(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every row of the published release with what marts.rpt_kpi_progress says about its cell."""
    return pd.DataFrame(fetch_dicts(con, """
        select published.kpi_code, published.region_code, published.quarter, published.actual, published.target,
               published.achievement_pct, published.status, published.status_reason, published.entity_count,
               cast(frame.quarter_end as varchar) as quarter_end,
               coalesce(frame.kpi_name_ko, published.kpi_code) as kpi_name_ko,
               coalesce(frame.kpi_name_en, '') as kpi_name_en, coalesce(frame.unit, '') as unit,
               coalesce(frame.aggregation, 'sum') as aggregation, coalesce(frame.definition, '') as definition,
               frame.target_year, coalesce(frame.region_label, published.region_code) as region_label,
               frame.region_order, frame.program_code
        from kpi.kpi_official_latest as published
        left join marts.rpt_kpi_progress as frame using (kpi_code, region_code, quarter)
        order by frame.kpi_order, published.kpi_code, frame.region_order, published.region_code, published.quarter"""))


def _national_code(con: duckdb.DuckDBPyConnection) -> str:
    [(code,)] = con.execute("select distinct national_region_code from ref.ref_kpi_definitions").fetchall()
    return code


def _revisions(con: duckdb.DuckDBPyConnection, release_id: str) -> list[dict]:
    """The values this release changed against the previous one, with their cause."""
    if not table_exists(con, "kpi.kpi_revisions"):
        return []
    return fetch_dicts(con, """select kpi_code, region_code, quarter, old_value, new_value, cause, cause_detail
                               from kpi.kpi_revisions where release_id = ? order by quarter desc, kpi_code,
                               region_code""", [release_id])


def _recount(release: dict) -> dict | None:
    """The independent recount's result as the release recorded it (status and published / recounted numbers)."""
    return next((c for c in json.loads(release["checks"] or "[]") if c["name"] == RECOUNT_CHECK), None)


def _region_stages(con: duckdb.DuckDBPyConnection, quarter: str) -> pd.DataFrame:
    """The heat map's rows for the release quarter (or the latest quarter before it the mart has)."""
    return pd.DataFrame(fetch_dicts(con, """
        select * from marts.rpt_region_stage
        where quarter = (select max(quarter) from marts.rpt_region_stage where quarter <= ?)
        order by region_order, stage_order""", [quarter]))


def _program_summary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return fetch_dicts(con, "select * from marts.rpt_program_summary order by supported_firms desc, program_code")


def _program_effects(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("select * from marts.rpt_program_effects "
                       "order by display_group, program_label, sample, horizon_months").df()


def _effect_rows(effects: pd.DataFrame) -> list[dict]:
    """The effects table: per programme with a measured estimate and horizon +6/+12/+24, the all-firms estimate
    with its interval in jobs and in percent, the survivors-only estimate beside it, the counts and the pre-trend
    test."""
    keys = ["program_code", "horizon_months"]
    wide = effects[effects["horizon_months"].isin(EFFECT_HORIZONS)]
    all_firms = wide[wide["sample"] == "all_firms"]
    survivors = wide[wide["sample"] == "survivors"][keys + ["estimate_jobs", "ci_low_jobs", "ci_high_jobs"]]
    rows = all_firms.merge(survivors, on=keys, suffixes=("", "_survivors"))
    rows = rows[rows["estimate_jobs"].notna()]
    return [{key: (None if pd.isna(value) else value) for key, value in row.items()}
            for row in rows.to_dict("records")]


# ------------------------------------------------------------------------------------------------ assembling


def _national_kpis(released: pd.DataFrame, quarter: str, national: str) -> list[Kpi]:
    """The KPIs of the release in the latest quarter, those with a plan target first, then in the mart's order."""
    latest = released[(released["region_code"] == national) & (released["quarter"] == quarter)]
    return sorted(_kpis(latest), key=lambda kpi: kpi.target is None)


def _kpis(latest: pd.DataFrame) -> list[Kpi]:
    """One Kpi per row of `latest` (rows of one region and quarter)."""
    kpis = [Kpi(r.kpi_code, r.kpi_name_ko, r.kpi_name_en, r.unit, r.aggregation, r.definition,
                None if pd.isna(r.target) else r.target, None if pd.isna(r.target_year) else int(r.target_year),
                None if pd.isna(r.actual) else r.actual, None if pd.isna(r.achievement_pct) else r.achievement_pct,
                r.status or "final", None if pd.isna(r.status_reason) else r.status_reason,
                None if pd.isna(r.entity_count) else int(r.entity_count))
            for r in latest.itertuples()]
    return kpis


def _programme_kpis(released: pd.DataFrame, quarter: str, national: str) -> dict[str, Kpi]:
    """The per-programme KPIs (jobs_created_<programme>) of the latest quarter, nationally, by programme code."""
    latest = released[(released["region_code"] == national) & (released["quarter"] == quarter)
                      & released["program_code"].notna()]
    return dict(zip(latest["program_code"], _kpis(latest)))


def _regions(regional: pd.DataFrame) -> list[dict]:
    """Rows of the regional table: each region's label and its actual per KPI code."""
    in_order = regional.sort_values(["region_order", "region_code"], kind="stable")
    return [{"code": code, "label": rows["region_label"].iloc[0],
             "actuals": dict(zip(rows["kpi_code"], rows["actual"]))}
            for code, rows in in_order.groupby("region_code", sort=False)]


def _charts(kpis: list[Kpi], released: pd.DataFrame, regional: pd.DataFrame, stages: pd.DataFrame,
            effects: pd.DataFrame, national_code: str) -> dict[str, dict]:
    """Every chart's Vega-Lite spec, keyed by the id of the element it is drawn into."""
    national = released[released["region_code"] == national_code]
    charts = {f"trajectory-{kpi.code}": kpi_charts.trajectory_chart(
                  national[national["kpi_code"] == kpi.code], kpi.unit, kpi.target, kpi.target_year)
              for kpi in kpis}
    labels = {kpi.code: kpi.label for kpi in kpis}
    charts["regional"] = kpi_charts.regional_chart(
        regional.assign(kpi_label=regional["kpi_code"].map(labels)), labels,
        REGIONAL_CHART_FIRST if REGIONAL_CHART_FIRST in labels else kpis[0].code)
    charts["region-stage"] = kpi_charts.stage_heatmap(stages)
    all_firms = effects[effects["sample"] == "all_firms"]
    charts["coefficients"] = kpi_charts.coefficient_chart(all_firms)
    charts["event-study"] = kpi_charts.event_study_chart(all_firms)
    return charts


# ------------------------------------------------------------------------------------------------- rendering


def _number(value: float | None, aggregation: str = "sum") -> str:
    """A figure as the page shows it: whole numbers with thousands separators, means and fractions to 0.1."""
    if value is None or pd.isna(value):
        return "—"
    if aggregation == "mean" or value != int(value):
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _fixed(value: float | None, digits: int) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def _data_number(value: float | None) -> str:
    """The exact value for a data-* attribute (empty when there is none)."""
    return "" if value is None or pd.isna(value) else repr(float(value))


def _inline_script(text: str) -> Markup:
    """JavaScript safe to place inside a <script> element."""
    return Markup(text.replace("</script", "<\\/script"))


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.PackageLoader("serving", "templates"), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    environment.filters.update(number=_number, fixed=_fixed, data_number=_data_number, inline_script=_inline_script)
    environment.policies["json.dumps_kwargs"] = {"ensure_ascii": False}     # Hangul stays readable in the specs
    return environment


def build_kpi_report(warehouse_or_serving_path: str | Path, reports_dir: str | Path, cache_dir: str | Path) -> Path:
    """Writes <reports_dir>/kpi.html for the latest published release and returns its path (the Vega bundle it
    inlines is kept in cache_dir)."""
    reports_dir = Path(reports_dir)
    con = connect(warehouse_or_serving_path, read_only=True)
    try:
        release = _latest_release(con)
        quarter = release["quarter"]
        national = _national_code(con)
        released = _released_kpis(con)
        revisions = _revisions(con, release["release_id"])
        stages = _region_stages(con, quarter)
        summary = _program_summary(con)
        effects = _program_effects(con)
    finally:
        con.close()

    # A programme's own KPIs (jobs_created per programme) sit in the programme table; the cards, trajectories and
    # the regional table show the KPIs of the programme as a whole.
    programme_kpis = _programme_kpis(released, quarter, national)
    released = released[released["program_code"].isna()]
    kpis = _national_kpis(released, quarter, national)
    regional = released[(released["region_code"] != national) & (released["quarter"] == quarter)]
    programmes = [row for row in summary if row["program_code"] != POOLED_PROGRAMMES]
    effect_rows = _effect_rows(effects)
    headline = next((row for row in effect_rows if row["program_code"] == POOLED_PROGRAMMES
                     and row["horizon_months"] == HEADLINE_HORIZON), None)
    quality_link = f"runs/{run_folder_name(release['run_id'])}/quality.html"
    page = _environment().get_template(TEMPLATE).render(
        release=release, quarter=quarter, national=national, kpis=kpis, regions=_regions(regional),
        outcome_kpis=[kpi for code in OUTCOME_KPIS for kpi in kpis if kpi.code == code],
        headline=headline, programmes=programmes, programme_kpis=programme_kpis, effects=effect_rows, revisions=revisions, recount=_recount(release),
        charts=_charts(kpis, released, regional, stages, effects, national), vega_bundle=kpi_charts.vega_bundle(cache_dir),
        quality_link=quality_link, quality_exists=(reports_dir / quality_link).is_file(),
        generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(sep=" ")[:19])

    return write_text_atomically(reports_dir / REPORT_NAME, page)
