"""The KPI progress report's charts: Altair charts turned into Vega-Lite specs (dicts), and the Vega JavaScript
bundle that draws them in the browser without the network.

Each function takes the data frames serving/kpi_report.py assembled and returns one spec with its data inline.
This module knows the look of the charts (marks, colours, axes, fonts); it reads no database and writes no HTML
(only the bundle's cache file).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import altair as alt
import pandas as pd

from quality.report import write_text_atomically

CHART_FONT = "Noto Sans CJK KR, NanumGothic, sans-serif"
ACTUAL, PATH, TARGET = "실적 Actual", "필요 경로 Path to target", "목표 Target"
ACTUAL_BLUE, TARGET_RED, PATH_GREY = "#1565c0", "#c62828", "#8a94a6"
REGION_ROW_HEIGHT = 22
HEATMAP_ROW_HEIGHT = 24
COEFFICIENT_ROW_HEIGHT = 9
COEFFICIENT_HORIZONS = (6, 12, 24)
HORIZON_COLOURS = ["#9575cd", "#6a1b9a", "#311b92"]


def _styled(chart: alt.TopLevelMixin) -> dict:
    """The report's common fonts, borders and legend placement, applied to a finished chart."""
    return (chart.configure(font=CHART_FONT).configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11).configure_legend(labelFontSize=11, orient="bottom")
            .to_dict())


def trajectory_chart(national: pd.DataFrame, unit: str, target: float | None, target_year: int | None) -> dict:
    """One KPI's national actual by quarter (columns quarter, quarter_end as ISO date, actual), with the straight
    path from the latest quarter to the plan target when the KPI has one."""
    actual = national.assign(series=ACTUAL)[["quarter", "quarter_end", "actual", "series"]]
    x = alt.X("quarter_end:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year"))
    layers = []
    if target is not None and target_year is not None:
        target_quarter, target_end = f"{target_year}Q4", dt.date(target_year, 12, 31).isoformat()
        latest = actual.iloc[-1]
        path = pd.DataFrame({"quarter": [latest["quarter"], target_quarter],
                             "quarter_end": [latest["quarter_end"], target_end],
                             "actual": [latest["actual"], target], "series": [PATH, PATH]})
        goal = pd.DataFrame({"quarter": [target_quarter], "quarter_end": [target_end], "actual": [target],
                             "series": [f"{target_year} {TARGET}"]})
        layers.append(alt.Chart(path).mark_line(strokeDash=[5, 4], color=PATH_GREY).encode(x=x, y="actual:Q"))
        layers.append(alt.Chart(pd.DataFrame({"target": [target]}))
                      .mark_rule(color=TARGET_RED, strokeDash=[2, 2]).encode(y="target:Q"))
        layers.append(alt.Chart(goal).mark_point(shape="diamond", size=110, filled=True, color=TARGET_RED)
                      .encode(x=x, y="actual:Q",
                              tooltip=[alt.Tooltip("series:N", title=" "), alt.Tooltip("actual:Q", title="value")]))
    series = alt.Chart(actual).encode(
        x=x, y=alt.Y("actual:Q", title=unit),
        tooltip=[alt.Tooltip("quarter:N", title="분기 Quarter"), alt.Tooltip("actual:Q", title=ACTUAL, format=",.1f")])
    layers += [series.mark_line(color=ACTUAL_BLUE, strokeWidth=2.5), series.mark_point(color=ACTUAL_BLUE, filled=True)]
    return _styled(alt.layer(*layers).properties(width="container", height=190))


def regional_chart(regional: pd.DataFrame, kpi_labels: dict[str, str], shown_first: str) -> dict:
    """Bars of every region's actual in the latest quarter (columns kpi_code, kpi_label, region_label,
    region_order, actual), one KPI at a time, chosen from a drop-down of kpi_labels (code -> label)."""
    choice = alt.param(name="kpi", value=shown_first,
                       bind=alt.binding_select(options=list(kpi_labels), labels=list(kpi_labels.values()),
                                               name="KPI "))
    region_count = regional["region_label"].nunique()
    chart = (alt.Chart(regional).mark_bar(color="#2e7d32")
             .encode(y=alt.Y("region_label:N", sort=alt.SortField("region_order"), title=None),
                     x=alt.X("actual:Q", title="실적 Actual (latest quarter)"),
                     tooltip=["region_label:N", "kpi_label:N", alt.Tooltip("actual:Q", format=",.1f")])
             .add_params(choice).transform_filter("datum.kpi_code == kpi")
             .properties(width="container", height=region_count * REGION_ROW_HEIGHT))
    return _styled(chart)


