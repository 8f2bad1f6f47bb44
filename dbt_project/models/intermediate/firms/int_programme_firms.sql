{#- The programme firms: every designated firm, with the name and programme region of its latest designation
    (the linkage keys) and whether any programme supported it. -#}
with latest as (
    select
        brn,
        firm_name,
        programme_region_code,
        industry_division,
        row_number() over (partition by brn order by designated_on desc, stage_rank desc) as recency,
        min(designated_on) over (partition by brn) as first_designated_on
    from {{ ref('int_firm_designations_bridged') }}
),

support as (
    select brn, max(case when is_supported then 1 else 0 end) as is_supported_flag
    from {{ ref('int_firm_program_funding') }}
    group by brn
)

select
    latest.brn,
    latest.firm_name,
    latest.programme_region_code,
    latest.industry_division,
    latest.first_designated_on,
    case when support.is_supported_flag = 1 then true else false end as is_supported
from latest
left join support on support.brn = latest.brn
where latest.recency = 1
