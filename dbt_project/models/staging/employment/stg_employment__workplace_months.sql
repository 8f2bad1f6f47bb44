{#- NPS workplace-month rows, typed, exact duplicates removed (identical business columns; the lineage of the
    first delivery is kept), each row given its programme region and a stable workplace_key.

    programme_region_code: a 5-digit 시군구 row of the dated bridge wins (군위군 47720/27720), else the 2-digit
    code as delivered (42 -> 51, 45 -> 52, 12 by 시군구 prefix 29/46), both valid on data_month.
    workplace_key: md5 of (6-digit brn prefix, trimmed name, programme region, postcode); the region part is
    the programme region, so a workplace keeps its key across the 강원 and 전북 code changes. -#}
{{ config(**sme_warehouse.incremental_month_config()) }}

with delivered as (
    select *
    from {{ source('raw', 'employment') }}
    where {{ sme_warehouse.months_to_build(source('raw', 'employment')) }}
),

first_deliveries as (
    select
        *,
        row_number() over (
            partition by data_month, workplace_name, brn_prefix, enrolment_status, postcode, address_lot,
                         address_road, legal_dong_code, admin_dong_code, region_code_as_delivered, sigungu_code,
                         eupmyeondong_code, workplace_type, industry_code, industry_name, covered_from,
                         reregistered_on, withdrawn_on, subscribers, billed_krw, new_subscribers,
                         lost_subscribers, region_code
            order by loaded_at, source_file, source_row
        ) as copy_number
    from delivered
),

regioned as (
    select
        rows_.*,
        coalesce(by_sigungu.programme_region_code, by_region.programme_region_code) as programme_region_code
    from first_deliveries as rows_
    left join {{ ref('ref_admin_region_bridge') }} as by_sigungu
        on by_sigungu.admin_code = rows_.sigungu_code
       and rows_.data_month >= by_sigungu.valid_from
       and (by_sigungu.valid_to is null or rows_.data_month <= by_sigungu.valid_to)
    left join {{ ref('ref_admin_region_bridge') }} as by_region
        on by_region.admin_code = substring(rows_.region_code_as_delivered, 1, 2)
       and (by_region.sigungu_prefix is null or by_region.sigungu_prefix = substring(rows_.sigungu_code, 1, 2))
       and rows_.data_month >= by_region.valid_from
       and (by_region.valid_to is null or rows_.data_month <= by_region.valid_to)
    where rows_.copy_number = 1
)

select
    data_month,
    {{ dbt.hash(dbt.concat([
        "brn_prefix", "'|'", "trim(workplace_name)", "'|'",
        "coalesce(programme_region_code, region_code)", "'|'", "coalesce(postcode, '')"
    ])) }} as workplace_key,
    brn_prefix,
    trim(workplace_name) as workplace_name,
    enrolment_status,
    postcode,
    legal_dong_code,
    region_code,
    region_code_as_delivered,
    sigungu_code,
    programme_region_code,
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
from regioned
