{#- The model (optionally filtered by `condition`, a SQL condition) has exactly `expected` rows. -#}
{% test row_count_equals(model, expected, condition=none) %}
select count(*) as actual_rows
from {{ model }}
{% if condition %}where {{ condition }}{% endif %}
having count(*) <> {{ expected }}
{% endtest %}
