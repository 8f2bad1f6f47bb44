{#- Firm designations, typed, one row per firm, track (industry_type 주축 / 미래 / 초광역), stage, region and date.
    A designation delivered again in a later batch (for example with its withdrawal date filled in) replaces the
    earlier delivery of the same key: latest load wins. Two agencies delivering the same firm on the same day in
    different regions are two rows, both kept; a re-delivery naming another region is a row of its own and never
    moves the old designation. The stage's rank and the programme region are added downstream
    (intermediate/firms/int_firm_designations_bridged). -#}
with ranked as (
    select
        brn,
        firm_name,
        region_code,
        region_as_delivered,
        industry_code,
        key_industry,
        industry_type,
        stage,
        designated_on,
        withdrawn_on,
        source_file,
        source_row,
        source_sha256,
        load_batch_id,
        loaded_at,
        row_number() over (
            partition by brn, industry_type, stage, region_code, designated_on
            order by loaded_at desc, source_file desc, source_row desc
        ) as delivery_rank
    from {{ source('raw', 'firms') }}
),

latest as (
    select * from ranked where delivery_rank = 1
)

select
    latest.brn,
    trim(latest.firm_name) as firm_name,
    latest.region_code,
    latest.region_as_delivered,
    latest.industry_code,
    substring(latest.industry_code, 1, 2) as industry_division,
    latest.key_industry,
    latest.industry_type,
    latest.stage,
    latest.designated_on,
    latest.withdrawn_on,
    latest.source_file,
    latest.source_row,
    latest.source_sha256,
    latest.load_batch_id,
    latest.loaded_at
from latest
