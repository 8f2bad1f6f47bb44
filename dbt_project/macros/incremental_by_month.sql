{#- The DuckDB materialization of the month-local employment models (incremental_month_config): every month
    this invocation builds (staging.dbt_months_to_build, macros/incremental_months.sql) is rewritten, a few
    months per statement, as one delete and one insert by data_month. A batch takes whole months in order until
    their raw rows reach var rows_per_batch (a month is never split), so a small history is one statement.

    Why in batches: a national history built in one statement does not fit the profile's memory limit and spills.
    In the benchmark's full build of 60 generated national months (32.5 M rows) the staging model took 97.0 s as
    one statement and 45.1 s in batches of 6 months, with the same rows. Its query alone, over 61 months, took
    45.4-46.1 s in batches of 1 to 6 months and 68.5 s in batches of 12. A monthly run builds one month either way.

    The model's SQL reads its months through months_to_build(), which for these models names this model's batch
    table (month_batch_relation); the materialization fills it before each statement and drops it at the end.
    The table is created (from an empty batch, so only its columns) when it does not exist or on --full-refresh;
    otherwise its columns follow the model's as on_schema_change says (sync_all_columns), as dbt's own incremental
    materialization does. All of it is one transaction, so a failed batch leaves the table as it was. -#}
{% materialization incremental_by_month, adapter='duckdb' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set rebuild = existing_relation is none or existing_relation.is_view or should_full_refresh() -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'),
                                                                     default='sync_all_columns') -%}
    {%- set batch = sme_warehouse.month_batch_relation(this) -%}
    {%- set plan = sme_warehouse.bookkeeping_relation(batch.identifier ~ '_plan') -%}
    {%- set rows_per_batch = var('rows_per_batch') | int -%}
    {%- if rows_per_batch < 1 -%}
        {{ exceptions.raise_compiler_error('var rows_per_batch must be a whole number of at least 1, not '
                                           ~ var('rows_per_batch')) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- auto_begin: the transaction opens here, so the drop below is part of it too -#}
    {%- set plan_sql -%}
        select data_month, dense_rank() over (order by first_batch) - 1 as batch_number
        from (
            select data_month,
                   floor(coalesce(sum(raw_rows) over (order by data_month
                                                      rows between unbounded preceding and 1 preceding), 0)
                         / {{ rows_per_batch }}) as first_batch
            from {{ sme_warehouse.bookkeeping_relation('dbt_months_to_build') }}
        ) as running_rows
    {%- endset -%}
    {% do adapter.execute('create or replace table ' ~ plan ~ ' as ' ~ plan_sql, auto_begin=True, fetch=False) %}
    {% do adapter.execute('create or replace table ' ~ batch ~ ' as select data_month from ' ~ plan
                          ~ ' where false', fetch=False) %}
    {%- set batches = sme_warehouse.scalar('select coalesce(max(batch_number) + 1, 0) from ' ~ plan) | int -%}

    {#- With the batch table empty, the model's query only gives its columns. -#}
    {% if rebuild %}
        {% if existing_relation is not none %}
            {% do adapter.drop_relation(existing_relation) %}
        {% endif %}
        {% call statement('main') -%}
            {{ create_table_as(False, target_relation, compiled_code) }}
        {%- endcall %}
        {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {% else %}
        {%- set shape_relation = sme_warehouse.bookkeeping_relation(batch.identifier ~ '_shape') -%}
        {% do adapter.execute('drop table if exists ' ~ shape_relation, fetch=False) %}
        {% call statement('main') -%}
            {{ create_table_as(False, shape_relation, compiled_code) }}
        {%- endcall %}
        {%- set dest_columns = process_schema_changes(on_schema_change, shape_relation, existing_relation)
                               or adapter.get_columns_in_relation(existing_relation) -%}
        {% do adapter.execute('drop table ' ~ shape_relation, fetch=False) %}
    {% endif %}
    {%- set column_list = dest_columns | map(attribute='quoted') | join(', ') -%}

    {% for batch_number in range(batches) %}
        {% do adapter.execute('delete from ' ~ batch, fetch=False) %}
        {% do adapter.execute('insert into ' ~ batch ~ ' select data_month from ' ~ plan
                              ~ ' where batch_number = ' ~ batch_number, fetch=False) %}
        {% if not rebuild %}
            {% do adapter.execute('delete from ' ~ target_relation ~ ' where data_month in (select data_month from '
                                  ~ batch ~ ')', fetch=False) %}
        {% endif %}
        {% do adapter.execute('insert into ' ~ target_relation ~ ' (' ~ column_list ~ ') select ' ~ column_list
                              ~ ' from (' ~ compiled_code ~ ') as batch_rows', fetch=False) %}
    {% endfor %}

    {% do adapter.execute('drop table ' ~ batch, fetch=False) %}
    {% do adapter.execute('drop table ' ~ plan, fetch=False) %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The months an incremental_by_month model's current statement builds. -#}
{% macro month_batch_relation(model_relation) -%}
    {{ return(sme_warehouse.bookkeeping_relation('dbt_month_batch__' ~ model_relation.identifier)) }}
{%- endmacro %}
