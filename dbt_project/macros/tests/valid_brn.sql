{#- Korean business registration number check digit: digits 1-9 weighted 1,3,7,1,3,7,1,3,5;
    S = sum of products + floor(d9 * 5 / 10); check = (10 - S mod 10) mod 10 must equal digit 10.
    Fails on every non-null value that is not exactly 10 digits or whose check digit is wrong. -#}
{% test valid_brn(model, column_name) %}
    {%- set weights = [1, 3, 7, 1, 3, 7, 1, 3, 5] %}
with candidates as (
    select {{ column_name }} as brn
    from {{ model }}
    where {{ column_name }} is not null
),
shaped as (
    select
        brn,
        case when {{ dbt.length('brn') }} = 10 and {{ sme_warehouse.is_all_digits('brn') }}
             then 1 else 0 end as is_ten_digits
    from candidates
),
scored as (
    select
        brn,
        is_ten_digits,
        case when is_ten_digits = 1 then
            {%- for weight in weights %}
            cast(substring(brn, {{ loop.index }}, 1) as int) * {{ weight }} +
            {%- endfor %}
            cast(floor(cast(substring(brn, 9, 1) as int) * 5 / 10) as int)
        end as weighted_sum
    from shaped
)
select brn
from scored
where is_ten_digits = 0
   or cast(substring(brn, 10, 1) as int) <> ({{ sme_warehouse.modulo('10 - ' ~ sme_warehouse.modulo('weighted_sum', 10), 10) }})
{% endtest %}
