{#- Every funding event with the programme, project and consortium of the payment it belongs to: a reversal
    inherits them from the payment it reverses, so summing amount_krw over events dated on or before a day gives
    the net paid by that day per firm, programme, project or consortium. Orphan reversals keep their own fields. -#}
select
    events.event_id,
    coalesce(payments.brn, events.brn) as brn,
    coalesce(payments.program_code, events.program_code) as program_code,
    coalesce(payments.project_id, events.project_id) as project_id,
    coalesce(payments.consortium_id, events.consortium_id) as consortium_id,
    events.amount_krw,
    events.paid_on,
    events.is_reversal,
    events.reverses,
    case when events.is_reversal and payments.event_id is null then true else false end as is_orphan_reversal,
    coalesce(events.reverses, events.event_id) as payment_event_id,
    events.source_file,
    events.source_row
from {{ ref('stg_funding__events') }} as events
left join {{ ref('stg_funding__events') }} as payments
    on payments.event_id = events.reverses
   and not payments.is_reversal
