{#- Seeds on Spark: rows inserted as SQL literals instead of bound parameters. dbt-spark's session method turns
    every bound value into '<value>', so an empty CSV cell arrived as the string 'None' and a value with an
    apostrophe broke the statement. Here an empty cell is null and text is backslash-escaped (Spark's own string
    escape; Spark 3.5 does not read a doubled '' as an apostrophe). Found before the adapter's macro because the
    root project comes first in dispatch; the same SQL suits the thrift method. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ sme_warehouse.spark_seed_literal(value) }} as {{ column_types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
