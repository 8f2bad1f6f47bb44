{#- One row per NPS workplace key with the fields it is linked and chained on: brn prefix, name (latest as
    written, and normalised), programme region, workplace type and NPS industry code, the first and last month it
    appears, its enrolment status in that last month, and the most workplaces that shared the key in one month
    (more than one: the key cannot tell them apart). -#}
with ranked as (
    select
        workplace_key,
        brn_prefix,
        workplace_name,
        programme_region_code,
        workplace_type,
        industry_code,
        enrolment_status,
        min(data_month) over (partition by workplace_key) as first_month,
        max(data_month) over (partition by workplace_key) as last_month,
        max(workplaces_sharing_key) over (partition by workplace_key) as workplaces_sharing_key,
        row_number() over (partition by workplace_key order by data_month desc) as recency
    from {{ ref('int_workplace_months') }}
)

select
    workplace_key,
    brn_prefix,
    workplace_name,
    {{ sme_warehouse.normalise_firm_name('workplace_name') }} as normalised_name,
    programme_region_code,
    workplace_type,
    industry_code,
    first_month,
    last_month,
    enrolment_status as last_enrolment_status,
    workplaces_sharing_key
from ranked
where recency = 1
