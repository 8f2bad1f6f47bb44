{#- Two rows of the administrative-code bridge for the same code (and 시군구 prefix) never overlap in time,
    so every (code, date) resolves to at most one programme region. -#}
{% test bridge_validity_does_not_overlap(model) %}
select a.bridge_id, b.bridge_id as overlapping_bridge_id
from {{ model }} as a
inner join {{ model }} as b
    on a.admin_code = b.admin_code
   and coalesce(a.sigungu_prefix, '') = coalesce(b.sigungu_prefix, '')
   and a.bridge_id < b.bridge_id
   and a.valid_from <= coalesce(b.valid_to, {{ sme_warehouse.date_literal('9999-12-31') }})
   and b.valid_from <= coalesce(a.valid_to, {{ sme_warehouse.date_literal('9999-12-31') }})
{% endtest %}
