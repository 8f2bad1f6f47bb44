{#- Shared configuration and filter of the monthly employment models.

    incremental_month_config(): delete+insert keyed by data_month on DuckDB, insert_overwrite of data_month
    partitions on Spark, so a run rewrites whole months and nothing else.

    months_to_build(new_rows, loaded_at_column): the WHERE condition choosing the months a run (re)builds:
    the vars min_month / max_month ('YYYY-MM-DD') when given; otherwise, on an incremental run, every month of
    which `new_rows` holds a row loaded after the newest load already in this model; on a full build, all. -#}
{% macro incremental_month_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'unique_key': none if target.type == 'spark' else 'data_month',
        'partition_by': ['data_month'] if target.type == 'spark' else none,
        'on_schema_change': 'fail'
    }) }}
{%- endmacro %}

{% macro months_to_build(new_rows, month_column='data_month', loaded_at_column='loaded_at') -%}
    {%- set min_month = var('min_month', '') -%}
    {%- set max_month = var('max_month', '') -%}
    {%- if min_month or max_month -%}
        {{ month_column }} >= {{ sme_warehouse.date_literal(min_month or '0001-01-01') }}
        and {{ month_column }} <= {{ sme_warehouse.date_literal(max_month or '9999-12-31') }}
    {%- elif is_incremental() -%}
        {{ month_column }} in (
            select distinct {{ month_column }}
            from {{ new_rows }}
            where {{ loaded_at_column }} > (select coalesce(max({{ loaded_at_column }}), cast('1900-01-01' as timestamp)) from {{ this }})
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Headcount size band used by the matched comparison (NPS subscribers). -#}
{% macro size_band(subscribers) -%}
    case
        when {{ subscribers }} < 10 then '01_under_10'
        when {{ subscribers }} < 50 then '02_10_to_49'
        when {{ subscribers }} < 100 then '03_50_to_99'
        when {{ subscribers }} < 300 then '04_100_to_299'
        else '05_300_plus'
    end
{%- endmacro %}
