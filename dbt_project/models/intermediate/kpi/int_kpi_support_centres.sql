{#- Regions with a support centre open at quarter end (opened on or before it, not closed by it), per centre
    type: crisis_centre_regions and structural_centre_regions. Centres without a region are not counted. -#}
with open_centres as (
    select
        case centres.centre_type when 'crisis' then 'crisis_centre_regions'
                                 when 'structural' then 'structural_centre_regions' end as kpi_code,
        centres.region_code,
        quarters.quarter,
        centres.centre_id
    from {{ ref('ref_support_centres') }} as centres
    cross join {{ ref('int_quarters') }} as quarters
    where centres.region_code is not null
      and centres.opened_on <= quarters.quarter_end
      and (centres.closed_on is null or centres.closed_on > quarters.quarter_end)
)

select kpi_code, region_code, quarter, min(centre_id) as centre_id, count(*) as open_centres
from open_centres
group by kpi_code, region_code, quarter
