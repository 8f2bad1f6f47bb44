{#- What dbt knows about every cell the KPI progress report can show: each KPI x programme region (and the
    national row, under the national code of ref_kpi_definitions) x quarter, with the KPI's wording, unit, aggregation and plan target and the region's
    label. The figures themselves come from the published release, which the publish step writes after dbt. -#}
with report_regions as (
    select
        region_code,
        {{ dbt.concat(['short_name_ko', "' '", 'name_en']) }} as region_label,
        display_order as region_order
    from {{ ref('dim_region') }}
    union all
    select distinct national_region_code, '전국 National', 0
    from {{ ref('ref_kpi_definitions') }}
),

latest_target_years as (
    select kpi_code, region_code, max(target_year) as target_year
    from {{ ref('ref_kpi_targets') }}
    group by kpi_code, region_code
),

plan_targets as (
    select targets.kpi_code, targets.region_code, targets.target_year, targets.target_value
    from {{ ref('ref_kpi_targets') }} as targets
    inner join latest_target_years as latest
        on latest.kpi_code = targets.kpi_code
       and latest.region_code = targets.region_code
       and latest.target_year = targets.target_year
)

select
    definitions.kpi_code,
    report_regions.region_code,
    quarters.quarter,
    quarters.quarter_end,
    cast(definitions.display_order as int) as kpi_order,
    definitions.name_ko as kpi_name_ko,
    definitions.name_en as kpi_name_en,
    definitions.unit,
    definitions.aggregation,
    definitions.definition,
    definitions.program_code,
    cast(plan_targets.target_year as int) as target_year,
    cast(plan_targets.target_value as double) as plan_target,
    report_regions.region_label,
    cast(report_regions.region_order as int) as region_order
from {{ ref('ref_kpi_definitions') }} as definitions
cross join report_regions
cross join {{ ref('dim_date') }} as quarters
left join plan_targets
    on plan_targets.kpi_code = definitions.kpi_code
   and plan_targets.region_code = report_regions.region_code
