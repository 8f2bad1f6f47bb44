{#- Effective-dated stage history of every firm (not a dbt snapshot, which Spark cannot run here).
    A designation is in force from designated_on until the earlier of its withdrawal and the firm's next
    designation (valid_to is exclusive; null = still in force). A firm's stage on date d is the row with
    valid_from <= d < valid_to. is_promotion marks a designation at a higher stage than the firm's previous one. -#}
with ordered as (
    select
        designations.*,
        lead(designated_on) over (partition by brn order by designated_on, stage_rank) as next_designated_on,
        lag(stage) over (partition by brn order by designated_on, stage_rank) as previous_stage,
        lag(stage_rank) over (partition by brn order by designated_on, stage_rank) as previous_stage_rank
    from {{ ref('int_firm_designations_bridged') }} as designations
)

select
    brn,
    stage,
    stage_rank,
    designated_on as valid_from,
    least(withdrawn_on, next_designated_on) as valid_to,
    designated_on,
    withdrawn_on,
    previous_stage,
    case when previous_stage_rank is not null and stage_rank > previous_stage_rank then true else false end
        as is_promotion,
    firm_name,
    programme_region_code,
    industry_code,
    industry_type,
    key_industry,
    source_file,
    source_row
from ordered
