{#- Event-study difference-in-differences estimates: one row per programme (each programme, and 'ALL': every
    supported firm once, at its first participation), matching method, sample and event month (-12..+24).

    estimate    the mean of the firm-level differences of int_program_effect_firms (jobs), i.e. the OLS constant
                of difference on 1;
    std_error   cluster-robust by firm (CR1, as statsmodels' OLS with cov_type='cluster'):
                sqrt(G / (G - 1) * sum over firms g of (sum of the firm's residuals)^2) / N, N participations,
                G firms; NULL below two firms;
    ci_low/high estimate -/+ 1.96 x std_error (normal approximation);
    percent     the same figures x 100 / mean baseline headcount of the participations behind them;
    pretrend    joint Wald test that the leads at -12 and -6 months are zero, over the participations measured at
                both, with the cluster-robust covariance of the stacked lead regression (CR1 factor
                G / (G - 1) * (2N - 1) / (2N - 2)); chi-square with 2 degrees of freedom, p = exp(-W / 2).
                Repeated on every row of the programme, method and sample; rejected when p < 0.05.
    Horizons without any measured participation have no row here (the mart shows them as NULL). -#}
with first_participations as (
    select brn, program_code from {{ ref('int_program_participation') }} where is_first_participation
),

differences as (
    select firms.*, firms.program_code as estimate_program
    from {{ ref('int_program_effect_firms') }} as firms
    union all
    select firms.*, 'ALL' as estimate_program
    from {{ ref('int_program_effect_firms') }} as firms
    inner join first_participations
        on first_participations.brn = firms.brn
       and first_participations.program_code = firms.program_code
),

means as (
    select
        estimate_program, matching, sample, event_month,
        count(*) as participations,
        count(distinct brn) as firms,
        avg(difference) as estimate,
        avg(baseline_headcount) as mean_baseline_headcount
    from differences
    group by estimate_program, matching, sample, event_month
),

firm_residuals as (
    select
        differences.estimate_program, differences.matching, differences.sample, differences.event_month,
        differences.brn,
        sum(differences.difference - means.estimate) as residual_sum
    from differences
    inner join means
        on means.estimate_program = differences.estimate_program
       and means.matching = differences.matching
       and means.sample = differences.sample
       and means.event_month = differences.event_month
    group by differences.estimate_program, differences.matching, differences.sample, differences.event_month,
             differences.brn
),

variances as (
    select
        means.estimate_program, means.matching, means.sample, means.event_month,
        case when means.firms > 1
             then sqrt(cast(means.firms as double) / (means.firms - 1) * sum(firm_residuals.residual_sum
                       * firm_residuals.residual_sum)) / means.participations end as std_error
    from means
    inner join firm_residuals
        on firm_residuals.estimate_program = means.estimate_program
       and firm_residuals.matching = means.matching
       and firm_residuals.sample = means.sample
       and firm_residuals.event_month = means.event_month
    group by means.estimate_program, means.matching, means.sample, means.event_month, means.firms,
             means.participations
),

{#- the comparison workplaces behind each estimate, counted once each: the event months each participation is
    measured at, as bits, are combined per comparison workplace and then read back month by month -#}
measured_months as (
    select estimate_program, matching, sample, brn, program_code,
           bit_or({{ sme_warehouse.event_month_bit('event_month') }}) as months_measured
    from differences
    group by estimate_program, matching, sample, brn, program_code
),

workplace_months as (
    select
        measured_months.estimate_program, measured_months.matching, measured_months.sample,
        matches.comparison_workplace_id,
        bit_or(measured_months.months_measured) as months_measured
    from measured_months
    inner join {{ ref('int_comparison_matches') }} as matches
        on matches.brn = measured_months.brn
       and matches.program_code = measured_months.program_code
       and matches.matching = measured_months.matching
    group by measured_months.estimate_program, measured_months.matching, measured_months.sample,
             matches.comparison_workplace_id
),

comparison_workplaces as (
    select
        workplace_months.estimate_program, workplace_months.matching, workplace_months.sample,
        event_months.event_month,
        count(*) as comparison_workplaces
    from workplace_months
    cross join ({{ sme_warehouse.event_months_relation() }}) as event_months
    where (workplace_months.months_measured & {{ sme_warehouse.event_month_bit('event_months.event_month') }}) <> 0
    group by workplace_months.estimate_program, workplace_months.matching, workplace_months.sample,
             event_months.event_month
),

leads as (
    select
        lead_12.estimate_program, lead_12.matching, lead_12.sample, lead_12.brn,
        lead_12.difference as lead_12, lead_6.difference as lead_6
    from differences as lead_12
    inner join differences as lead_6
        on lead_6.estimate_program = lead_12.estimate_program
       and lead_6.matching = lead_12.matching
       and lead_6.sample = lead_12.sample
       and lead_6.brn = lead_12.brn
       and lead_6.program_code = lead_12.program_code
       and lead_6.event_month = -6
    where lead_12.event_month = -12
),

lead_means as (
    select estimate_program, matching, sample, count(*) as participations, count(distinct brn) as firms,
           avg(lead_12) as mean_12, avg(lead_6) as mean_6
    from leads
    group by estimate_program, matching, sample
),

lead_residuals as (
    select
        leads.estimate_program, leads.matching, leads.sample, leads.brn,
        sum(leads.lead_12 - lead_means.mean_12) as residual_12,
        sum(leads.lead_6 - lead_means.mean_6) as residual_6
    from leads
    inner join lead_means
        on lead_means.estimate_program = leads.estimate_program
       and lead_means.matching = leads.matching
       and lead_means.sample = leads.sample
    group by leads.estimate_program, leads.matching, leads.sample, leads.brn
),

lead_covariance as (
    select
        lead_means.estimate_program, lead_means.matching, lead_means.sample,
        lead_means.mean_12, lead_means.mean_6,
        cast(lead_means.firms as double) / (lead_means.firms - 1)
            * (2.0 * lead_means.participations - 1) / (2.0 * lead_means.participations - 2)
            / (cast(lead_means.participations as double) * lead_means.participations) as factor,
        sum(lead_residuals.residual_12 * lead_residuals.residual_12) as meat_12_12,
        sum(lead_residuals.residual_12 * lead_residuals.residual_6) as meat_12_6,
        sum(lead_residuals.residual_6 * lead_residuals.residual_6) as meat_6_6
    from lead_means
    inner join lead_residuals
        on lead_residuals.estimate_program = lead_means.estimate_program
       and lead_residuals.matching = lead_means.matching
       and lead_residuals.sample = lead_means.sample
    where lead_means.firms > 1
    group by lead_means.estimate_program, lead_means.matching, lead_means.sample, lead_means.mean_12,
             lead_means.mean_6, lead_means.firms, lead_means.participations
),

pretrend as (
    select
        estimate_program, matching, sample,
        case when meat_12_12 * meat_6_6 - meat_12_6 * meat_12_6 > 0
             then (mean_12 * mean_12 * meat_6_6 - 2 * mean_12 * mean_6 * meat_12_6 + mean_6 * mean_6 * meat_12_12)
                  / (factor * (meat_12_12 * meat_6_6 - meat_12_6 * meat_12_6)) end as wald_statistic
    from lead_covariance
)

select
    means.estimate_program as program_code,
    means.matching,
    means.sample,
    means.event_month,
    means.estimate,
    variances.std_error,
    means.estimate - {{ sme_warehouse.z_95() }} * variances.std_error as ci_low,
    means.estimate + {{ sme_warehouse.z_95() }} * variances.std_error as ci_high,
    means.mean_baseline_headcount,
    means.participations,
    means.firms,
    coalesce(comparison_workplaces.comparison_workplaces, 0) as comparison_workplaces,
    pretrend.wald_statistic as pretrend_wald_statistic,
    exp(-pretrend.wald_statistic / 2) as pretrend_p_value
from means
inner join variances
    on variances.estimate_program = means.estimate_program
   and variances.matching = means.matching
   and variances.sample = means.sample
   and variances.event_month = means.event_month
left join comparison_workplaces
    on comparison_workplaces.estimate_program = means.estimate_program
   and comparison_workplaces.matching = means.matching
   and comparison_workplaces.sample = means.sample
   and comparison_workplaces.event_month = means.event_month
left join pretrend
    on pretrend.estimate_program = means.estimate_program
   and pretrend.matching = means.matching
   and pretrend.sample = means.sample
