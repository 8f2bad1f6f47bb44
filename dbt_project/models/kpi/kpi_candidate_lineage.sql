{#- The source rows behind every number of kpi_official_candidate: for each KPI, region (and again under the
    national code of ref_kpi_definitions, 'ALL'), quarter and entity, the feed rows (file and 1-based row) or seed rows its value was computed from.
    firm designations -> raw.firms rows of the designation in force; projects -> GP300 funding events of the
    project up to quarter end and the NPS rows (baseline and reference month) of its firms; consortia -> COLLAB
    funding events up to quarter end; regions -> rows of seeds/ref_support_centres.csv; jobs and DiD firms ->
    the firm's funding events up to quarter end (of the programme alone for a per-programme jobs_created) and its
    NPS rows at the baseline and evidence months. An entity
    of no region (a provisional centre of unknown region) has national rows only; an entity in two regions has
    rows under each and one set under the national code. -#}
with entities as (
    select entities.*, quarters.quarter_end
    from {{ ref('int_kpi_entities') }} as entities
    inner join {{ ref('int_quarters') }} as quarters on quarters.quarter = entities.quarter
),

centre_rows as (
    select
        centres.*,
        row_number() over (order by centres.centre_id) + 1 as seed_row
    from {{ ref('ref_support_centres') }} as centres
),

evidence as (
    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'firms' as source_feed, designations.source_file, designations.source_row
    from entities
    inner join {{ ref('int_kpi_leading_firms') }} as designations
        on designations.kpi_code = entities.kpi_code
       and designations.quarter = entities.quarter
       and designations.region_code = entities.region_code
       and designations.brn = entities.entity_id

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'funding', events.source_file, events.source_row
    from entities
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.project_id = entities.project_id
       and events.program_code = 'GP300'
       and events.paid_on <= entities.quarter_end
    where entities.entity_type = 'project'

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'employment', months.source_file, months.source_row
    from entities
    inner join {{ ref('int_gp300_project_firms') }} as project_firms
        on project_firms.project_id = entities.project_id
       and project_firms.quarter = entities.quarter
    inner join {{ ref('int_firm_months') }} as months
        on months.brn = project_firms.brn
       and (months.data_month = project_firms.baseline_month or months.data_month = project_firms.reference_month)
    where entities.entity_type = 'project'

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'funding', events.source_file, events.source_row
    from entities
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.consortium_id = entities.consortium_id
       and events.program_code = 'COLLAB'
       and events.paid_on <= entities.quarter_end
    where entities.entity_type = 'consortium'

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'seed', 'seeds/ref_support_centres.csv', centre_rows.seed_row
    from entities
    inner join centre_rows
        on (centre_rows.region_code = entities.region_code or centre_rows.centre_id = entities.entity_id)
       and centre_rows.opened_on <= entities.quarter_end
       and (centre_rows.closed_on is null or centre_rows.closed_on > entities.quarter_end)
       and ((entities.kpi_code = 'crisis_centre_regions' and centre_rows.centre_type = 'crisis')
            or (entities.kpi_code = 'structural_centre_regions' and centre_rows.centre_type = 'structural'))
    where entities.entity_type = 'region'

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'funding', events.source_file, events.source_row
    from entities
    inner join {{ ref('int_funding_events_netted') }} as events
        on events.brn = entities.brn
       and events.paid_on <= entities.quarter_end
       and (entities.program_code is null or events.program_code = entities.program_code)
    where entities.kpi_code in ('jobs_created', 'jobs_gross_created', 'jobs_gross_destroyed',
                                'employment_effect_did')
       or entities.program_code is not null

    union all

    select entities.kpi_code, entities.region_code, entities.quarter, entities.entity_type, entities.entity_id,
           'employment', months.source_file, months.source_row
    from entities
    inner join {{ ref('int_firm_months') }} as months
        on months.brn = entities.brn
       and (months.data_month = entities.baseline_month or months.data_month = entities.evidence_month)
    where entities.kpi_code in ('jobs_created', 'jobs_gross_created', 'jobs_gross_destroyed',
                                'employment_effect_did')
       or entities.program_code is not null
),

regional as (
    select distinct kpi_code, region_code, quarter, entity_type, entity_id, source_feed, source_file, source_row
    from evidence
)

select
    cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
    cast(region_code as {{ dbt.type_string() }}) as region_code,
    cast(quarter as {{ dbt.type_string() }}) as quarter,
    cast(entity_type as {{ dbt.type_string() }}) as entity_type,
    cast(entity_id as {{ dbt.type_string() }}) as entity_id,
    cast(source_feed as {{ dbt.type_string() }}) as source_feed,
    cast(source_file as {{ dbt.type_string() }}) as source_file,
    cast(source_row as bigint) as source_row
from regional
where region_code is not null
union all
select distinct
    cast(regional.kpi_code as {{ dbt.type_string() }}),
    cast(definitions.national_region_code as {{ dbt.type_string() }}),
    cast(regional.quarter as {{ dbt.type_string() }}),
    cast(regional.entity_type as {{ dbt.type_string() }}),
    cast(regional.entity_id as {{ dbt.type_string() }}),
    cast(regional.source_feed as {{ dbt.type_string() }}),
    cast(regional.source_file as {{ dbt.type_string() }}),
    cast(regional.source_row as bigint)
from regional
inner join {{ ref('ref_kpi_definitions') }} as definitions on definitions.kpi_code = regional.kpi_code
