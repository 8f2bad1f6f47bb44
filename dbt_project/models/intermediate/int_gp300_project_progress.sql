{#- Growth Project 300 progress per project and quarter: net jobs of the participating firms since the project
    start against the project's target. reached_target: net_jobs >= target at this quarter end.
    is_success: the target was reached at this quarter end or any earlier one; a success case, once achieved,
    stays achieved (the plan counts success cases reached by 2027), so the KPI never falls when jobs later dip. -#}
with progress as (
    select
        project_id,
        quarter,
        max(region_code) as region_code,
        max(target_net_jobs) as target_net_jobs,
        count(*) as participating_firms,
        sum(case when net_jobs is not null then 1 else 0 end) as measured_firms,
        coalesce(sum(net_jobs), 0) as net_jobs,
        case when coalesce(sum(net_jobs), 0) >= max(target_net_jobs) then true else false end as reached_target
    from {{ ref('int_gp300_project_firms') }}
    group by project_id, quarter
)

select
    project_id,
    quarter,
    region_code,
    target_net_jobs,
    participating_firms,
    measured_firms,
    net_jobs,
    reached_target,
    max(case when reached_target then 1 else 0 end) over (
        partition by project_id order by quarter rows between unbounded preceding and current row
    ) = 1 as is_success
from progress
