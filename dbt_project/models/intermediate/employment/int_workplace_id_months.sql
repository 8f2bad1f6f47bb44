{#- One row per stable workplace (workplace_id, see int_workplace_chains) and month: the headcount series that
    runs on across moves and renames, with the matching fields of that month, and whether the workplace entered
    the file through the 2025-07 coverage extension (an individual workplace, type 2, first seen on or after
    var nps_individual_coverage_from): such workplaces have no history before the break.
    Incremental by data_month like int_workplace_months. A month that arrives can also change the identity of
    keys seen before (a new month ends or opens a chain, so a key's workplace_id or its first month changes), so
    the rows of such reassigned keys are rebuilt too, and the table always equals a full build:
      - on DuckDB only those keys' rows, by workplace_key and data_month (a pre-hook first clears the months
        this invocation builds, where keys can vanish), with dbt's own incremental materialization: a month's
        rows here depend on other months, which incremental_by_month cannot rewrite;
      - on Spark, whose Parquet tables replace whole partitions, every month holding one of them. -#}
{%- set replaces_keys = target.type != 'spark' %}
{%- set model_config = sme_warehouse.incremental_month_config() %}
{%- if replaces_keys %}
    {%- do model_config.update({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': ['data_month', 'workplace_key'],
        'pre_hook': "{% if is_incremental() %}delete from {{ this }} where {{ sme_warehouse.months_to_build() }}{% endif %}"
    }) %}
{%- endif %}
{{ config(**model_config) }}

with identities as (
    select
        chains.workplace_id,
        min(keys.first_month) as first_month,
        max(case when keys.ever_individual then 1 else 0 end) = 1 as ever_individual
    from {{ ref('int_workplace_chains') }} as chains
    inner join {{ ref('int_workplaces') }} as keys on keys.workplace_key = chains.workplace_key
    group by chains.workplace_id
),

key_identities as (
    select
        chains.workplace_key,
        chains.workplace_id,
        case when identities.ever_individual
                  and identities.first_month >= {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
             then true else false end as entered_by_coverage_extension
    from {{ ref('int_workplace_chains') }} as chains
    inner join identities on identities.workplace_id = chains.workplace_id
)
{%- if is_incremental() %},

reassigned_keys as (
    select distinct built.workplace_key
    from {{ this }} as built
    left join key_identities on key_identities.workplace_key = built.workplace_key
    where key_identities.workplace_key is null
       or key_identities.workplace_id <> built.workplace_id
       or key_identities.entered_by_coverage_extension <> built.entered_by_coverage_extension
)
{%- endif %}

select
    key_identities.workplace_id,
    months.data_month,
    months.workplace_key,
    months.brn_prefix,
    months.programme_region_code,
    months.industry_division,
    months.workplace_type,
    months.size_band,
    months.enrolment_status,
    months.workplaces_sharing_key,
    months.subscribers,
    key_identities.entered_by_coverage_extension,
    months.source_file,
    months.source_row,
    months.loaded_at
from {{ ref('int_workplace_months') }} as months
inner join key_identities on key_identities.workplace_key = months.workplace_key
where ({{ sme_warehouse.months_to_build() }})
{%- if is_incremental() %}
    {%- if replaces_keys %}
   or months.workplace_key in (select workplace_key from reassigned_keys)
    {%- else %}
   or months.data_month in (select data_month from {{ this }}
                            where workplace_key in (select workplace_key from reassigned_keys))
    {%- endif %}
{%- endif %}
