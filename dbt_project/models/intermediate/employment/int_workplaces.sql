{#- One row per NPS workplace key with the fields it is linked and chained on: brn prefix, name (latest as
    written, and normalised), programme region, workplace type and NPS industry code, the first and last month it
    appears, its enrolment status in that last month, the most workplaces that shared the key in one month
    (more than one: the key cannot tell them apart), whether any month listed it as an individual workplace
    (type 2), and the newest load among its rows. A key has one row per month, so "latest" is the row of its
    highest data_month.

    Incremental on DuckDB (one row per key, delete+insert by workplace_key); a plain table on Spark, whose Parquet
    tables cannot replace rows by key. When every month this invocation builds comes after the last month stored
    (the usual monthly delivery, or none), a key's row is merged from its stored row and the new months alone,
    and keys not in those months keep theirs. Otherwise (a corrected older month, a changed definition) keys may vanish,
    so the stored rows are cleared and every key is aggregated again from its whole history. -#}
{{ config(materialized='table' if target.type == 'spark' else 'incremental', unique_key='workplace_key',
          incremental_strategy='delete+insert', on_schema_change='sync_all_columns',
          pre_hook="{% if is_incremental() and not sme_warehouse.only_new_months_built(this, 'last_month') %}"
                   "delete from {{ this }}{% endif %}") }}

{%- set appending = is_incremental() and sme_warehouse.only_new_months_built(this, 'last_month') %}

with rows_to_aggregate as (
    select *
    from {{ ref('int_workplace_months') }}
    {%- if appending %}
    where {{ sme_warehouse.months_to_build() }}
    {%- endif %}
),

aggregated as (
    select
        workplace_key,
        max(brn_prefix) as brn_prefix,
        {{ sme_warehouse.value_at_highest('workplace_name', 'data_month') }} as workplace_name,
        {{ sme_warehouse.value_at_highest('programme_region_code', 'data_month') }} as programme_region_code,
        {{ sme_warehouse.value_at_highest('workplace_type', 'data_month') }} as workplace_type,
        {{ sme_warehouse.value_at_highest('industry_code', 'data_month') }} as industry_code,
        min(data_month) as first_month,
        max(data_month) as last_month,
        {{ sme_warehouse.value_at_highest('enrolment_status', 'data_month') }} as last_enrolment_status,
        max(workplaces_sharing_key) as workplaces_sharing_key,
        max(case when workplace_type = 2 then 1 else 0 end) = 1 as ever_individual,
        max(loaded_at) as loaded_at
    from rows_to_aggregate
    group by workplace_key
)
{%- if appending %},

merged as (
    select
        new.workplace_key,
        new.brn_prefix,
        new.workplace_name,
        new.programme_region_code,
        new.workplace_type,
        new.industry_code,
        coalesce(stored.first_month, new.first_month) as first_month,
        new.last_month,
        new.last_enrolment_status,
        greatest(coalesce(stored.workplaces_sharing_key, 0), new.workplaces_sharing_key) as workplaces_sharing_key,
        coalesce(stored.ever_individual, false) or new.ever_individual as ever_individual,
        greatest(coalesce(stored.loaded_at, new.loaded_at), new.loaded_at) as loaded_at
    from aggregated as new
    left join {{ this }} as stored on stored.workplace_key = new.workplace_key
)
{%- endif %}

select
    workplace_key,
    brn_prefix,
    workplace_name,
    {{ sme_warehouse.normalise_firm_name('workplace_name') }} as normalised_name,
    programme_region_code,
    workplace_type,
    industry_code,
    first_month,
    last_month,
    last_enrolment_status,
    workplaces_sharing_key,
    ever_individual,
    loaded_at
from {{ 'merged' if appending else 'aggregated' }}
