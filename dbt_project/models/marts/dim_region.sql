{#- The 17 programme regions of the 2023 plan (frozen frame). -#}
select
    region_code,
    name_ko,
    short_name_ko,
    name_en,
    is_capital_area,
    is_non_capital_14,
    display_order
from {{ ref('ref_programme_regions') }}
