{#- COLLAB consortia that count as a collaboration model at quarter end: at least two distinct firms whose net
    COLLAB funding of the consortium (payments minus reversals dated on or before quarter end) is above zero.
    Region: the programme region of the consortium's first-paid designated firm (earliest payment, then event id). -#}
with net_by_firm as (
    select
        quarters.quarter,
        events.consortium_id,
        events.brn,
        sum(events.amount_krw) as net_paid_krw
    from {{ ref('int_quarters') }} as quarters
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.paid_on <= quarters.quarter_end
    where events.program_code = 'COLLAB' and events.consortium_id is not null
    group by quarters.quarter, events.consortium_id, events.brn
),

qualifying as (
    select quarter, consortium_id, count(*) as paid_firms
    from net_by_firm
    where net_paid_krw > 0
    group by quarter, consortium_id
    having count(*) >= 2
),

lead_firm as (
    select consortium_id, region_code
    from (
        select
            payments.consortium_id,
            firms.programme_region_code as region_code,
            row_number() over (partition by payments.consortium_id
                               order by payments.paid_on, payments.payment_event_id) as payment_order
        from {{ ref('int_funding_payments') }} as payments
        inner join {{ ref('int_programme_firms') }} as firms on firms.brn = payments.brn
        where payments.program_code = 'COLLAB' and payments.consortium_id is not null
          and firms.programme_region_code is not null
    ) as ordered
    where payment_order = 1
)

select
    'collaboration_models' as kpi_code,
    lead_firm.region_code,
    qualifying.quarter,
    qualifying.consortium_id,
    qualifying.paid_firms
from qualifying
left join lead_firm on lead_firm.consortium_id = qualifying.consortium_id
