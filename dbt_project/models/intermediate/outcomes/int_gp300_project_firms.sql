{#- Growth Project 300 participation by quarter: one row per project, quarter (from the project's start) and
    participating firm, i.e. a firm whose net GP300 funding of the project (payments minus reversals dated on or
    before quarter end) is above zero. A firm paid by several projects is credited to one only: the project it
    entered first (earliest GP300 payment, then project id). Each firm's jobs count from its own entry:
    baseline_month is the month before the firm's first payment of the project, and net_jobs = headcount in the
    quarter's reference month minus headcount at baseline (null when either month is not observed). -#}
with project_quarters as (
    select
        projects.project_id,
        projects.region_code,
        projects.target_net_jobs,
        quarters.quarter,
        quarters.quarter_end,
        quarters.reference_month
    from {{ ref('ref_growth_projects') }} as projects
    cross join {{ ref('int_quarters') }} as quarters
    where projects.start_on <= quarters.quarter_end
),

entries as (
    select brn, project_id, first_paid_on,
           row_number() over (partition by brn order by first_paid_on, project_id) as entry_order
    from (
        select brn, project_id, min(paid_on) as first_paid_on
        from {{ ref('int_funding_events_netted') }}
        where program_code = 'GP300' and project_id is not null and not is_reversal
        group by brn, project_id
    ) as firm_projects
),

credited as (
    select brn, project_id,
           {{ sme_warehouse.add_months(sme_warehouse.month_start('first_paid_on'), -1) }} as baseline_month
    from entries
    where entry_order = 1
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
    credited.baseline_month,
    project_quarters.reference_month,
    paid.net_paid_krw,
    baseline.subscribers as baseline_headcount,
    reference.subscribers as reference_headcount,
    reference.subscribers - baseline.subscribers as net_jobs
from project_quarters
inner join paid
    on paid.project_id = project_quarters.project_id
   and paid.quarter = project_quarters.quarter
inner join credited
    on credited.brn = paid.brn
   and credited.project_id = paid.project_id
left join {{ ref('int_firm_months') }} as baseline
    on baseline.brn = paid.brn and baseline.data_month = credited.baseline_month
left join {{ ref('int_firm_months') }} as reference
    on reference.brn = paid.brn and reference.data_month = project_quarters.reference_month
where paid.net_paid_krw > 0
