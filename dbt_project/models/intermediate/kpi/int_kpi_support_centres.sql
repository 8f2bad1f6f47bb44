{#- Regions with a support centre open at quarter end (opened on or before it, not closed by it), per centre
    type: crisis_centre_regions and structural_centre_regions. One row per KPI, quarter and region; a centre the
    reference places in no region (a provisional seed row) is a row of its own with a null region_code and its
    centre_id as entity_id, so that the national count keeps it while no regional row can claim it.
    is_provisional: the row rests on a seed row marked provisional. -#}
with open_centres as (
    select
        case centres.centre_type when 'crisis' then 'crisis_centre_regions'
                                 when 'structural' then 'structural_centre_regions' end as kpi_code,
        centres.region_code,
        coalesce(centres.region_code, centres.centre_id) as entity_id,
        quarters.quarter,
        centres.centre_id,
        centres.is_provisional
    from {{ ref('ref_support_centres') }} as centres
    cross join {{ ref('int_quarters') }} as quarters
    where centres.opened_on <= quarters.quarter_end
      and (centres.closed_on is null or centres.closed_on > quarters.quarter_end)
)

select
    kpi_code,
    region_code,
    entity_id,
    quarter,
    min(centre_id) as centre_id,
    count(*) as open_centres,
    max(case when is_provisional then 1 else 0 end) = 1 as is_provisional
from open_centres
group by kpi_code, region_code, entity_id, quarter
