{#- Growth Project 300 progress per project and quarter: net jobs of the participating firms since each one's
    entry against the project's target. reached_target: net_jobs >= target at this quarter end with at least
    min_measured_share (ref_kpi_definitions) of the participating firms measured.
    is_success: the target was reached at this quarter end or any earlier one. A success case, once achieved,
    stays achieved (the plan counts success cases reached by 2027): every quarter from the first success on has a
    row, also a quarter in which no participating firm has net funding left, so the KPI never falls when jobs
    later dip or payments are reversed. -#}
with measurement as (
    select min_measured_share
    from {{ ref('ref_kpi_definitions') }}
    where kpi_code = 'growth_project_success_cases'
),

progress as (
    select
        project_firms.project_id,
        project_firms.quarter,
        max(project_firms.region_code) as region_code,
        max(project_firms.target_net_jobs) as target_net_jobs,
        count(*) as participating_firms,
        sum(case when project_firms.net_jobs is not null then 1 else 0 end) as measured_firms,
        coalesce(sum(project_firms.net_jobs), 0) as net_jobs,
        case when coalesce(sum(project_firms.net_jobs), 0) >= max(project_firms.target_net_jobs)
              and sum(case when project_firms.net_jobs is not null then 1 else 0 end)
                  >= coalesce(max(measurement.min_measured_share), 0) * count(*)
             then true else false end as reached_target
    from {{ ref('int_gp300_project_firms') }} as project_firms
    cross join measurement
    group by project_firms.project_id, project_firms.quarter
),

first_success as (
    select project_id, min(quarter) as success_quarter, max(region_code) as region_code,
           max(target_net_jobs) as target_net_jobs
    from progress
    where reached_target
    group by project_id
),

succeeded_quarters as (
    select first_success.project_id, quarters.quarter, first_success.region_code, first_success.target_net_jobs
    from first_success
    inner join {{ ref('int_quarters') }} as quarters on quarters.quarter >= first_success.success_quarter
)

select
    coalesce(progress.project_id, succeeded_quarters.project_id) as project_id,
    coalesce(progress.quarter, succeeded_quarters.quarter) as quarter,
    coalesce(progress.region_code, succeeded_quarters.region_code) as region_code,
    coalesce(progress.target_net_jobs, succeeded_quarters.target_net_jobs) as target_net_jobs,
    coalesce(progress.participating_firms, 0) as participating_firms,
    coalesce(progress.measured_firms, 0) as measured_firms,
    coalesce(progress.net_jobs, 0) as net_jobs,
    coalesce(progress.reached_target, false) as reached_target,
    succeeded_quarters.project_id is not null as is_success
from progress
full outer join succeeded_quarters
    on succeeded_quarters.project_id = progress.project_id
   and succeeded_quarters.quarter = progress.quarter
