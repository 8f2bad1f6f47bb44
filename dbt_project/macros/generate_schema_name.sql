{#- Schemas are used exactly as configured (staging, intermediate, marts, kpi, ref), never prefixed with the
    target schema, so every environment has the same table names the Python steps and BI users expect. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
