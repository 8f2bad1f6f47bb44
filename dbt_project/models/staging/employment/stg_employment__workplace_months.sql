{#- NPS workplace-month rows, typed, exact duplicates removed (identical business columns; the lineage of the
    first delivery is kept). The programme region is added downstream (intermediate/employment/
    int_workplace_rows_bridged), and the workplace_key in int_workplace_months. Incremental by data_month (vars
    min_month / max_month). -#}
{{ config(**sme_warehouse.incremental_month_config()) }}
{%- set business_columns = [
    'data_month', 'workplace_name', 'brn_prefix', 'enrolment_status', 'postcode', 'address_lot', 'address_road',
    'legal_dong_code', 'admin_dong_code', 'region_code_as_delivered', 'sigungu_code', 'eupmyeondong_code',
    'workplace_type', 'industry_code', 'industry_name', 'covered_from', 'reregistered_on', 'withdrawn_on',
    'subscribers', 'billed_krw', 'new_subscribers', 'lost_subscribers', 'region_code'] %}

with delivered as (
    select
        *,
        {{ sme_warehouse.row_hash(business_columns) }} as business_hash
    from {{ source('raw', 'employment') }}
    where {{ sme_warehouse.months_to_build() }}
),

{#- Copies are rare: rows are ranked over all their business columns only when their hash repeats, which a
    real copy's always does; sorting every row of a month by 23 columns took a third of this model's time. -#}
repeated_hashes as (
    select business_hash
    from delivered
    group by business_hash
    having count(*) > 1
),

first_deliveries as (
    select
        *,
        1 as copy_number
    from delivered
    where not exists (select 1 from repeated_hashes where repeated_hashes.business_hash = delivered.business_hash)

    union all

    select
        *,
        row_number() over (
            partition by {{ business_columns | join(', ') }}
            order by loaded_at, source_file, source_row
        ) as copy_number
    from delivered
    where exists (select 1 from repeated_hashes where repeated_hashes.business_hash = delivered.business_hash)
)

select
    data_month,
    brn_prefix,
    trim(workplace_name) as workplace_name,
    enrolment_status,
    postcode,
    legal_dong_code,
    region_code,
    region_code_as_delivered,
    sigungu_code,
    workplace_type,
    industry_code,
    substring(industry_code, 1, 2) as industry_division,
    industry_name,
    covered_from,
    withdrawn_on,
    subscribers,
    billed_krw,
    new_subscribers,
    lost_subscribers,
    source_file,
    source_row,
    source_sha256,
    load_batch_id,
    loaded_at
from first_deliveries
where copy_number = 1
