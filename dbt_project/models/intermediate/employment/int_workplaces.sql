{#- One row per NPS workplace (workplace_key) with the name, brn prefix and programme region it is linked on. -#}
with ranked as (
    select
        workplace_key,
        brn_prefix,
        workplace_name,
        programme_region_code,
        min(data_month) over (partition by workplace_key) as first_month,
        max(data_month) over (partition by workplace_key) as last_month,
        row_number() over (partition by workplace_key order by data_month desc) as recency
    from {{ ref('int_workplace_months') }}
)

select workplace_key, brn_prefix, workplace_name, programme_region_code, first_month, last_month
from ranked
where recency = 1
