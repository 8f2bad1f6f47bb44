{#- In a linkage table, workplace_key is set exactly on matched rows. -#}
{% test workplace_key_set_only_when_matched(model) %}
select *
from {{ model }}
where (match_status = 'matched' and workplace_key is null)
   or (match_status <> 'matched' and workplace_key is not null)
{% endtest %}
