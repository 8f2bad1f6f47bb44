{#- Every entity behind every KPI number: one row per KPI, programme region, quarter and entity, with the value
    it contributes (1 for counted entities; jobs for jobs_created, the gross job flows and
    employment_effect_did), whether it rests on
    a provisional or illustrative reference row (is_provisional), and the keys kpi_candidate_lineage follows back
    to source rows. A firm in force in two regions is a row in each. Entities without a programme region are
    kept (region_code null): a provisional structural centre of unknown region counts nationally only; any other
    such entity fails the gate's blocking check kpi_entities_have_region, which names it. region_key: region_code,
    or '-' for none (the row's key). program_code: the programme a per-programme KPI (jobs_created_<programme>)
    restricts the entity to, whose funding events its lineage follows; null otherwise. -#}
with entities as (
    select
        kpi_code, region_code, quarter,
        'firm' as entity_type, brn as entity_id, cast(1 as double) as value,
        brn, cast(null as {{ dbt.type_string() }}) as project_id, cast(null as {{ dbt.type_string() }}) as consortium_id,
        cast(null as date) as baseline_month, cast(null as date) as evidence_month,
        false as is_provisional, cast(null as {{ dbt.type_string() }}) as program_code
    from {{ ref('int_kpi_leading_firms') }}

    union all

    select
        'growth_project_success_cases', progress.region_code, progress.quarter,
        'project', progress.project_id, cast(1 as double),
        cast(null as {{ dbt.type_string() }}), progress.project_id, cast(null as {{ dbt.type_string() }}),
        cast(null as date), cast(null as date),
        projects.is_illustrative, cast(null as {{ dbt.type_string() }})
    from {{ ref('int_gp300_project_progress') }} as progress
    inner join {{ ref('ref_growth_projects') }} as projects on projects.project_id = progress.project_id
    where progress.is_success

    union all

    select
        kpi_code, region_code, quarter,
        'consortium', consortium_id, cast(1 as double),
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), consortium_id,
        cast(null as date), cast(null as date),
        false, cast(null as {{ dbt.type_string() }})
    from {{ ref('int_kpi_collaboration_models') }}

    union all

    select
        kpi_code, region_code, quarter,
        'region', entity_id, cast(1 as double),
        cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as date), cast(null as date),
        is_provisional, cast(null as {{ dbt.type_string() }})
    from {{ ref('int_kpi_support_centres') }}

    union all

    select
        kpi_code, region_code, quarter,
        'firm', brn, value,
        brn, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        baseline_month, reference_month,
        false, program_code
    from {{ ref('int_kpi_jobs_created') }}

    union all

    select
        kpi_code, region_code, quarter,
        'firm', brn, did_m12,
        brn, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        baseline_month, month_12,
        false, cast(null as {{ dbt.type_string() }})
    from {{ ref('int_kpi_employment_effect') }}
)

select
    entities.*,
    coalesce(region_code, '-') as region_key
from entities
