{#- The report's heat map of designated firms: marts.fct_region_stage with the labels and orders it is drawn in
    (regions in their conventional order, stages in growth order). -#}
select
    stages.region_code,
    stages.stage,
    stages.quarter,
    {{ dbt.concat(['regions.short_name_ko', "' '", 'regions.name_en']) }} as region_label,
    regions.display_order as region_order,
    case stages.stage
        when '잠재' then '잠재 Potential'
        when '예비' then '예비 Preliminary'
        when '선도' then '선도 Leading'
    end as stage_label,
    cast(case stages.stage when '잠재' then 1 when '예비' then 2 when '선도' then 3 end as int) as stage_order,
    stages.designated_firms,
    stages.new_designations,
    stages.promotions_in,
    stages.withdrawals,
    stages.headcount,
    stages.net_jobs_since_designation
from {{ ref('fct_region_stage') }} as stages
inner join {{ ref('dim_region') }} as regions on regions.region_code = stages.region_code
