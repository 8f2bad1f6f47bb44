{#- One row per workplace key and month. When a month holds more than one (non-identical) row for the same
    workplace_key, the latest delivery wins. Several rows of one key in one delivery are several workplaces that
    share brn prefix, normalised name and region (they cannot be told apart): workplaces_sharing_key counts them,
    and the linkage and the comparison pool never use such a key. Adds the size band used by the matched comparison.
    Incremental by data_month like its staging model (through int_workplace_rows_bridged). -#}
{{ config(**sme_warehouse.incremental_month_config()) }}

with bridged as (
    select
        *,
        {{ sme_warehouse.row_hash(['workplace_key', 'data_month']) }} as key_month_hash
    from {{ ref('int_workplace_rows_bridged') }}
    where {{ sme_warehouse.months_to_build() }}
),

{#- Most keys have one row a month: only rows whose (key, month) hash repeats are ranked and counted, which
    saved a third of this model's time against windows over every row. -#}
repeated_hashes as (
    select key_month_hash
    from bridged
    group by key_month_hash
    having count(*) > 1
),

candidates as (
    select
        *,
        1 as delivery_rank,
        1 as workplaces_sharing_key
    from bridged
    where not exists (select 1 from repeated_hashes where repeated_hashes.key_month_hash = bridged.key_month_hash)

    union all

    select
        *,
        row_number() over (
            partition by workplace_key, data_month
            order by loaded_at desc, source_file desc, source_row desc
        ) as delivery_rank,
        count(*) over (partition by workplace_key, data_month, source_file) as workplaces_sharing_key
    from bridged
    where exists (select 1 from repeated_hashes where repeated_hashes.key_month_hash = bridged.key_month_hash)
)

select
    workplace_key,
    data_month,
    brn_prefix,
    workplace_name,
    programme_region_code,
    industry_code,
    industry_division,
    workplace_type,
    enrolment_status,
    cast(workplaces_sharing_key as bigint) as workplaces_sharing_key,
    subscribers,
    {{ sme_warehouse.size_band('subscribers') }} as size_band,
    new_subscribers,
    lost_subscribers,
    source_file,
    source_row,
    loaded_at
from candidates
where delivery_rank = 1
