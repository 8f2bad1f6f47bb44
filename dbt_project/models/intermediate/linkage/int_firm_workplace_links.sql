{#- One row per programme firm: the NPS workplace it is linked to, or why none is.
    matched   exactly one workplace fits the firm and that workplace fits no other programme firm;
    ambiguous several workplaces fit the firm, or its only fitting workplace also fits another firm (never guessed);
    unmatched no workplace fits. Match rate = share of rows with match_status = 'matched'. -#}
with fits_per_workplace as (
    select workplace_key, count(*) as fitting_firms
    from {{ ref('int_workplace_link_candidates') }}
    where candidate_status = 'fit'
    group by workplace_key
),

per_firm as (
    select
        candidates.brn,
        count(*) as candidate_workplaces,
        sum(case when candidates.candidate_status = 'fit' then 1 else 0 end) as fitting_workplaces,
        max(case when candidates.candidate_status = 'fit' then candidates.workplace_key end) as fitting_workplace_key,
        max(case when candidates.candidate_status = 'fit' then fits_per_workplace.fitting_firms else 0 end)
            as max_firms_per_fitting_workplace,
        max(case when candidates.name_matches then 1 else 0 end) as any_name_match,
        max(case when candidates.region_matches then 1 else 0 end) as any_region_match
    from {{ ref('int_workplace_link_candidates') }} as candidates
    left join fits_per_workplace on fits_per_workplace.workplace_key = candidates.workplace_key
    group by candidates.brn
)

select
    firms.brn,
    firms.programme_region_code as region_code,
    cast(case
        when per_firm.fitting_workplaces = 1 and per_firm.max_firms_per_fitting_workplace = 1 then 'matched'
        when per_firm.fitting_workplaces >= 1 then 'ambiguous'
        else 'unmatched'
    end as {{ dbt.type_string() }}) as match_status,
    cast(case
        when per_firm.brn is null then 'no NPS workplace with the same 6-digit brn prefix'
        when per_firm.fitting_workplaces = 1 and per_firm.max_firms_per_fitting_workplace = 1
            then 'one workplace with equal brn prefix, normalised name and region'
        when per_firm.fitting_workplaces > 1 then 'several workplaces fit the firm'
        when per_firm.fitting_workplaces = 1 then 'the fitting workplace also fits another programme firm'
        when per_firm.any_name_match = 1 then 'name fits a workplace in another region only'
        when per_firm.any_region_match = 1 then 'workplaces with the brn prefix in the region have other names'
        else 'workplaces with the brn prefix differ in name and region'
    end as {{ dbt.type_string() }}) as match_reason,
    case
        when per_firm.fitting_workplaces = 1 and per_firm.max_firms_per_fitting_workplace = 1
            then per_firm.fitting_workplace_key
    end as workplace_key,
    cast(coalesce(per_firm.candidate_workplaces, 0) as bigint) as candidate_workplaces,
    cast(coalesce(per_firm.fitting_workplaces, 0) as bigint) as fitting_workplaces
from {{ ref('int_programme_firms') }} as firms
left join per_firm on per_firm.brn = firms.brn
