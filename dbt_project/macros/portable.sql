{#- Small SQL helpers that render the same meaning on DuckDB and Spark. -#}

{#- Remainder of a division of whole numbers (both engines have mod(); % binds differently in templates). -#}
{% macro modulo(dividend, divisor) -%}
    mod({{ dividend }}, {{ divisor }})
{%- endmacro %}

{#- True when a string consists of digits only: strip every digit and compare with the empty string. -#}
{% macro is_all_digits(expression) -%}
    {%- set state = namespace(text=expression) -%}
    {%- for digit in range(10) -%}
        {%- set state.text = "replace(" ~ state.text ~ ", '" ~ digit ~ "', '')" -%}
    {%- endfor -%}
    ({{ state.text }} = '')
{%- endmacro %}

{#- 'YYYYQn' label of the quarter a date falls in. -#}
{% macro quarter_label(date_expression) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")",
        "'Q'",
        "cast(extract(quarter from " ~ date_expression ~ ") as " ~ dbt.type_string() ~ ")"
    ]) }}
{%- endmacro %}

{#- First day of the month / quarter of a date, as a DATE (the dbt macros return timestamps). -#}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{% macro quarter_start(date_expression) -%}
    cast({{ dbt.date_trunc('quarter', date_expression) }} as date)
{%- endmacro %}

{#- A date shifted by whole months, as a DATE. -#}
{% macro add_months(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, date_expression) }} as date)
{%- endmacro %}

{#- A date literal both engines parse. -#}
{% macro date_literal(iso_text) -%}
    cast('{{ iso_text }}' as date)
{%- endmacro %}

{#- The value of a column on the row where another column is highest, null included, as an aggregate (DuckDB
    arg_max_null, Spark max_by; DuckDB's arg_max would skip a null); callers make the ordering column unique
    within the group. -#}
{% macro value_at_highest(column, ordering_column) -%}
    {%- if target.type == 'spark' -%}
        max_by({{ column }}, {{ ordering_column }})
    {%- else -%}
        arg_max_null({{ column }}, {{ ordering_column }})
    {%- endif -%}
{%- endmacro %}

{#- A 64-bit hash of several columns, to screen rows before comparing them exactly: equal values hash equal on
    both engines, so only rows whose hash repeats can be equal, and a collision only costs an exact comparison. -#}
{% macro row_hash(columns) -%}
    {{ 'xxhash64' if target.type == 'spark' else 'hash' }}({{ columns | join(', ') }})
{%- endmacro %}
