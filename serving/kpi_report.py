"""The KPI progress report for programme managers: <reports>/kpi.html, rebuilt after each publish.

One standalone file (no server, no network): the Vega / Vega-Lite / vega-embed JavaScript comes inline from
vl-convert-python's bundle and the charts' data is inline in their specs; the browser draws them as SVG.
It shows the published release only (kpi.kpi_official_latest, named by kpi.kpi_releases, linked to that run's
quality report) and reads the database read-only, so it works on the serving copy or on the warehouse:

  * every official KPI: national actual of the latest quarter against its 2027 target, with the trajectory by
    quarter and the straight path still needed to reach the target;
  * the 17 programme regions in the latest quarter (table of every KPI, bar chart per KPI);
  * designated firms by region and growth stage in the latest quarter (marts.fct_region_stage heat map);
  * programme outcomes: jobs created, the difference-in-differences employment effect and the size of the
    comparison groups behind it (KPI rows and marts.fct_program_outcomes).

Names come from the warehouse (ref.ref_kpi_definitions, ref.ref_kpi_targets, marts.dim_region, marts.dim_program);
the numbers on the page carry data-* attributes with the published values so they can be checked mechanically.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import pandas as pd

from quality.report import run_folder_name
from quality.warehouse import fetch_dicts, table_exists

REPORT_NAME = "kpi.html"
NATIONAL = "ALL"
FONT = "'Noto Sans CJK KR', 'NanumGothic', sans-serif"
CHART_FONT = "Noto Sans CJK KR, NanumGothic, sans-serif"
STAGE_LABELS = {"잠재": "잠재 Potential", "예비": "예비 Preliminary", "선도": "선도 Leading"}   # growth order
ACTUAL, PATH, TARGET = "실적 Actual", "필요 경로 Path to target", "목표 Target"


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
    latest_actual: float
    achievement_pct: float | None

    @property
    def label(self) -> str:
        return f"{self.name_ko} {self.name_en}"


def quarter_end(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[-1])
    return dt.date(year, 12, 31) if q == 4 else dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _number(value: float | None, aggregation: str = "sum") -> str:
    if value is None or pd.isna(value):
        return "—"
    if aggregation == "mean" or value != int(value):
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _script_json(value: Any) -> str:
    """JSON safe to place inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _attr(value: float | None) -> str:
    return "" if value is None or pd.isna(value) else repr(float(value))


# --------------------------------------------------------------------------------------------------- reading


def _release(con: duckdb.DuckDBPyConnection) -> dict:
    if not table_exists(con, "kpi.kpi_releases"):
        raise NothingPublished("kpi.kpi_releases does not exist: nothing was ever published")
    rows = fetch_dicts(con, """select release_id, release_seq, run_id, quarter, published_at, content_sha256,
                                      row_count, checks_passed, checks_warned, checks_failed
                               from kpi.kpi_releases order by release_seq desc limit 1""")
    if not rows:
        raise NothingPublished("kpi.kpi_releases is empty: nothing was ever published")
    return rows[0]


def _kpis(con: duckdb.DuckDBPyConnection, quarter: str) -> list[Kpi]:
    rows = fetch_dicts(con, """
        with definitions as (select *, rowid as position from ref.ref_kpi_definitions),
             target_years as (select kpi_code, max(target_year) as target_year from ref.ref_kpi_targets
                              where region_code = ? group by kpi_code)
        select latest.kpi_code, coalesce(d.name_ko, latest.kpi_code) as name_ko, coalesce(d.name_en, '') as name_en,
               coalesce(d.unit, '') as unit, coalesce(d.aggregation, 'sum') as aggregation,
               coalesce(d.definition, '') as definition, latest.target, t.target_year, latest.actual,
               latest.achievement_pct
        from kpi.kpi_official_latest latest
        left join definitions d on d.kpi_code = latest.kpi_code
        left join target_years t on t.kpi_code = latest.kpi_code
        where latest.region_code = ? and latest.quarter = ?
        order by latest.target is null, d.position, latest.kpi_code""", [NATIONAL, NATIONAL, quarter])
    return [Kpi(r["kpi_code"], r["name_ko"], r["name_en"], r["unit"], r["aggregation"], r["definition"],
                r["target"], r["target_year"], r["actual"], r["achievement_pct"]) for r in rows]


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return pd.DataFrame(fetch_dicts(con, sql, params))


# ---------------------------------------------------------------------------------------------------- charts


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (chart.configure(font=CHART_FONT).configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11).configure_legend(labelFontSize=11, orient="bottom"))


