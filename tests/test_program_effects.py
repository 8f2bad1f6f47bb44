"""The programme-outcome evaluation proven on a planted effect: generated feeds whose true effects are known.

One module fixture generates the `evaluation` scale (seed 42: 64 months, twice the demo programme in an 80,000
workplace file) and runs the whole pipeline on it. The generator's effects_manifest.json states what it planted:
+2.0 jobs at +12 months (1.0 at +6, 2.0 at +24) for one programme, none for another, and selection on pre-growth
into both. The tests check that marts.fct_program_effects finds them, that the design without employment history
does not, and that its standard errors and pre-trend test are statsmodels' own (OLS, cluster-robust by firm).
"""
from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from generator import generate
from orchestration.cli import main
from orchestration.settings import Settings

pytestmark = pytest.mark.slow

HORIZONS = (6, 12, 24)


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    """(warehouse path, effects manifest) of one run on the evaluation feeds."""
    root = tmp_path_factory.mktemp("evaluation")
    settings = Settings.resolve(data_dir=root, landing=root / "landing", environ={})
    summary = generate(settings.landing, scale="evaluation", seed=42, progress=False)
    assert main(["run", "--data-dir", settings.data_dir, "--landing", settings.landing_dir]) == 0
    manifest = json.loads((settings.landing / "effects_manifest.json").read_text(encoding="utf-8"))
    assert manifest == summary["effects"]
    return settings.warehouse, manifest


def _frame(warehouse, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def _effect(warehouse, program: str, horizon: int, method: str = "matched_history",
            sample: str = "all_firms") -> dict:
    rows = _frame(warehouse, "SELECT * FROM marts.fct_program_effects WHERE program_code = ? AND horizon_months = ? "
                             "AND method = ? AND sample = ?", [program, horizon, method, sample])
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


@pytest.mark.parametrize("sample", ["all_firms", "survivors"])
def test_the_confidence_intervals_cover_the_planted_effect_and_zero(evaluation, sample):
    warehouse, manifest = evaluation
    for program in (manifest["planted_programme"], manifest["zero_effect_programme"]):
        for horizon in HORIZONS:
            planted = manifest["effect_jobs"][program][f"+{horizon}"]
            effect = _effect(warehouse, program, horizon, sample=sample)
            assert effect["treated_firms"] >= 30 and effect["comparison_workplaces"] > effect["treated_firms"]
            assert effect["ci_low_jobs"] <= planted <= effect["ci_high_jobs"], (program, horizon, effect)
    # the planted effect is found, not merely not rejected: at +6 months, and at +12 among survivors (whose
    # changes are not swamped by large workplaces leaving the file), the interval excludes zero
    assert _effect(warehouse, manifest["planted_programme"], 6, sample=sample)["ci_low_jobs"] > 0
    assert _effect(warehouse, manifest["planted_programme"], 12, sample="survivors")["ci_low_jobs"] > 0


def test_the_design_without_employment_history_is_biased_in_the_planted_direction(evaluation):
    """Firms join after growing, so cells without history compare them with slower growers: the naive estimate
    lies above the planted effect, further from it than the matched one, and its own pre-trend test rejects."""
    warehouse, manifest = evaluation
    for program in (manifest["planted_programme"], manifest["zero_effect_programme"]):
        planted = manifest["effect_jobs"][program]["+12"]
        matched = _effect(warehouse, program, 12, sample="survivors")
        naive = _effect(warehouse, program, 12, method="naive", sample="survivors")
        assert naive["estimate_jobs"] - planted > abs(matched["estimate_jobs"] - planted), (program, naive, matched)
        assert naive["pretrend_rejected"] and not matched["pretrend_rejected"]


def test_the_pre_trend_test_is_published_and_passes_for_the_matched_design(evaluation):
    warehouse, manifest = evaluation
    effects = _frame(warehouse, "SELECT * FROM marts.fct_program_effects")
    measured = effects[effects.pretrend_p_value.notna()]
    assert ((measured.pretrend_p_value < 0.05) == measured.pretrend_rejected).all()
    assert effects[effects.pretrend_p_value.isna()].pretrend_rejected.isna().all()
    for program in (manifest["planted_programme"], manifest["zero_effect_programme"]):
        assert not _effect(warehouse, program, 12)["pretrend_rejected"]


def test_nothing_measured_is_null_not_zero(evaluation):
    warehouse, _ = evaluation
    effects = _frame(warehouse, "SELECT * FROM marts.fct_program_effects")
    empty = effects[effects.treated_participations == 0]
    assert len(empty) > 0 and empty.estimate_jobs.isna().all() and empty.pretrend_p_value.isna().all()
    single = effects[effects.treated_firms == 1]
    assert single.std_error_jobs.isna().all() and single.ci_low_jobs.isna().all()
    measured = effects[effects.treated_firms >= 2]
    assert measured.estimate_jobs.notna().all() and measured.std_error_jobs.notna().all()
    pct = measured[measured.mean_baseline_headcount > 0]
    assert np.allclose(pct.estimate_pct, 100 * pct.estimate_jobs / pct.mean_baseline_headcount)


def test_estimates_and_standard_errors_equal_statsmodels_ols_with_firm_clustered_errors(evaluation):
    warehouse, _ = evaluation
    panel = _frame(warehouse, "SELECT * FROM intermediate.int_program_effect_firms")
    first = _frame(warehouse, "SELECT brn, program_code FROM (SELECT brn, program_code, row_number() OVER "
                              "(PARTITION BY brn ORDER BY first_paid_on, program_code) AS n "
                              "FROM intermediate.int_program_participation) WHERE n = 1")
    pooled = panel.merge(first, on=["brn", "program_code"]).assign(estimate_program="ALL")
    panel = pd.concat([panel.assign(estimate_program=panel.program_code), pooled])
    effects = _frame(warehouse, "SELECT * FROM marts.fct_program_effects WHERE treated_firms >= 2")
    compared = 0
    for (program, method, sample, horizon), group in panel.groupby(
            ["estimate_program", "matching", "sample", "event_month"]):
        if group.brn.nunique() < 2:
            continue
        fit = sm.OLS(group.difference.to_numpy(), np.ones((len(group), 1))).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(group.brn)[0]}, use_t=False)
        row = effects[(effects.program_code == program) & (effects.method == method) & (effects["sample"] == sample)
                      & (effects.horizon_months == horizon)].iloc[0]
        assert row.estimate_jobs == pytest.approx(fit.params[0], abs=1e-6)
        assert row.std_error_jobs == pytest.approx(fit.bse[0], abs=1e-6)
        low, high = fit.conf_int(alpha=0.05)[0]
        assert (row.ci_low_jobs, row.ci_high_jobs) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
        compared += 1
    assert compared > 100


