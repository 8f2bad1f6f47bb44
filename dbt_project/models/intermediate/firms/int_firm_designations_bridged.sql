{#- Firm designations (one row per brn, stage, designated_on) with their programme region: the firm's 2-digit
    region code mapped through the dated bridge ref_admin_region_bridge on the designation date (42 -> 51,
    45 -> 52). The firms feed names no 시군구, so only bridge rows without a sigungu_prefix apply, and a row under
    a code the bridge splits by prefix (12) is quarantined by the loader as ambiguous_region; null when the
    bridge has no row for the code on that date (a reference-data gap, which the gate's blocking check
    kpi_entities_have_region names). stage_rank: the stage's rank in ref_growth_stages. -#}
select
    designations.brn,
    designations.firm_name,
    designations.region_code,
    designations.region_as_delivered,
    bridge.programme_region_code,
    designations.industry_code,
    designations.industry_division,
    designations.key_industry,
    designations.industry_type,
    designations.stage,
    stages.stage_rank,
    designations.designated_on,
    designations.withdrawn_on,
    designations.source_file,
    designations.source_row,
    designations.source_sha256,
    designations.load_batch_id,
    designations.loaded_at
from {{ ref('stg_firms__designations') }} as designations
inner join {{ ref('ref_growth_stages') }} as stages on stages.stage_code = designations.stage
left join {{ ref('ref_admin_region_bridge') }} as bridge
    on bridge.admin_code = designations.region_code
   and bridge.sigungu_prefix is null
   and designations.designated_on >= bridge.valid_from
   and (bridge.valid_to is null or designations.designated_on <= bridge.valid_to)