def _trajectory_chart(kpi: Kpi, national: pd.DataFrame) -> dict:
    actual = national.assign(series=ACTUAL)[["quarter", "quarter_end", "actual", "series"]]
    layers = []
    base_x = alt.X("quarter_end:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year"))
    if kpi.target is not None and kpi.target_year is not None:
        target_end = dt.date(kpi.target_year, 12, 31).isoformat()
        last = actual.iloc[-1]
        path = pd.DataFrame({"quarter": [last["quarter"], f"{kpi.target_year}Q4"],
                             "quarter_end": [last["quarter_end"], target_end],
                             "actual": [last["actual"], kpi.target], "series": [PATH, PATH]})
        target = pd.DataFrame({"quarter": [f"{kpi.target_year}Q4"], "quarter_end": [target_end],
                               "actual": [kpi.target], "series": [f"{kpi.target_year} {TARGET}"]})
        layers.append(alt.Chart(path).mark_line(strokeDash=[5, 4], color="#8a94a6")
                      .encode(x=base_x, y="actual:Q"))
        layers.append(alt.Chart(pd.DataFrame({"target": [kpi.target]})).mark_rule(color="#c62828", strokeDash=[2, 2])
                      .encode(y="target:Q"))
        layers.append(alt.Chart(target).mark_point(shape="diamond", size=110, filled=True, color="#c62828")
                      .encode(x=base_x, y="actual:Q",
                              tooltip=[alt.Tooltip("series:N", title=" "), alt.Tooltip("actual:Q", title="value")]))
    series = alt.Chart(actual).encode(
        x=base_x, y=alt.Y("actual:Q", title=f"{kpi.unit}"),
        tooltip=[alt.Tooltip("quarter:N", title="분기 Quarter"), alt.Tooltip("actual:Q", title=ACTUAL, format=",.1f")])
    layers += [series.mark_line(color="#1565c0", strokeWidth=2.5), series.mark_point(color="#1565c0", filled=True)]
    chart = alt.layer(*layers).properties(width="container", height=190)
    return _configure(chart).to_dict()


def _regional_chart(regional: pd.DataFrame, kpis: list[Kpi]) -> dict:
    codes = [k.code for k in kpis]
    default = "leading_firms" if "leading_firms" in codes else codes[0]
    choice = alt.param(name="kpi", value=default,
                       bind=alt.binding_select(options=codes, labels=[k.label for k in kpis], name="KPI "))
    chart = (alt.Chart(regional).mark_bar(color="#2e7d32")
             .encode(y=alt.Y("region_label:N", sort=alt.SortField("display_order"), title=None),
                     x=alt.X("actual:Q", title="실적 Actual (latest quarter)"),
                     tooltip=["region_label:N", "kpi_label:N", alt.Tooltip("actual:Q", format=",.1f")])
             .add_params(choice).transform_filter("datum.kpi_code == kpi")
             .properties(width="container", height=17 * 22))
    return _configure(chart).to_dict()


def _stage_heatmap(stages: pd.DataFrame) -> dict:
    order = list(STAGE_LABELS.values())
    base = alt.Chart(stages).encode(
        x=alt.X("stage_label:N", sort=order, title="성장단계 Growth stage", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("region_label:N", sort=alt.SortField("display_order"), title=None))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("designated_firms:Q", title="지정기업 Designated firms", scale=alt.Scale(scheme="blues")),
        tooltip=["region_label:N", "stage_label:N", "designated_firms:Q", "new_designations:Q", "promotions_in:Q",
                 "withdrawals:Q", "headcount:Q", "net_jobs_since_designation:Q"])
    labels = base.mark_text(fontSize=12).encode(
        text="designated_firms:Q",
        color=alt.condition("datum.designated_firms > " + str(stages["designated_firms"].max() * 0.55),
                            alt.value("white"), alt.value("#1b1f23")))
    return _configure(alt.layer(cells, labels).properties(width=420, height=17 * 24)).to_dict()


def _did_chart(programmes: pd.DataFrame) -> dict:
    measured = programmes[programmes["firms_with_did"] > 0]
    chart = (alt.Chart(measured).mark_bar(color="#6a1b9a")
             .encode(x=alt.X("programme_label:N", title=None, sort="-y", axis=alt.Axis(labelAngle=0, labelLimit=160)),
                     y=alt.Y("mean_did_m12:Q", title="이중차분 DiD, jobs per firm (+12 months)"),
                     tooltip=["programme_label:N", alt.Tooltip("mean_did_m12:Q", format=",.2f"), "firms_with_did:Q",
                              "comparison_workplaces:Q"])
             .properties(width="container", height=220))
    return _configure(chart).to_dict()


