"""The KPI progress report rendered in headless Chromium: every chart draws (SVG marks in the DOM after the scripts
ran), the screenshot is not blank, the numbers on the page are those of kpi.kpi_official_latest, and nothing
needs the network (Chromium runs with name resolution switched off). Chromium is installed by scripts/install-browser.sh when missing, never skipped."""
from __future__ import annotations

import re
import subprocess

import duckdb
import pytest

from quality.report import run_folder_name
from serving.kpi_report import build_kpi_report
from serving.refresh import refresh_serving
from tests.browser import chromium
from tests.serving_handmade import HandmadeWarehouse, build_warehouse

pytestmark = pytest.mark.browser

CHARTS = 16            # 12 KPI trajectories, regional bars, region x stage heat map, DiD coefficients, event study


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, cache_dir) -> dict:
    tmp = tmp_path_factory.mktemp("kpi_report")
    warehouse = build_warehouse(tmp / "warehouse.duckdb")
    serving = tmp / "serving.duckdb"
    refresh_serving(warehouse.path, serving, tmp / "exports")
    report = build_kpi_report(serving, tmp / "reports", cache_dir)
    url = report.as_uri()
    dom = chromium("--dump-dom", url, profile=tmp / "profile").stdout
    screenshot = tmp / "kpi.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1400,3000", url, profile=tmp / "profile")
    return {"warehouse": warehouse, "serving": serving, "report": report, "dom": dom, "screenshot": screenshot}


