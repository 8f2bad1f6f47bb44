{#- The report's programme outcome figures: marts.fct_program_outcomes summed per programme, plus the row 'ALL'
    that counts every supported firm once, at its first participation (the population of employment_effect_did,
    so the comparison group sizes quoted next to that KPI describe the firms behind it). -#}
with ranked_participations as (
    select
        outcomes.*,
        row_number() over (partition by outcomes.brn
                           order by outcomes.first_paid_on, outcomes.program_code) as participation_rank
    from {{ ref('fct_program_outcomes') }} as outcomes
),

participations as (
    select program_code, brn, net_funding_krw, baseline_headcount, headcount_m12, comparison_group_size, did_m12
    from ranked_participations
    union all
    select 'ALL', brn, net_funding_krw, baseline_headcount, headcount_m12, comparison_group_size, did_m12
    from ranked_participations
    where participation_rank = 1
),

measured as (
    select
        participations.*,
        case when did_m12 is not null and comparison_group_size > 0 then comparison_group_size end
            as measured_group_size
    from participations
)

select
    measured.program_code,
    coalesce(
        {{ dbt.concat(['programs.name_ko', "' '", 'programs.name_en']) }},
        case when measured.program_code = 'ALL' then '전체 All programmes (first participation)' end,
        measured.program_code
    ) as program_label,
    cast(count(distinct measured.brn) as bigint) as supported_firms,
    cast(sum(measured.net_funding_krw) as bigint) as net_funding_krw,
    cast(sum(measured.headcount_m12 - measured.baseline_headcount) as bigint) as jobs_m12,
    cast(count(measured.measured_group_size) as bigint) as firms_with_did,
    cast(avg(case when measured.comparison_group_size > 0 then measured.did_m12 end) as double) as mean_did_m12,
    cast(coalesce(sum(measured.measured_group_size), 0) as bigint) as comparison_workplaces,
    cast(percentile_cont(0.5) within group (order by measured.measured_group_size) as double)
        as median_comparison_group_size
from measured
left join {{ ref('dim_program') }} as programs on programs.program_code = measured.program_code
group by measured.program_code, programs.name_ko, programs.name_en
