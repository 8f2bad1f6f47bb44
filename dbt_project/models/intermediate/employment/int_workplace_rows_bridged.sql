{#- Every staged NPS row with its programme region (a workplace may still have several non-identical rows in a
    month; int_workplace_months keys them by workplace and keeps one).

    programme_region_code, from the dated bridge ref_admin_region_bridge valid on data_month: a 5-digit 시군구
    row wins (군위군 47720 / 27720, 경북 until 2023-06-30, 대구 from 2023-07-01), else the row of the 2-digit code
    as delivered (42 -> 51, 45 -> 52). Where that code's rows name a sigungu_prefix (12, the 광주+전남 merger),
    the row is chosen by bridge_prefix: the first two digits of the 시군구 code (29xxx / 46xxx), unless they
    are missing or merely repeat the delivered code (NPS gives the 시군구 as region code + 3 digits, so 12xxx),
    then the first two digits of the 10-digit legal-dong code (29 / 46). A code-12 row this rule cannot place
    is quarantined by the loader (ingestion/parsers.py, reason ambiguous_region), which reads the same seed and
    applies the same rule, so every code-12 row here has a programme region (an error-severity test says so).
    A view: it only adds columns to the staging table, which need not be stored twice. -#}
{{ config(materialized='view') }}

with staged as (
    select
        *,
        case
            when sigungu_code is null or substring(sigungu_code, 1, 2) = substring(region_code_as_delivered, 1, 2)
                then substring(legal_dong_code, 1, 2)
            else substring(sigungu_code, 1, 2)
        end as bridge_prefix
    from {{ ref('stg_employment__workplace_months') }}
),

regioned as (
    select
        staged.*,
        coalesce(by_sigungu.programme_region_code, by_region.programme_region_code) as programme_region_code
    from staged
    left join {{ ref('ref_admin_region_bridge') }} as by_sigungu
        on by_sigungu.admin_code = staged.sigungu_code
       and staged.data_month >= by_sigungu.valid_from
       and (by_sigungu.valid_to is null or staged.data_month <= by_sigungu.valid_to)
    left join {{ ref('ref_admin_region_bridge') }} as by_region
        on by_region.admin_code = substring(staged.region_code_as_delivered, 1, 2)
       and (by_region.sigungu_prefix is null or by_region.sigungu_prefix = staged.bridge_prefix)
       and staged.data_month >= by_region.valid_from
       and (by_region.valid_to is null or staged.data_month <= by_region.valid_to)
)

select
    data_month,
    brn_prefix,
    workplace_name,
    enrolment_status,
    postcode,
    legal_dong_code,
    region_code,
    region_code_as_delivered,
    sigungu_code,
    programme_region_code,
    workplace_type,
    industry_code,
    industry_division,
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
