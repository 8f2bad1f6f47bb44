{#- Primary key of a model or seed: every key column is non-null and the combination is unique.
    Usage (model level):  data_tests: [{primary_key: {columns: [kpi_code, region_code, quarter]}}] -#}
{% test primary_key(model, columns) %}
    {%- set key_list = columns | join(', ') %}
with null_keys as (
    select {{ key_list }}, 'null key column' as failure
    from {{ model }}
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
),
repeated_keys as (
    select {{ key_list }}, 'key repeated' as failure
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    group by {{ key_list }}
    having count(*) > 1
)
select * from null_keys
union all
select * from repeated_keys
{% endtest %}
