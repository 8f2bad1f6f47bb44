{#- Programme employment effects an evaluator can sign: one row per programme (each support programme and 'ALL',
    every supported firm at its first participation) x method x sample x horizon (-12..+24 months around the
    baseline month, the month before the first payment; 0 is the baseline itself). Published from intermediate
    int_program_effects, which owns the estimator; a horizon without a measured participation is a row with NULL
    estimates and zero counts. -#}
with programmes as (
    select program_code from {{ ref('dim_program') }}
    union all
    select 'ALL' as program_code
),

methods as (
    select 'matched_history' as method union all select 'naive' as method
),

samples as (
    select 'all_firms' as sample union all select 'survivors' as sample
),

horizons as (
    {{ sme_warehouse.event_months_relation() }}
),

spine as (
    select programmes.program_code, methods.method, samples.sample, horizons.event_month as horizon_months
    from programmes
    cross join methods
    cross join samples
    cross join horizons
)

select
    cast(spine.program_code as {{ dbt.type_string() }}) as program_code,
    cast(spine.method as {{ dbt.type_string() }}) as method,
    cast(spine.sample as {{ dbt.type_string() }}) as sample,
    cast(spine.horizon_months as integer) as horizon_months,
    spine.horizon_months < 0 as is_lead,
    cast(effects.estimate as double) as estimate_jobs,
    cast(effects.std_error as double) as std_error_jobs,
    cast(effects.ci_low as double) as ci_low_jobs,
    cast(effects.ci_high as double) as ci_high_jobs,
    cast(100 * effects.estimate / nullif(effects.mean_baseline_headcount, 0) as double) as estimate_pct,
    cast(100 * effects.ci_low / nullif(effects.mean_baseline_headcount, 0) as double) as ci_low_pct,
    cast(100 * effects.ci_high / nullif(effects.mean_baseline_headcount, 0) as double) as ci_high_pct,
    cast(effects.mean_baseline_headcount as double) as mean_baseline_headcount,
    cast(coalesce(effects.firms, 0) as bigint) as treated_firms,
    cast(coalesce(effects.participations, 0) as bigint) as treated_participations,
    cast(coalesce(effects.comparison_workplaces, 0) as bigint) as comparison_workplaces,
    cast(effects.pretrend_p_value as double) as pretrend_p_value,
    case when effects.pretrend_p_value is not null then effects.pretrend_p_value < 0.05 end as pretrend_rejected
from spine
left join {{ ref('int_program_effects') }} as effects
    on effects.program_code = spine.program_code
   and effects.matching = spine.method
   and effects.sample = spine.sample
   and effects.event_month = spine.horizon_months
