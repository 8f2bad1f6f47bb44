{#- Primary key of a model or seed: every key column is non-null and the combination is unique.
    Usage (model level):  data_tests: [{primary_key: {columns: [kpi_code, region_code, quarter]}}] -#}
{% test primary_key(model, columns) %}
    {%- set key_list = columns | join(', ') %}
with null_keys as (
    select {{ key_list }}, 'null key column' as failure
    from {{ model }}
    where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
),
{#- A key can repeat only where its hash repeats: the 64-bit hashes are grouped first, and only the rows whose
    hash repeats are grouped by the key itself (grouping every staged NPS row by source_file and source_row took
    1.8 times as long). -#}
keyed as (
    select {{ key_list }}, {{ sme_warehouse.row_hash(columns) }} as key_hash
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
),
repeated_hashes as (
    select key_hash
    from keyed
    group by key_hash
    having count(*) > 1
),
repeated_keys as (
    select {{ key_list }}, 'key repeated' as failure
    from keyed
    where key_hash in (select key_hash from repeated_hashes)
    group by {{ key_list }}
    having count(*) > 1
)
select * from null_keys
union all
select * from repeated_keys
{% endtest %}
