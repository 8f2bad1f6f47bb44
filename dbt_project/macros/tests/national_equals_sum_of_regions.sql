{#- KPI table rule: for every KPI aggregated by sum (per `aggregation_source`, the KPI definitions), the national
    row ('ALL') equals the sum of its regional rows in every quarter. -#}
{% test national_equals_sum_of_regions(model, aggregation_source) %}
with regional as (
    select kpi_code, quarter, sum(actual) as regional_sum
    from {{ model }}
    where region_code <> 'ALL'
    group by kpi_code, quarter
),

national as (
    select kpi_code, quarter, actual as national_actual
    from {{ model }}
    where region_code = 'ALL'
)

select national.kpi_code, national.quarter, national.national_actual, regional.regional_sum
from national
inner join {{ aggregation_source }} as definitions on definitions.kpi_code = national.kpi_code
left join regional on regional.kpi_code = national.kpi_code and regional.quarter = national.quarter
where definitions.aggregation = 'sum'
  and abs(national.national_actual - coalesce(regional.regional_sum, 0)) > 0.000001
{% endtest %}