def stage_heatmap(stages: pd.DataFrame) -> dict:
    """Designated firms per region (rows) and growth stage (columns), one quarter: the rows of
    marts.rpt_region_stage."""
    base = alt.Chart(stages).encode(
        x=alt.X("stage_label:N", sort=alt.SortField("stage_order"), title="성장단계 Growth stage",
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("region_label:N", sort=alt.SortField("region_order"), title=None))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("designated_firms:Q", title="지정기업 Designated firms", scale=alt.Scale(scheme="blues")),
        tooltip=["region_label:N", "stage_label:N", "designated_firms:Q", "new_designations:Q", "promotions_in:Q",
                 "withdrawals:Q", "headcount:Q", "net_jobs_since_designation:Q"])
    dark_above = stages["designated_firms"].max() * 0.55          # white text on the darker cells
    labels = base.mark_text(fontSize=12).encode(
        text="designated_firms:Q",
        color=alt.condition(f"datum.designated_firms > {dark_above}", alt.value("white"), alt.value("#1b1f23")))
    height = stages["region_label"].nunique() * HEATMAP_ROW_HEIGHT
    return _styled(alt.layer(cells, labels).properties(width=420, height=height))


def coefficient_chart(effects: pd.DataFrame) -> dict:
    """Difference-in-differences estimates at +6, +12 and +24 months per programme with their 95 % confidence
    intervals as whiskers (rows of marts.rpt_program_effects, sample all_firms, measured rows only)."""
    shown = effects[effects["horizon_months"].isin(COEFFICIENT_HORIZONS) & effects["estimate_jobs"].notna()
                    & effects["ci_low_jobs"].notna()].assign(
        horizon=lambda frame: "+" + frame["horizon_months"].astype(str) + "개월 months")
    y = alt.Y("program_label:N", title=None, sort=alt.SortField("display_group"), axis=alt.Axis(labelLimit=220))
    offset = alt.YOffset("horizon:N", sort=[f"+{h}개월 months" for h in COEFFICIENT_HORIZONS])
    colour = alt.Color("horizon:N", title=None, sort=[f"+{h}개월 months" for h in COEFFICIENT_HORIZONS],
                       scale=alt.Scale(range=HORIZON_COLOURS))
    base = alt.Chart(shown).encode(y=y, yOffset=offset, color=colour)
    whiskers = base.mark_rule(strokeWidth=1.5).encode(
        x=alt.X("ci_low_jobs:Q", title="이중차분 DiD, jobs per firm (95 % CI)"), x2="ci_high_jobs:Q")
    points = base.mark_point(filled=True, size=45).encode(
        x="estimate_jobs:Q",
        tooltip=["program_label:N", "horizon:N", alt.Tooltip("estimate_jobs:Q", format=",.2f"),
                 alt.Tooltip("ci_low_jobs:Q", format=",.2f"), alt.Tooltip("ci_high_jobs:Q", format=",.2f"),
                 "treated_firms:Q", "comparison_workplaces:Q", alt.Tooltip("pretrend_p_value:Q", format=".3f")])
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color=PATH_GREY, strokeDash=[4, 3]).encode(x="x:Q")
    height = max(1, shown["program_label"].nunique()) * 3 * COEFFICIENT_ROW_HEIGHT
    return _styled(alt.layer(zero, whiskers, points).properties(width="container", height=height))


def event_study_chart(effects: pd.DataFrame) -> dict:
    """The event-study path of each programme from -12 to +24 months around the baseline month (sample all_firms),
    estimate and 95 % confidence band, one small panel per programme; leads left of the dashed baseline."""
    shown = effects[effects["estimate_jobs"].notna()]
    band = alt.Chart().mark_area(opacity=0.25, color=ACTUAL_BLUE).encode(
        x=alt.X("horizon_months:Q", title="기준월 대비 개월 Months from baseline"),
        y=alt.Y("ci_low_jobs:Q", title="jobs per firm"), y2="ci_high_jobs:Q")
    line = alt.Chart().mark_line(point=True, color=ACTUAL_BLUE).encode(
        x="horizon_months:Q", y="estimate_jobs:Q",
        tooltip=["horizon_months:Q", alt.Tooltip("estimate_jobs:Q", format=",.2f"),
                 alt.Tooltip("ci_low_jobs:Q", format=",.2f"), alt.Tooltip("ci_high_jobs:Q", format=",.2f"),
                 "treated_firms:Q"])
    zero = alt.Chart().mark_rule(color=PATH_GREY, strokeDash=[4, 3]).encode(y=alt.datum(0))
    baseline = alt.Chart().mark_rule(color=PATH_GREY, strokeDash=[4, 3]).encode(x=alt.datum(0))
    chart = (alt.layer(band, line, zero, baseline, data=shown)
             .properties(width=240, height=150)
             .facet(facet=alt.Facet("program_label:N", title=None,
                                    sort=alt.SortField("display_group")), columns=3)
             .resolve_scale(y="independent"))
    return _styled(chart)


def vega_bundle(cache_dir: str | Path) -> str:
    """vega, vega-lite (the version Altair writes) and vega-embed as one script, shipped inside vl-convert-python.
    Bundling takes about a second, so the script is kept in cache_dir under both versions and bundled again only
    when either changes; the file is written whole or not at all, so runs may share the folder."""
    import vl_convert
    from altair.vegalite import SCHEMA_VERSION

    vl_version = "v" + "_".join(SCHEMA_VERSION.lstrip("v").split(".")[:2])
    cached = Path(cache_dir) / f"vega-bundle-{vl_version}-vl-convert-{vl_convert.__version__}.js"
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    write_text_atomically(cached, bundle)
    return bundle
