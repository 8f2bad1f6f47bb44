{#- One row per stable workplace (workplace_id, see int_workplace_chains) and month: the headcount series that
    runs on across moves and renames, with the matching fields of that month, and whether the workplace entered
    the file through the 2025-07 coverage extension (see int_workplace_chains): such workplaces have no history
    before the break.
    Incremental by data_month like int_workplace_months. A month that arrives can also change the identity of
    keys seen before (a new month ends or opens a chain, so a key's workplace_id or its first month changes), so
    the rows of such reassigned keys are rebuilt too, and the table always equals a full build:
      - on DuckDB only those keys' rows, by workplace_key and data_month (a pre-hook first clears the months
        this invocation builds, where keys can vanish), with dbt's own incremental materialization: a month's
        rows here depend on other months, which incremental_by_month cannot rewrite. A post-hook keeps the
        identities the stored rows were built with (staging.dbt_workplace_identities_built, one row per key), so
        finding the reassigned keys compares two tables of keys and does not read every stored row; without that
        table every key counts as reassigned;
      - on Spark, whose Parquet tables replace whole partitions, every month holding one of them, found from the
        stored rows themselves. -#}
{%- set replaces_keys = target.type != 'spark' %}
{%- set built_identities = sme_warehouse.bookkeeping_relation('dbt_workplace_identities_built') %}
{%- set model_config = sme_warehouse.incremental_month_config() %}
{%- if replaces_keys %}
    {%- do model_config.update({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': ['data_month', 'workplace_key'],
        'pre_hook': "{% if is_incremental() %}delete from {{ this }} where {{ sme_warehouse.months_to_build() }}{% endif %}",
        'post_hook': "create or replace table " ~ built_identities ~ " as select workplace_key, workplace_id,"
                     ~ " entered_by_coverage_extension from {{ ref('int_workplace_chains') }}"
    }) %}
{%- endif %}
{{ config(**model_config) }}

with key_identities as (
    select workplace_key, workplace_id, entered_by_coverage_extension
    from {{ ref('int_workplace_chains') }}
)
{%- if is_incremental() %},

{%- set identities_recorded = replaces_keys and execute
        and adapter.get_relation(built_identities.database, built_identities.schema, built_identities.identifier) %}
reassigned_keys as (
    {%- if replaces_keys and not identities_recorded %}
    select workplace_key from key_identities
    {%- else %}
    select distinct built.workplace_key
    from {{ built_identities if replaces_keys else this }} as built
    left join key_identities on key_identities.workplace_key = built.workplace_key
    where key_identities.workplace_key is null
       or key_identities.workplace_id <> built.workplace_id
       or key_identities.entered_by_coverage_extension <> built.entered_by_coverage_extension
    {%- endif %}
)
{%- endif %}

{#- the select is written out once per branch: as a CTE read twice, DuckDB stores it whole first -#}
{%- set rows_with_identity -%}
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
{%- endset %}

{{ rows_with_identity }}
where {{ sme_warehouse.months_to_build('months.data_month') }}
{%- if is_incremental() %}

{#- the stored months' rows of reassigned keys, in a branch of their own: an OR with the month filter would make
    DuckDB read every month of int_workplace_months -#}
union all

{{ rows_with_identity }}
where not ({{ sme_warehouse.months_to_build('months.data_month') }})
    {%- if replaces_keys %}
  and months.workplace_key in (select workplace_key from reassigned_keys)
    {%- else %}
  and months.data_month in (select data_month from {{ this }}
                            where workplace_key in (select workplace_key from reassigned_keys))
    {%- endif %}
{%- endif %}
