{#- Every firm known to the programme (designated or funded): its latest designation, support and NPS link. -#}
with known as (
    select brn from {{ ref('stg_firms__designations') }}
    union
    select brn from {{ ref('stg_funding__events') }}
),

current_designation as (
    select
        brn, stage, industry_type, key_industry, industry_code, withdrawn_on,
        row_number() over (partition by brn order by valid_from desc, stage_rank desc) as recency
    from {{ ref('int_firm_stage_history') }}
),

support as (
    select brn, sum(net_funding_krw) as net_funding_krw, min(first_paid_on) as first_paid_on
    from {{ ref('int_firm_program_funding') }}
    where is_supported
    group by brn
)

select
    known.brn,
    programme.firm_name,
    programme.programme_region_code as region_code,
    current_designation.stage as latest_stage,
    current_designation.industry_type,
    current_designation.key_industry,
    current_designation.industry_code,
    case when current_designation.brn is not null and current_designation.withdrawn_on is null then true else false end
        as is_designation_in_force,
    programme.first_designated_on,
    case when support.brn is not null then true else false end as is_supported,
    support.first_paid_on,
    cast(coalesce(support.net_funding_krw, 0) as bigint) as net_funding_krw,
    links.match_status,
    links.workplace_key
from known
left join {{ ref('int_programme_firms') }} as programme on programme.brn = known.brn
left join current_designation on current_designation.brn = known.brn and current_designation.recency = 1
left join support on support.brn = known.brn
left join {{ ref('fct_firm_workplace_links') }} as links on links.brn = known.brn
