{#- Per firm and programme: net funding (all events, reversals included) and the first and last day an
    effective payment (net above zero) was made. A firm is supported by a programme when net_funding_krw > 0. -#}
with effective as (
    select brn, program_code, min(paid_on) as first_paid_on, max(paid_on) as last_paid_on
    from {{ ref('int_funding_payments') }}
    where net_amount_krw > 0
    group by brn, program_code
),

net as (
    select brn, program_code, sum(amount_krw) as net_funding_krw
    from {{ ref('int_funding_events_netted') }}
    group by brn, program_code
)

select
    net.brn,
    net.program_code,
    net.net_funding_krw,
    effective.first_paid_on,
    effective.last_paid_on,
    case when net.net_funding_krw > 0 and effective.first_paid_on is not null then true else false end as is_supported
from net
left join effective
    on effective.brn = net.brn
   and effective.program_code = net.program_code
