{#- One row per payment with its reversals netted: net_amount_krw = payment + every reversal of it.
    A payment is effective when its net amount is above zero. -#}
select
    payments.event_id as payment_event_id,
    payments.brn,
    payments.program_code,
    payments.project_id,
    payments.consortium_id,
    payments.paid_on,
    payments.amount_krw,
    coalesce(sum(reversals.amount_krw), 0) as reversed_krw,
    payments.amount_krw + coalesce(sum(reversals.amount_krw), 0) as net_amount_krw,
    max(reversals.paid_on) as last_reversed_on,
    payments.source_file,
    payments.source_row
from {{ ref('int_funding_events_netted') }} as payments
left join {{ ref('int_funding_events_netted') }} as reversals
    on reversals.reverses = payments.event_id
   and reversals.is_reversal
where not payments.is_reversal
group by
    payments.event_id, payments.brn, payments.program_code, payments.project_id, payments.consortium_id,
    payments.paid_on, payments.amount_krw, payments.source_file, payments.source_row