def chart_segments(dom: str) -> dict[str, str]:
    """The DOM from each chart container to the next one, which holds that chart's SVG."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'<div class="chart[^"]*" id="([^"]+)"', dom)]
    return {chart_id: dom[start:(starts[i + 1][0] if i + 1 < len(starts) else len(dom))]
            for i, (start, chart_id) in enumerate(starts)}


def data_attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))


def test_report_is_standalone(rendered) -> None:
    page = rendered["report"].read_text(encoding="utf-8")
    assert rendered["report"].name == "kpi.html"
    markup = re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.S)
    assert page.count("<script>") == 2 and len(page) - len(markup) > 500_000    # the vega bundle and the charts
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import|https?://", markup)


def test_every_chart_draws_svg_marks(rendered) -> None:
    segments = chart_segments(rendered["dom"])
    assert len(segments) == CHARTS
    assert ">chart failed" not in rendered["dom"]
    for chart_id, segment in segments.items():
        assert re.search(r'<svg[^>]*class="marks"', segment), f"{chart_id} has no SVG"
    assert segments["trajectory-leading_firms"].count('class="mark-line') >= 2     # actual and path to target
    assert segments["trajectory-leading_firms"].count('<path') >= 8
    heat = segments["region-stage"]
    assert heat.count("<text") >= 17 * 3 + 17 + 3            # a label per cell, plus axis labels
    assert "선도 Leading" in heat and "부산 Busan" in heat
    assert segments["regional"].count('role="graphics-symbol"') >= 10


def test_numbers_on_the_page_are_the_published_release(rendered) -> None:
    warehouse: HandmadeWarehouse = rendered["warehouse"]
    dom = rendered["dom"]
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        latest = {(k, r): a for k, r, a in con.execute(
            "select kpi_code, region_code, actual from kpi.kpi_official_latest where quarter = ?",
            [warehouse.latest_quarter]).fetchall()}
        release_id, run_id, published_at = con.execute(
            "select release_id, run_id, published_at from kpi.kpi_releases order by release_seq desc limit 1"
        ).fetchone()
        per_programme = {k for (k,) in con.execute(
            "select kpi_code from ref.ref_kpi_definitions where program_code is not null").fetchall()}
    assert release_id == warehouse.release_ids[-1]
    assert f'data-release-id="{release_id}"' in dom and str(published_at) in dom
    assert f'href="runs/{run_folder_name(run_id)}/quality.html"' in dom

    cards = {data_attrs(m.group(0))["kpi-code"]: (data_attrs(m.group(0)), m.end())
             for m in re.finditer(r'<section class="card kpi"[^>]*>', dom)}
    national = {k: a for (k, r), a in latest.items() if r == "ALL"}
    # the cards show the programme as a whole; each programme's own jobs_created sits in the programme table
    assert per_programme and set(cards) == set(national) - per_programme
    for code, (attrs, end) in cards.items():
        assert attrs["quarter"] == warehouse.latest_quarter and attrs["region-code"] == "ALL"
        assert float(attrs["actual"]) == pytest.approx(national[code]), code
    leading, end = cards["leading_firms"]
    shown = re.search(r'<span class="actual">([^<]+)</span>', dom[end:]).group(1)
    assert shown == f"{int(national['leading_firms']):,}"
    assert float(leading["target"]) == 280.0

    cells = [data_attrs(m.group(0)) for m in re.finditer(r'<td data-kpi-code="[^>]*>', dom)]
    regional = {(c["kpi-code"], c["region-code"]): float(c["actual"]) for c in cells if c["region-code"] != "ALL"}
    assert len({r for _, r in regional}) == 17
    assert regional == pytest.approx({key: value for key, value in latest.items()
                                      if key[1] != "ALL" and key[0] not in per_programme})
    programme_jobs = {c["kpi-code"]: float(c["actual"]) for c in cells if c["region-code"] == "ALL"}
    assert programme_jobs and set(programme_jobs) <= per_programme
    assert programme_jobs == pytest.approx({code: national[code] for code in programme_jobs})

    did = data_attrs(re.search(r'<section class="card outcome" data-kpi-code="employment_effect_did"[^>]*>',
                               dom).group(0))
    assert float(did["actual"]) == pytest.approx(national["employment_effect_did"])
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        effects = con.execute("select program_code, horizon_months, estimate_jobs, ci_low_jobs, ci_high_jobs, "
                              "treated_firms, comparison_workplaces, pretrend_rejected from marts.rpt_program_effects "
                              "where sample = 'all_firms' and horizon_months in (6, 12, 24) "
                              "and estimate_jobs is not null").fetchall()
    headline = next(row for row in effects if row[:2] == ("ALL", 12))
    assert (float(did["ci-low"]), float(did["ci-high"])) == pytest.approx(headline[3:5])
    assert (int(did["treated-firms"]), int(did["comparison-workplaces"])) == headline[5:7]
    # every measured programme x horizon is a row of the effects table with its interval; nothing unmeasured is
    rows = [data_attrs(m.group(0)) for m in re.finditer(r'<tr data-program-code="[^"]*" data-horizon[^>]*>', dom)]
    shown = {(r["program-code"], int(r["horizon"])): r for r in rows}
    assert set(shown) == {(program, horizon) for program, horizon, *_ in effects}
    for program, horizon, estimate, low, high, _, _, rejected in effects:
        row = shown[(program, horizon)]
        assert [float(row["estimate"]), float(row["ci-low"]), float(row["ci-high"])] == pytest.approx(
            [estimate, low, high])
        assert (row["pretrend-rejected"] == "true") == rejected
    assert "STRUCT" not in {program for program, _ in shown}


def test_screenshot_is_drawn_with_korean_fonts(rendered) -> None:
    fonts = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK KR" in fonts or "NanumGothic" in fonts, "no Korean font: Hangul would draw as boxes"
    from PIL import Image, ImageStat

    with Image.open(rendered["screenshot"]) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1400, 3000)
        assert max(ImageStat.Stat(rgb).stddev) > 20
        # The trajectory lines (#1565c0) and the heat-map blues are drawn, not just text on white.
        colours = rgb.getcolors(maxcolors=1 << 20)
        line_blue = sum(n for n, (r, g, b) in colours if abs(r - 0x15) < 30 and abs(g - 0x65) < 30
                        and abs(b - 0xc0) < 30)
        assert line_blue > 5000
