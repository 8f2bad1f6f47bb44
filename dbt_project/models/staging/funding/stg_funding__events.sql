{#- Funding events, typed, one row per event_id (the first delivery wins; the loader already quarantines
    repeated ids, this keeps the grain safe if it ever lets one through). -#}
with ranked as (
    select
        event_id,
        brn,
        program_code,
        project_id,
        consortium_id,
        amount_krw,
        paid_on,
        kind,
        reverses,
        source_file,
        source_row,
        source_sha256,
        load_batch_id,
        loaded_at,
        row_number() over (
            partition by event_id
            order by loaded_at, source_file, source_row
        ) as delivery_rank
    from {{ source('raw', 'funding') }}
)

select
    event_id,
    brn,
    program_code,
    project_id,
    consortium_id,
    cast(amount_krw as bigint) as amount_krw,
    paid_on,
    kind,
    reverses,
    case when reverses is not null then true else false end as is_reversal,
    source_file,
    source_row,
    source_sha256,
    load_batch_id,
    loaded_at
from ranked
where delivery_rank = 1
