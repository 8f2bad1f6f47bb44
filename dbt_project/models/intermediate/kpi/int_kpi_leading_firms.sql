{#- Firm-level rows behind leading_firms, superregional_leading_firms and representative_smes.
    leading_firms: designation at stage 선도, 산업구분 주축, programme region among the 14 non-capital regions,
    in force at quarter end. superregional_leading_firms: stage 선도 and 산업구분 초광역, in force at quarter end.
    representative_smes: the union of the two (a firm counts once). -#}
with in_force as (
    select
        quarters.quarter,
        history.brn,
        history.programme_region_code as region_code,
        history.industry_type,
        regions.is_non_capital_14,
        history.source_file,
        history.source_row
    from {{ ref('int_quarters') }} as quarters
    inner join {{ ref('int_firm_stage_history') }} as history
        on history.valid_from <= quarters.quarter_end
       and (history.valid_to is null or history.valid_to > quarters.quarter_end)
    inner join {{ ref('ref_programme_regions') }} as regions
        on regions.region_code = history.programme_region_code
    where history.stage = '선도'
),

classified as (
    select
        case when industry_type = '주축' and is_non_capital_14 then 'leading_firms'
             when industry_type = '초광역' then 'superregional_leading_firms'
        end as kpi_code,
        in_force.*
    from in_force
)

select kpi_code, region_code, quarter, brn, source_file, source_row
from classified
where kpi_code is not null
union all
select 'representative_smes' as kpi_code, region_code, quarter, brn, source_file, source_row
from classified
where kpi_code is not null
