{#- Effective-dated designation history of every firm (not a dbt snapshot, which Spark cannot run here), one
    track per industry type (주축, 미래, 초광역). A designation is in force from designated_on until the earlier
    of its own withdrawal and the firm's next designation date on the same track (valid_to is exclusive; null =
    still in force): a later row on the same track (a promotion, a re-designation or a move) ends it, a row on
    another track leaves it in force, and a withdrawal ends only its own row. Rows of the same firm, track and
    date (two agencies delivering on the same day) are both in force. is_promotion marks a designation at a
    higher stage than the firm's previous one on the same track. -#}
with track_dates as (
    select distinct brn, industry_type, designated_on
    from {{ ref('int_firm_designations_bridged') }}
),

next_dates as (
    select
        brn,
        industry_type,
        designated_on,
        lead(designated_on) over (partition by brn, industry_type order by designated_on) as next_designated_on
    from track_dates
),

ordered as (
    select
        designations.*,
        next_dates.next_designated_on,
        lag(designations.stage) over (partition by designations.brn, designations.industry_type
                                      order by designations.designated_on, designations.stage_rank,
                                               designations.region_code) as previous_stage,
        lag(designations.stage_rank) over (partition by designations.brn, designations.industry_type
                                           order by designations.designated_on, designations.stage_rank,
                                                    designations.region_code) as previous_stage_rank
    from {{ ref('int_firm_designations_bridged') }} as designations
    inner join next_dates
        on next_dates.brn = designations.brn
       and next_dates.industry_type = designations.industry_type
       and next_dates.designated_on = designations.designated_on
)

select
    brn,
    industry_type,
    stage,
    stage_rank,
    region_code,
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
    key_industry,
    source_file,
    source_row
from ordered
