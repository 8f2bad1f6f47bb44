{#- Firms by programme region, growth stage and quarter (every region x stage x quarter, zeros where none).
    Stage and region of a firm are those of its designation in force (int_firm_stage_history). -#}
with stages as (
    select stage_code as stage, stage_rank from {{ ref('ref_growth_stages') }}
),

spine as (
    select regions.region_code, stages.stage, quarters.quarter, quarters.quarter_start, quarters.quarter_end,
           quarters.reference_month
    from {{ ref('ref_programme_regions') }} as regions
    cross join stages
    cross join {{ ref('int_quarters') }} as quarters
),

in_force as (
    select
        spine.region_code, spine.stage, spine.quarter, history.brn,
        {{ sme_warehouse.add_months(sme_warehouse.month_start('history.designated_on'), -1) }} as baseline_month,
        spine.reference_month
    from spine
    inner join {{ ref('int_firm_stage_history') }} as history
        on history.programme_region_code = spine.region_code
       and history.stage = spine.stage
       and history.valid_from <= spine.quarter_end
       and (history.valid_to is null or history.valid_to > spine.quarter_end)
),

stock as (
    select
        in_force.region_code, in_force.stage, in_force.quarter,
        count(distinct in_force.brn) as designated_firms,
        sum(reference.subscribers) as headcount,
        sum(reference.subscribers - baseline.subscribers) as net_jobs_since_designation
    from in_force
    left join {{ ref('int_firm_months') }} as reference
        on reference.brn = in_force.brn and reference.data_month = in_force.reference_month
    left join {{ ref('int_firm_months') }} as baseline
        on baseline.brn = in_force.brn and baseline.data_month = in_force.baseline_month
    group by in_force.region_code, in_force.stage, in_force.quarter
),

flows as (
    select
        spine.region_code, spine.stage, spine.quarter,
        sum(case when history.designated_on between spine.quarter_start and spine.quarter_end
                  and not history.is_promotion then 1 else 0 end) as new_designations,
        sum(case when history.designated_on between spine.quarter_start and spine.quarter_end
                  and history.is_promotion then 1 else 0 end) as promotions_in,
        sum(case when history.withdrawn_on between spine.quarter_start and spine.quarter_end
                 then 1 else 0 end) as withdrawals
    from spine
    inner join {{ ref('int_firm_stage_history') }} as history
        on history.programme_region_code = spine.region_code
       and history.stage = spine.stage
    group by spine.region_code, spine.stage, spine.quarter
),

funding as (
    select
        spine.region_code, spine.stage, spine.quarter,
        sum(events.amount_krw) as funding_paid_krw
    from spine
    inner join {{ ref('int_firm_stage_history') }} as history
        on history.programme_region_code = spine.region_code
       and history.stage = spine.stage
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.brn = history.brn
       and events.paid_on between spine.quarter_start and spine.quarter_end
       and events.paid_on >= history.valid_from
       and (history.valid_to is null or events.paid_on < history.valid_to)
    group by spine.region_code, spine.stage, spine.quarter
)

select
    spine.region_code,
    spine.stage,
    spine.quarter,
    spine.quarter_end,
    cast(coalesce(stock.designated_firms, 0) as bigint) as designated_firms,
    cast(coalesce(flows.new_designations, 0) as bigint) as new_designations,
    cast(coalesce(flows.promotions_in, 0) as bigint) as promotions_in,
    cast(coalesce(flows.withdrawals, 0) as bigint) as withdrawals,
    cast(coalesce(funding.funding_paid_krw, 0) as bigint) as funding_paid_krw,
    cast(coalesce(stock.headcount, 0) as bigint) as headcount,
    cast(coalesce(stock.net_jobs_since_designation, 0) as bigint) as net_jobs_since_designation
from spine
left join stock
    on stock.region_code = spine.region_code and stock.stage = spine.stage and stock.quarter = spine.quarter
left join flows
    on flows.region_code = spine.region_code and flows.stage = spine.stage and flows.quarter = spine.quarter
left join funding
    on funding.region_code = spine.region_code and funding.stage = spine.stage and funding.quarter = spine.quarter
