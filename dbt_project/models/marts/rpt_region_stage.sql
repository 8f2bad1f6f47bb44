{#- The report's heat map of designated firms: marts.fct_region_stage with the labels and orders it is drawn in
    (regions in their conventional order, stages in growth order with the labels of ref_growth_stages). -#}
select
    stages.region_code,
    stages.stage,
    stages.quarter,
    {{ dbt.concat(['regions.short_name_ko', "' '", 'regions.name_en']) }} as region_label,
    regions.display_order as region_order,
    {{ dbt.concat(['growth_stages.name_ko', "' '", 'growth_stages.name_en']) }} as stage_label,
    cast(growth_stages.stage_rank as int) as stage_order,
    stages.designated_firms,
    stages.new_designations,
    stages.promotions_in,
    stages.withdrawals,
    stages.headcount,
    stages.net_jobs_since_designation
from {{ ref('fct_region_stage') }} as stages
inner join {{ ref('dim_region') }} as regions on regions.region_code = stages.region_code
inner join {{ ref('ref_growth_stages') }} as growth_stages on growth_stages.stage_code = stages.stage
