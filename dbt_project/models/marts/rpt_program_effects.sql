{#- The report's programme effects: marts.fct_program_effects of the published design (method matched_history),
    both samples, every horizon, with the programme's label and its place in the report ('ALL' first). -#}
select
    effects.program_code,
    coalesce(
        {{ dbt.concat(['programs.name_ko', "' '", 'programs.name_en']) }},
        case when effects.program_code = 'ALL' then '전체 All programmes (first participation)' end,
        effects.program_code
    ) as program_label,
    cast(case when effects.program_code = 'ALL' then 0 else 1 end as integer) as display_group,
    effects.sample,
    effects.horizon_months,
    effects.is_lead,
    effects.estimate_jobs,
    effects.std_error_jobs,
    effects.ci_low_jobs,
    effects.ci_high_jobs,
    effects.estimate_pct,
    effects.ci_low_pct,
    effects.ci_high_pct,
    effects.treated_firms,
    effects.comparison_workplaces,
    effects.pretrend_p_value,
    effects.pretrend_rejected
from {{ ref('fct_program_effects') }} as effects
left join {{ ref('dim_program') }} as programs on programs.program_code = effects.program_code
where effects.method = 'matched_history'
