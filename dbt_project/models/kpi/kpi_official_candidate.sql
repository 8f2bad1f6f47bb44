{#- The KPI candidate table: one row per KPI x region (17 programme regions and 'ALL') x quarter, from the first
    to the last quarter with data. Regional rows aggregate int_kpi_entities (sum, or mean for mean KPIs; zero where
    no entity). The national row of a sum KPI is the sum of its regional rows; of a mean KPI the mean over all
    entities with a region. target: the plan target (national rows only); achievement_pct = 100 * actual / target. -#}
with regional_entities as (
    select * from {{ ref('int_kpi_entities') }} where region_code is not null
),

spine as (
    select definitions.kpi_code, definitions.aggregation, definitions.definition_version,
           regions.region_code, quarters.quarter
    from {{ ref('ref_kpi_definitions') }} as definitions
    cross join {{ ref('ref_programme_regions') }} as regions
    cross join {{ ref('int_quarters') }} as quarters
),

regional as (
    select
        spine.kpi_code, spine.region_code, spine.quarter, spine.definition_version,
        count(entities.entity_id) as entity_count,
        case when spine.aggregation = 'mean' then coalesce(avg(entities.value), 0)
             else coalesce(sum(entities.value), 0) end as actual,
        sum(entities.value) as value_sum
    from spine
    left join regional_entities as entities
        on entities.kpi_code = spine.kpi_code
       and entities.region_code = spine.region_code
       and entities.quarter = spine.quarter
    group by spine.kpi_code, spine.region_code, spine.quarter, spine.definition_version, spine.aggregation
),

national as (
    select
        regional.kpi_code, 'ALL' as region_code, regional.quarter, regional.definition_version,
        sum(regional.entity_count) as entity_count,
        case when max(definitions.aggregation) = 'mean'
             then coalesce(sum(regional.value_sum) / nullif(sum(regional.entity_count), 0), 0)
             else sum(regional.actual) end as actual
    from regional
    inner join {{ ref('ref_kpi_definitions') }} as definitions on definitions.kpi_code = regional.kpi_code
    group by regional.kpi_code, regional.quarter, regional.definition_version
),

plan_targets as (
    select kpi_code, region_code, target_value
    from (
        select targets.*, row_number() over (partition by kpi_code, region_code order by target_year desc) as recency
        from {{ ref('ref_kpi_targets') }} as targets
    ) as ranked
    where recency = 1
),

candidate as (
    select kpi_code, region_code, quarter, definition_version, entity_count, actual from regional
    union all
    select kpi_code, region_code, quarter, definition_version, entity_count, actual from national
)

select
    cast(candidate.kpi_code as {{ dbt.type_string() }}) as kpi_code,
    cast(candidate.region_code as {{ dbt.type_string() }}) as region_code,
    cast(candidate.quarter as {{ dbt.type_string() }}) as quarter,
    cast(candidate.actual as double) as actual,
    cast(plan_targets.target_value as double) as target,
    cast(case when plan_targets.target_value > 0
              then 100.0 * candidate.actual / plan_targets.target_value end as double) as achievement_pct,
    cast(candidate.definition_version as {{ dbt.type_string() }}) as definition_version,
    cast(candidate.entity_count as bigint) as entity_count
from candidate
left join plan_targets
    on plan_targets.kpi_code = candidate.kpi_code
   and plan_targets.region_code = candidate.region_code
