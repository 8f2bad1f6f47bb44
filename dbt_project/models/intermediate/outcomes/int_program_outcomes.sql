{#- Programme outcomes per supported firm and programme, with the matched-comparison difference in differences
    at +12 months from the event study (int_program_effect_firms, method matched_history, sample survivors):
    did_m12 = (headcount_m12 - baseline_headcount) - comparison_change_m12, where comparison_change_m12 is the mean
    change over the history-matched comparison workplaces enrolled at +12 months. The estimates with their
    uncertainty are int_program_effects / marts.fct_program_effects. -#}
with comparison_groups as (
    select brn, program_code, count(*) as comparison_group_size
    from {{ ref('int_comparison_matches') }}
    where matching = 'matched_history'
    group by brn, program_code
),

comparison as (
    select brn, program_code, comparison_change as comparison_change_m12, difference as did_m12
    from {{ ref('int_program_effect_firms') }}
    where matching = 'matched_history' and sample = 'survivors' and event_month = 12
),

latest_quarter as (
    select max(quarter) as quarter from {{ ref('int_quarters') }}
),

gp300_successes as (
    select distinct project_firms.brn
    from {{ ref('int_gp300_project_firms') }} as project_firms
    inner join {{ ref('int_gp300_project_progress') }} as progress
        on progress.project_id = project_firms.project_id
       and progress.quarter = project_firms.quarter
    inner join latest_quarter on latest_quarter.quarter = project_firms.quarter
    where progress.is_success
)

select
    participation.brn,
    participation.program_code,
    participation.region_code,
    participation.stage_at_entry,
    participation.first_paid_on,
    participation.last_paid_on,
    cast(participation.net_funding_krw as bigint) as net_funding_krw,
    participation.baseline_month,
    cast(participation.baseline_headcount as bigint) as baseline_headcount,
    cast(participation.headcount_m6 as bigint) as headcount_m6,
    cast(participation.headcount_m12 as bigint) as headcount_m12,
    cast(participation.headcount_m24 as bigint) as headcount_m24,
    cast(coalesce(comparison_groups.comparison_group_size, 0) as bigint) as comparison_group_size,
    cast(comparison.comparison_change_m12 as double) as comparison_change_m12,
    cast(comparison.did_m12 as double) as did_m12,
    participation.window_straddles_coverage_extension,
    participation.promoted_after_entry,
    case when participation.program_code = 'GP300' and gp300_successes.brn is not null then true else false end
        as counts_toward_gp300_success
from {{ ref('int_program_participation') }} as participation
left join comparison_groups
    on comparison_groups.brn = participation.brn
   and comparison_groups.program_code = participation.program_code
left join comparison
    on comparison.brn = participation.brn
   and comparison.program_code = participation.program_code
left join gp300_successes on gp300_successes.brn = participation.brn