@functools.cache
def _vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script, shipped inside vl-convert-python (no network)."""
    import vl_convert
    from altair.vegalite import SCHEMA_VERSION

    vl_version = "_".join(SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=f"v{vl_version}").replace("</script", "<\\/script")


# ------------------------------------------------------------------------------------------------------ page


CSS = f"""
body{{font-family:{FONT};margin:24px auto;max-width:1320px;color:#1b1f23;line-height:1.45;padding:0 16px}}
h1{{font-size:1.6em;margin:0 0 4px}} h2{{font-size:1.2em;margin:32px 0 10px;border-bottom:1px solid #ccd}}
.release{{background:#eef4fb;border:1px solid #90b4de;border-radius:6px;padding:10px 16px;margin:12px 0}}
.mono{{font-family:'DejaVu Sans Mono',monospace;font-size:.9em}}
.cards{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}}
.card{{border:1px solid #d5dae1;border-radius:8px;padding:12px 16px}}
.card h3{{margin:0;font-size:1.05em}} .card .code{{color:#667;font-size:.85em}}
.figure{{font-size:1.9em;font-weight:bold;color:#1565c0}} .figure small{{font-size:.5em;color:#445;font-weight:normal}}
.bar{{background:#e6e9ee;border-radius:4px;height:10px;margin:4px 0 8px}}
.bar span{{display:block;height:10px;border-radius:4px;background:#1565c0}}
.chart{{width:100%;min-height:120px}} .meta{{color:#555;font-size:.9em}}
table{{border-collapse:collapse;font-size:.88em;margin:8px 0}}
th,td{{border:1px solid #d5dae1;padding:3px 7px;text-align:right}} th{{background:#f1f3f6}}
td.name,th.name{{text-align:left;white-space:nowrap}} tr.national td{{font-weight:bold;background:#f7f9fc}}
.split{{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px;align-items:start}}
.headline{{display:flex;gap:16px;margin-bottom:12px}} .headline .card{{flex:1}}
"""


def _card(kpi: Kpi, quarter: str, chart_id: str) -> str:
    target = (f"<small> / {kpi.target_year} 목표 target {_number(kpi.target)}</small>"
              if kpi.target is not None else "<small> (no plan target)</small>")
    bar = ""
    if kpi.achievement_pct is not None:
        width = max(0.0, min(100.0, kpi.achievement_pct))
        bar = (f"<div class='bar' title='{kpi.achievement_pct:.1f}%'><span style='width:{width:.2f}%'></span></div>"
               f"<div class='meta'>달성률 Achievement <b>{kpi.achievement_pct:.1f}%</b> in {_e(quarter)}</div>")
    return (f"<section class='card kpi' data-kpi-code='{_e(kpi.code)}' data-region-code='{NATIONAL}' "
            f"data-quarter='{_e(quarter)}' data-actual='{_attr(kpi.latest_actual)}' data-target='{_attr(kpi.target)}' "
            f"data-achievement-pct='{_attr(kpi.achievement_pct)}'>"
            f"<h3>{_e(kpi.name_ko)} {_e(kpi.name_en)}</h3><div class='code'>{_e(kpi.code)} · {_e(kpi.unit)}</div>"
            f"<div class='figure'><span class='actual'>{_number(kpi.latest_actual, kpi.aggregation)}</span>{target}</div>"
            f"{bar}<div class='chart' id='{chart_id}' data-chart='trajectory'></div>"
            f"<details><summary class='meta'>정의 Definition</summary><p class='meta'>{_e(kpi.definition)}</p>"
            f"</details></section>")


def _regional_table(regional: pd.DataFrame, national: dict[str, float], kpis: list[Kpi]) -> str:
    head = "<th class='name'>지역 Region</th>" + "".join(
        f"<th title='{_e(k.code)}'>{_e(k.name_ko)}<br><span class='meta'>{_e(k.name_en)}</span></th>" for k in kpis)
    values = {(r.region_code, r.kpi_code): r.actual for r in regional.itertuples()}
    regions = regional.drop_duplicates("region_code").sort_values("display_order")
    body = []
    for region in regions.itertuples():
        cells = "".join(
            f"<td data-kpi-code='{_e(k.code)}' data-region-code='{_e(region.region_code)}' "
            f"data-actual='{_attr(values.get((region.region_code, k.code)))}'>"
            f"{_number(values.get((region.region_code, k.code)), k.aggregation)}</td>" for k in kpis)
        body.append(f"<tr class='region'><td class='name'>{_e(region.region_label)}</td>{cells}</tr>")
    total = "".join(f"<td>{_number(national.get(k.code), k.aggregation)}</td>" for k in kpis)
    body.append(f"<tr class='national'><td class='name'>전국 National</td>{total}</tr>")
    return f"<table id='regional-table'><tr>{head}</tr>{''.join(body)}</table>"


def _programme_table(programmes: pd.DataFrame) -> str:
    head = ("<tr><th class='name'>사업 Programme</th><th>지원기업 Supported firms</th><th>순지원액 Net funding (억원)</th>"
            "<th>+12개월 고용 변화 Jobs at +12 months</th><th>이중차분 측정기업 Firms with DiD</th>"
            "<th>평균 이중차분 Mean DiD</th><th>비교 사업장 Comparison workplaces</th></tr>")
    rows = "".join(
        f"<tr data-program-code='{_e(p.program_code)}'><td class='name'>{_e(p.programme_label)}</td>"
        f"<td>{p.supported_firms:,}</td><td>{p.net_funding_krw / 1e8:,.1f}</td>"
        f"<td>{_number(p.jobs_m12)}</td><td>{p.firms_with_did:,}</td>"
        f"<td>{'—' if pd.isna(p.mean_did_m12) else f'{p.mean_did_m12:,.2f}'}</td>"
        f"<td>{p.comparison_workplaces:,}</td></tr>" for p in programmes.itertuples())
    return f"<table id='programme-table'>{head}{rows}</table>"


def _outcome_headline(kpis: dict[str, Kpi], comparison: dict, quarter: str) -> str:
    cards = []
    for code, note in (("jobs_created", "supported firms with a matched NPS workplace, since their baseline month"),
                       ("employment_effect_did", None)):
        kpi = kpis.get(code)
        if kpi is None:
            continue
        if note is None:
            note = (f"vs matched never-supported workplaces: {comparison['firms_with_did']:,} supported firms with a "
                    f"comparison group of {comparison['comparison_workplaces']:,} workplaces in all "
                    f"(median {_number(comparison['median_group_size'])} per firm)")
        cards.append(f"<section class='card outcome' data-kpi-code='{_e(code)}' data-region-code='{NATIONAL}' "
                     f"data-quarter='{_e(quarter)}' data-actual='{_attr(kpi.latest_actual)}' "
                     f"data-comparison-firms='{comparison['firms_with_did']}' "
                     f"data-comparison-workplaces='{comparison['comparison_workplaces']}'>"
                     f"<h3>{_e(kpi.label)}</h3><div class='figure'>{_number(kpi.latest_actual, kpi.aggregation)}"
                     f"<small> {_e(kpi.unit)}</small></div><p class='meta'>{_e(note)}</p></section>")
    return f"<div class='headline'>{''.join(cards)}</div>"


def _page(release: dict, quality_link: str, quality_exists: bool, kpis: list[Kpi], charts: dict[str, dict],
          regional_table: str, outcome_headline: str, programme_table: str, generated_at: str) -> str:
    quarter = release["quarter"]
    cards = "".join(_card(k, quarter, f"trajectory-{k.code}") for k in kpis)
    embeds = "\n".join(
        f"vegaEmbed('#{chart_id}', {_script_json(spec)}, opts)"
        f".catch(function (e) {{ document.getElementById('{chart_id}').textContent = 'chart failed: ' + e; }});"
        for chart_id, spec in charts.items())
    missing = "" if quality_exists else " <span class='meta'>(not found beside this report)</span>"
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<title>KPI 진척 현황 KPI progress — {_e(release['release_id'])}</title>
<style>{CSS}</style>
<script>{_vega_bundle()}</script>
</head><body data-release-id="{_e(release['release_id'])}" data-quarter="{_e(quarter)}">
<h1>지역중소기업 육성 KPI 진척 현황 <span class="meta">Regional SME programme — KPI progress toward 2027</span></h1>
<div class="release" id="release">공식 발표 Official release <b class="mono">{_e(release['release_id'])}</b>
 · 기준 분기 quarter <b>{_e(quarter)}</b> · published {_e(release['published_at'])} UTC · run <span class="mono">
{_e(release['run_id'])}</span> · checks {release['checks_passed']} passed, {release['checks_warned']} warned ·
 <a href="{_e(quality_link)}">품질 보고서 Quality report</a>{missing}</div>

<h2>KPI 목표 대비 실적 Actual against the 2027 targets (전국 national)</h2>
<div class="cards">{cards}</div>

<h2>지역별 현황 Regions ({_e(quarter)})</h2>
<div class="split"><div>{regional_table}</div><div class="chart" id="regional" data-chart="regional"></div></div>

<h2>지역 × 성장단계 지정기업 Designated firms by region and growth stage ({_e(quarter)})</h2>
<div class="chart" id="region-stage" data-chart="heatmap"></div>

<h2>사업 성과 Programme outcomes</h2>
{outcome_headline}
{programme_table}
<div class="chart" id="did" data-chart="did"></div>
<p class="meta">Built {_e(generated_at)} UTC from the published release only (kpi.kpi_official_latest).
Charts are drawn in the browser from the data inside this file; nothing is loaded from the network.</p>
<script>
var opts = {{renderer: 'svg', actions: false}};
{embeds}
</script>
</body></html>
"""


def build_kpi_report(warehouse_or_serving_path: str | Path, reports_dir: str | Path) -> Path:
    """Writes <reports_dir>/kpi.html for the latest published release and returns its path."""
    reports_dir = Path(reports_dir)
    con = duckdb.connect(str(warehouse_or_serving_path), read_only=True)
    try:
        release = _release(con)
        quarter = release["quarter"]
        kpis = _kpis(con, quarter)
        national = _frame(con, """select kpi_code, quarter, actual from kpi.kpi_official_latest
                                  where region_code = ? order by kpi_code, quarter""", [NATIONAL])
        regional = _frame(con, """
            select k.kpi_code, k.region_code, k.actual, r.display_order,
                   r.short_name_ko || ' ' || r.name_en as region_label
            from kpi.kpi_official_latest k join marts.dim_region r on r.region_code = k.region_code
            where k.quarter = ? order by r.display_order, k.kpi_code""", [quarter])
        stages = _frame(con, """
            select s.region_code, s.stage, r.display_order, r.short_name_ko || ' ' || r.name_en as region_label,
                   s.designated_firms, s.new_designations, s.promotions_in, s.withdrawals, s.headcount,
                   s.net_jobs_since_designation
            from marts.fct_region_stage s join marts.dim_region r on r.region_code = s.region_code
            where s.quarter = (select max(quarter) from marts.fct_region_stage where quarter <= ?)
            order by r.display_order, s.stage""", [quarter])
        programmes = _frame(con, """
            select o.program_code, coalesce(p.name_ko || ' ' || p.name_en, o.program_code) as programme_label,
                   count(distinct o.brn) as supported_firms, sum(o.net_funding_krw) as net_funding_krw,
                   sum(o.headcount_m12 - o.baseline_headcount) as jobs_m12,
                   count(*) filter (where o.did_m12 is not null and o.comparison_group_size > 0) as firms_with_did,
                   avg(o.did_m12) filter (where o.comparison_group_size > 0) as mean_did_m12,
                   coalesce(sum(o.comparison_group_size) filter (where o.did_m12 is not null), 0)
                       as comparison_workplaces
            from marts.fct_program_outcomes o left join marts.dim_program p on p.program_code = o.program_code
            group by all order by supported_firms desc, o.program_code""")
        # The DiD KPI takes each firm's first participation (see its definition); so does this count.
        comparison = fetch_dicts(con, """
            with first_participation as (
                select * from marts.fct_program_outcomes
                qualify row_number() over (partition by brn order by first_paid_on, program_code) = 1)
            select count(*) as firms_with_did, coalesce(sum(comparison_group_size), 0) as comparison_workplaces,
                   median(comparison_group_size) as median_group_size
            from first_participation where comparison_group_size > 0 and did_m12 is not null""")[0]
    finally:
        con.close()

    national["quarter_end"] = [quarter_end(q).isoformat() for q in national["quarter"]]
    labels = {k.code: k.label for k in kpis}
    regional["kpi_label"] = regional["kpi_code"].map(labels)
    stages["stage_label"] = stages["stage"].map(lambda s: STAGE_LABELS.get(s, s))
    charts = {f"trajectory-{k.code}": _trajectory_chart(k, national[national["kpi_code"] == k.code])
              for k in kpis}
    charts["regional"] = _regional_chart(regional, kpis)
    charts["region-stage"] = _stage_heatmap(stages)
    charts["did"] = _did_chart(programmes)

    quality_link = f"runs/{run_folder_name(release['run_id'])}/quality.html"
    page = _page(release, quality_link, (reports_dir / quality_link).is_file(), kpis, charts,
                 _regional_table(regional, {k.code: k.latest_actual for k in kpis}, kpis),
                 _outcome_headline({k.code: k for k in kpis}, comparison, quarter), _programme_table(programmes),
                 dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(sep=" ")[:19])
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = reports_dir / REPORT_NAME
    temporary = target.with_name(f".{REPORT_NAME}.{os.getpid()}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
