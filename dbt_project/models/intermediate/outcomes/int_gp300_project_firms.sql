{#- Growth Project 300 participation by quarter: one row per project, quarter (from the project's start) and
    participating firm, i.e. a firm whose net GP300 funding of the project (payments minus reversals dated on or
    before quarter end) is above zero. net_jobs = headcount in the quarter's reference month minus headcount in
    the month before the project's start month (null when either month is not observed). -#}
with project_quarters as (
    select
        projects.project_id,
        projects.region_code,
        projects.target_net_jobs,
        {{ sme_warehouse.add_months(sme_warehouse.month_start('projects.start_on'), -1) }} as baseline_month,
        quarters.quarter,
        quarters.quarter_end,
        quarters.reference_month
    from {{ ref('ref_growth_projects') }} as projects
    cross join {{ ref('int_quarters') }} as quarters
    where projects.start_on <= quarters.quarter_end
),

paid as (
    select
        project_quarters.project_id,
        project_quarters.quarter,
        events.brn,
        sum(events.amount_krw) as net_paid_krw
    from project_quarters
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.project_id = project_quarters.project_id
       and events.program_code = 'GP300'
       and events.paid_on <= project_quarters.quarter_end
    group by project_quarters.project_id, project_quarters.quarter, events.brn
)

select
    project_quarters.project_id,
    project_quarters.quarter,
    paid.brn,
    project_quarters.region_code,
    project_quarters.target_net_jobs,
    project_quarters.quarter_end,
    project_quarters.baseline_month,
    project_quarters.reference_month,
    paid.net_paid_krw,
    baseline.subscribers as baseline_headcount,
    reference.subscribers as reference_headcount,
    reference.subscribers - baseline.subscribers as net_jobs
from project_quarters
inner join paid
    on paid.project_id = project_quarters.project_id
   and paid.quarter = project_quarters.quarter
left join {{ ref('int_firm_months') }} as baseline
    on baseline.brn = paid.brn and baseline.data_month = project_quarters.baseline_month
left join {{ ref('int_firm_months') }} as reference
    on reference.brn = paid.brn and reference.data_month = project_quarters.reference_month
where paid.net_paid_krw > 0
