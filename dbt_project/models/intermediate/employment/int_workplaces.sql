{#- One row per NPS workplace key with the fields it is linked and chained on: brn prefix, name (latest as
    written, and normalised), programme region, workplace type and NPS industry code, the first and last month it
    appears, its enrolment status in that last month, the most workplaces that shared the key in one month
    (more than one: the key cannot tell them apart), and whether any month listed it as an individual workplace
    (type 2). One aggregate pass over the workplace-months: a key has one row per month, so "latest" is the
    row of its highest data_month. -#}
with latest as (
    select
        workplace_key,
        max(brn_prefix) as brn_prefix,
        {{ sme_warehouse.value_at_highest('workplace_name', 'data_month') }} as workplace_name,
        {{ sme_warehouse.value_at_highest('programme_region_code', 'data_month') }} as programme_region_code,
        {{ sme_warehouse.value_at_highest('workplace_type', 'data_month') }} as workplace_type,
        {{ sme_warehouse.value_at_highest('industry_code', 'data_month') }} as industry_code,
        min(data_month) as first_month,
        max(data_month) as last_month,
        {{ sme_warehouse.value_at_highest('enrolment_status', 'data_month') }} as last_enrolment_status,
        max(workplaces_sharing_key) as workplaces_sharing_key,
        max(case when workplace_type = 2 then 1 else 0 end) = 1 as ever_individual
    from {{ ref('int_workplace_months') }}
    group by workplace_key
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
    last_enrolment_status,
    workplaces_sharing_key,
    ever_individual
from latest
