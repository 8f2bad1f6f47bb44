{#- Every entity behind every regional KPI number: one row per KPI, programme region, quarter and entity, with
    the value it contributes (1 for counted entities; jobs for jobs_created and employment_effect_did) and the
    keys kpi_candidate_lineage follows back to source rows. Entities without a programme region are kept (their
    region_code is null) and counted in no row of the candidate table; a warn-severity test reports them. -#}
select
    kpi_code, region_code, quarter,
    'firm' as entity_type, brn as entity_id, cast(1 as double) as value,
    brn, cast(null as {{ dbt.type_string() }}) as project_id, cast(null as {{ dbt.type_string() }}) as consortium_id,
    cast(null as date) as baseline_month, cast(null as date) as evidence_month
from {{ ref('int_kpi_leading_firms') }}

union all

select
    'growth_project_success_cases', region_code, quarter,
    'project', project_id, cast(1 as double),
    cast(null as {{ dbt.type_string() }}), project_id, cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as date)
from {{ ref('int_gp300_project_progress') }}
where is_success

union all

select
    kpi_code, region_code, quarter,
    'consortium', consortium_id, cast(1 as double),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), consortium_id,
    cast(null as date), cast(null as date)
from {{ ref('int_kpi_collaboration_models') }}

union all

select
    kpi_code, region_code, quarter,
    'region', region_code, cast(1 as double),
    cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    cast(null as date), cast(null as date)
from {{ ref('int_kpi_support_centres') }}

union all

select
    kpi_code, region_code, quarter,
    'firm', brn, net_jobs,
    brn, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    baseline_month, reference_month
from {{ ref('int_kpi_jobs_created') }}

union all

select
    kpi_code, region_code, quarter,
    'firm', brn, did_m12,
    brn, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
    baseline_month, month_12
from {{ ref('int_kpi_employment_effect') }}
