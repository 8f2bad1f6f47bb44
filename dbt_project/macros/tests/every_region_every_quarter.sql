{#- KPI table rule: every KPI present has a row for every programme region and 'ALL' in every quarter. -#}
{% test every_region_every_quarter(model, regions, quarters) %}
with expected as (
    select kpis.kpi_code, all_regions.region_code, all_quarters.quarter
    from (select distinct kpi_code from {{ model }}) as kpis
    cross join (select region_code from {{ regions }} union all select 'ALL') as all_regions
    cross join (select quarter from {{ quarters }}) as all_quarters
)

select expected.*
from expected
left join {{ model }} as present
    on present.kpi_code = expected.kpi_code
   and present.region_code = expected.region_code
   and present.quarter = expected.quarter
where present.kpi_code is null
{% endtest %}
