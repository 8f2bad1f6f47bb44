{#- Every row delivered under a code the bridge splits by sigungu_prefix (12, the reported 광주+전남 merger) has a
    programme region. The loader quarantines a split-code row the bridge cannot place (ingestion/parsers.py,
    ambiguous_region), reading the same seed, so a row failing here means the loader and the bridge disagree. -#}
{% test split_code_rows_have_region(model, column_name, delivered_code_column) %}
select *
from {{ model }}
where {{ column_name }} is null
  and {{ delivered_code_column }} in (
      select admin_code from {{ ref('ref_admin_region_bridge') }} where sigungu_prefix is not null)
{% endtest %}
