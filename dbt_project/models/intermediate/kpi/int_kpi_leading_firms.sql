{#- Firm-level rows behind the leading-firm KPIs, one row per KPI, region, quarter and firm.
    leading_firms (stock): a designation at the leading stage (ref_growth_stages.is_leading_stage) on the 주축
    track, programme region among the 14 non-capital regions, in force at quarter end (int_firm_stage_history).
    superregional_leading_firms (stock): the same on the 초광역 track.
    representative_smes: the firms of either rule in the region and quarter, each firm once.
    leading_firms_cumulative: 주축 leading-stage designations in the 14 regions dated from its counts_from in
    ref_kpi_definitions (the plan announcement, 2023-04-06) to quarter end, whether still in force or not. A firm in force in two regions (two agencies on
    one day) is a row in each; the national figure counts it once. source_file / source_row: the designation
    behind the row (the first delivered, when several designations put the firm in the same row). -#}
with leading_designations as (
    select history.*
    from {{ ref('int_firm_stage_history') }} as history
    inner join {{ ref('ref_growth_stages') }} as stages on stages.stage_code = history.stage
    inner join {{ ref('ref_programme_regions') }} as regions on regions.region_code = history.programme_region_code
    where stages.is_leading_stage and regions.is_non_capital_14
),

stock as (
    select
        case leading_designations.industry_type when '주축' then 'leading_firms'
                                                when '초광역' then 'superregional_leading_firms' end as kpi_code,
        quarters.quarter,
        leading_designations.brn,
        leading_designations.programme_region_code as region_code,
        leading_designations.source_file,
        leading_designations.source_row
    from {{ ref('int_quarters') }} as quarters
    inner join leading_designations
        on leading_designations.valid_from <= quarters.quarter_end
       and (leading_designations.valid_to is null or leading_designations.valid_to > quarters.quarter_end)
    where leading_designations.industry_type in ('주축', '초광역')
),

cumulative as (
    select
        'leading_firms_cumulative' as kpi_code,
        quarters.quarter,
        leading_designations.brn,
        leading_designations.programme_region_code as region_code,
        leading_designations.source_file,
        leading_designations.source_row
    from {{ ref('int_quarters') }} as quarters
    inner join {{ ref('ref_kpi_definitions') }} as definitions on definitions.kpi_code = 'leading_firms_cumulative'
    inner join leading_designations
        on leading_designations.designated_on <= quarters.quarter_end
       and leading_designations.designated_on >= definitions.counts_from
    where leading_designations.industry_type = '주축'
),

counted as (
    select * from stock
    union all
    select 'representative_smes', quarter, brn, region_code, source_file, source_row from stock
    union all
    select * from cumulative
),

ranked as (
    select
        counted.*,
        row_number() over (partition by kpi_code, region_code, quarter, brn
                           order by source_file, source_row) as evidence_order
    from counted
)

select kpi_code, region_code, quarter, brn, source_file, source_row
from ranked
where evidence_order = 1
