{#- The KPI candidate table: one row per KPI x region (17 programme regions and the national code of
    ref_kpi_definitions) x quarter, from the first to the last quarter with data.
    Regional rows aggregate int_kpi_entities of the region (count of distinct entities for a count KPI, sum or
    mean of the values otherwise; zero where none). The national row is computed from the entities themselves,
    not from the regional rows: a count KPI counts distinct entities (a firm in two regions counts once), a sum
    KPI sums each entity once, a mean KPI averages over all entities.
    status: 'provisional' when the number rests on reference rows marked provisional or illustrative, or when the
    quarter's NPS reference month is not its last month; 'final' otherwise; status_reason says why. A regional
    row is unknown (actual null) when some entity of the KPI and quarter has no region (the provisional
    structural centres). target: the plan target (national rows only); achievement_pct = 100 * actual / target. -#}
with entities as (
    select * from {{ ref('int_kpi_entities') }}
),

spine as (
    select definitions.kpi_code, definitions.aggregation, definitions.is_count, definitions.definition_version,
           regions.region_code, quarters.quarter
    from {{ ref('ref_kpi_definitions') }} as definitions
    cross join {{ ref('ref_programme_regions') }} as regions
    cross join {{ ref('int_quarters') }} as quarters
),

regional as (
    select
        spine.kpi_code, spine.region_code, spine.quarter, spine.definition_version,
        count(distinct entities.entity_id) as entity_count,
        case when spine.is_count then count(distinct entities.entity_id)
             when spine.aggregation = 'mean' then coalesce(avg(entities.value), 0)
             else coalesce(sum(entities.value), 0) end as actual
    from spine
    left join entities
        on entities.kpi_code = spine.kpi_code
       and entities.region_code = spine.region_code
       and entities.quarter = spine.quarter
    group by spine.kpi_code, spine.region_code, spine.quarter, spine.definition_version, spine.aggregation,
             spine.is_count
),

national_entities as (
    select kpi_code, quarter, entity_id, max(value) as value
    from entities
    group by kpi_code, quarter, entity_id
),

national as (
    select
        definitions.kpi_code, definitions.national_region_code as region_code, quarters.quarter,
        definitions.definition_version,
        count(national_entities.entity_id) as entity_count,
        case when definitions.is_count then count(national_entities.entity_id)
             when definitions.aggregation = 'mean' then coalesce(avg(national_entities.value), 0)
             else coalesce(sum(national_entities.value), 0) end as actual
    from {{ ref('ref_kpi_definitions') }} as definitions
    cross join {{ ref('int_quarters') }} as quarters
    left join national_entities
        on national_entities.kpi_code = definitions.kpi_code
       and national_entities.quarter = quarters.quarter
    group by definitions.kpi_code, definitions.national_region_code, quarters.quarter,
             definitions.definition_version, definitions.aggregation, definitions.is_count
),

provisional_reference as (
    select
        kpi_code, quarter,
        max(case when is_provisional then 1 else 0 end) = 1 as rests_on_provisional,
        max(case when region_code is null and is_provisional then 1 else 0 end) = 1 as regions_unknown
    from entities
    group by kpi_code, quarter
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
    select regional.kpi_code, regional.region_code, regional.quarter, regional.definition_version,
           regional.entity_count,
           case when provisional_reference.regions_unknown then null else regional.actual end as actual
    from regional
    left join provisional_reference
        on provisional_reference.kpi_code = regional.kpi_code and provisional_reference.quarter = regional.quarter
    union all
    select kpi_code, region_code, quarter, definition_version, entity_count, actual from national
),

statused as (
    select
        candidate.*,
        case
            when provisional_reference.rests_on_provisional
                then 'rests on reference rows marked provisional or illustrative'
            when quarters.reference_month is null
              or quarters.reference_month < {{ sme_warehouse.add_months(sme_warehouse.quarter_start('quarters.quarter_end'), 2) }}
                then 'the NPS file of the last month of the quarter is not delivered yet'
        end as status_reason
    from candidate
    inner join {{ ref('int_quarters') }} as quarters on quarters.quarter = candidate.quarter
    left join provisional_reference
        on provisional_reference.kpi_code = candidate.kpi_code and provisional_reference.quarter = candidate.quarter
)

select
    cast(statused.kpi_code as {{ dbt.type_string() }}) as kpi_code,
    cast(statused.region_code as {{ dbt.type_string() }}) as region_code,
    cast(statused.quarter as {{ dbt.type_string() }}) as quarter,
    cast(statused.actual as double) as actual,
    cast(plan_targets.target_value as double) as target,
    cast(case when plan_targets.target_value > 0
              then 100.0 * statused.actual / plan_targets.target_value end as double) as achievement_pct,
    cast(statused.definition_version as {{ dbt.type_string() }}) as definition_version,
    cast(statused.entity_count as bigint) as entity_count,
    cast(case when statused.status_reason is null then 'final' else 'provisional' end
         as {{ dbt.type_string() }}) as status,
    cast(statused.status_reason as {{ dbt.type_string() }}) as status_reason
from statused
left join plan_targets
    on plan_targets.kpi_code = statused.kpi_code
   and plan_targets.region_code = statused.region_code