def test_the_pre_trend_p_value_equals_statsmodels_wald_test_on_the_stacked_leads(evaluation):
    warehouse, manifest = evaluation
    panel = _frame(warehouse, "SELECT * FROM intermediate.int_program_effect_firms WHERE event_month IN (-12, -6)")
    effects = _frame(warehouse, "SELECT DISTINCT program_code, method, sample, pretrend_p_value "
                                "FROM marts.fct_program_effects WHERE pretrend_p_value IS NOT NULL")
    compared = 0
    for program in (manifest["planted_programme"], manifest["zero_effect_programme"]):
        for (method, sample), group in panel[panel.program_code == program].groupby(["matching", "sample"]):
            both = group.groupby("brn").filter(lambda firm: len(firm) == 2)
            design = np.column_stack([both.event_month == -12, both.event_month == -6]).astype(float)
            fit = sm.OLS(both.difference.to_numpy(), design).fit(
                cov_type="cluster", cov_kwds={"groups": pd.factorize(both.brn)[0]}, use_t=False)
            wald = fit.wald_test(np.eye(2), use_f=False, scalar=True)
            published = effects[(effects.program_code == program) & (effects.method == method)
                                & (effects["sample"] == sample)].pretrend_p_value.iloc[0]
            assert published == pytest.approx(float(wald.pvalue), abs=1e-6)
            assert published == pytest.approx(stats.chi2.sf(float(wald.statistic), 2), abs=1e-9)
            compared += 1
    assert compared == 8


def test_the_kpi_is_the_pooled_estimate_at_twelve_months(evaluation):
    warehouse, _ = evaluation
    kpi = _frame(warehouse, "SELECT actual, entity_count FROM kpi.kpi_official_candidate WHERE kpi_code = "
                            "'employment_effect_did' AND region_code = 'ALL' ORDER BY quarter DESC LIMIT 1").iloc[0]
    pooled = _effect(warehouse, "ALL", 12)
    assert kpi.actual == pytest.approx(pooled["estimate_jobs"], abs=1e-9)
    assert kpi.entity_count == pooled["treated_firms"]


def test_the_comparison_pool_keeps_out_funded_prefixes_and_coverage_extension_entrants(evaluation):
    warehouse, _ = evaluation
    leaks = _frame(warehouse, """
        SELECT count(*) AS n FROM intermediate.int_comparison_matches m
        JOIN intermediate.int_workplace_chains c ON c.workplace_id = m.comparison_workplace_id
        JOIN intermediate.int_workplaces w ON w.workplace_key = c.workplace_key
        WHERE w.brn_prefix IN (SELECT substring(brn, 1, 6) FROM intermediate.int_firm_program_funding
                               WHERE is_supported)""").n[0]
    assert leaks == 0
    straddling = _frame(warehouse, """
        SELECT count(*) AS n FROM intermediate.int_comparison_matches m
        JOIN intermediate.int_program_participation p USING (brn, program_code)
        JOIN (SELECT DISTINCT workplace_id FROM intermediate.int_workplace_id_months
              WHERE entered_by_coverage_extension) e ON e.workplace_id = m.comparison_workplace_id
        WHERE p.window_straddles_coverage_extension""").n[0]
    assert straddling == 0
    flagged = _frame(warehouse, "SELECT count(DISTINCT workplace_id) AS n FROM intermediate.int_workplace_id_months "
                                "WHERE entered_by_coverage_extension").n[0]
    assert flagged > 1000
