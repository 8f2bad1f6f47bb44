{#- On Spark the sources are the Parquet raw zone that ingestion/raw_zone.py exports after every load:
    on-run-start (re)declares raw.firms, raw.funding and raw.employment as external tables over
    the raw_zone_dir var (what Dagster passes) or SME_RAW_ZONE_DIR (an absolute path or URI the Spark driver and executors can read). Spark infers the columns
    from the Parquet files and employment's data_month partition column (a DATE) from its data_month=YYYY-MM-DD
    folders, which are registered afresh. Statements go through adapter.execute without fetching: DDL returns no
    result set over thrift. Dropping an external table leaves its files alone, so every
    run sees exactly what the raw zone holds. On DuckDB the loader's own tables are the sources: nothing to do. -#}
{% macro spark_raw_zone_tables() %}
    {%- if target.type != 'spark' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set default_dir = 'data/raw_zone' if '--project-dir' in (flags.INVOCATION_COMMAND or '') else '../data/raw_zone' -%}
    {%- set raw_zone = var('raw_zone_dir', env_var('SME_RAW_ZONE_DIR', default_dir)).rstrip('/') -%}
    {% do adapter.execute('create schema if not exists raw', fetch=False) %}
    {%- for table in ['firms', 'funding', 'employment'] %}
        {% do adapter.execute('drop table if exists raw.' ~ table, fetch=False) %}
        {% do adapter.execute('create table raw.' ~ table ~ " using parquet location '" ~ raw_zone ~ '/' ~ table ~ "'",
                              fetch=False) %}
        {%- if table == 'employment' %}
            {% do adapter.execute('alter table raw.' ~ table ~ ' recover partitions', fetch=False) %}
        {%- endif %}
    {%- endfor %}
    {{ return('') }}
{% endmacro %}
