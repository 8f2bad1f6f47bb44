{#- Values are quarter labels YYYYQn: four digits, the letter Q, and 1-4. -#}
{% test matches_quarter_label(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not ({{ dbt.length(column_name) }} = 6
           and {{ sme_warehouse.is_all_digits('substring(' ~ column_name ~ ', 1, 4)') }}
           and substring({{ column_name }}, 5, 1) = 'Q'
           and substring({{ column_name }}, 6, 1) in ('1', '2', '3', '4'))
{% endtest %}
