{#- One row per programme firm: the stable NPS workplace (workplace_id of int_workplace_chains) it is linked to,
    or why none is. A workplace fits when one of its keys fits (int_workplace_link_candidates), so a firm whose
    workplace moved or was renamed still fits one workplace; a key shared by several workplaces counts as that
    many fitting workplaces.
    matched   exactly one workplace fits the firm and that workplace fits no other programme firm;
    ambiguous several workplaces fit the firm, or its only fitting workplace also fits another firm (never guessed);
    unmatched no workplace fits. Match rate = share of rows with match_status = 'matched'.
    The dated periods of a link (one per key of the workplace) are int_firm_workplace_link_periods. -#}
with fits as (
    select brn, workplace_id, max(coalesce(workplaces_sharing_key, 1)) as workplaces_behind
    from {{ ref('int_workplace_link_candidates') }}
    where candidate_status = 'fit'
    group by brn, workplace_id
),

fits_per_workplace as (
    select workplace_id, count(*) as fitting_firms
    from fits
    group by workplace_id
),

fits_per_firm as (
    select
        fits.brn,
        sum(fits.workplaces_behind) as fitting_workplaces,
        max(fits.workplace_id) as fitting_workplace_id,
        max(fits_per_workplace.fitting_firms) as max_firms_per_fitting_workplace
    from fits
    inner join fits_per_workplace on fits_per_workplace.workplace_id = fits.workplace_id
    group by fits.brn
),

per_firm as (
    select
        brn,
        count(distinct workplace_id) as candidate_workplaces,
        max(case when name_matches then 1 else 0 end) as any_name_match,
        max(case when region_matches then 1 else 0 end) as any_region_match
    from {{ ref('int_workplace_link_candidates') }}
    group by brn
),

verdicts as (
    select
        firms.brn,
        firms.programme_region_code as region_code,
        per_firm.brn is not null as has_candidates,
        coalesce(per_firm.candidate_workplaces, 0) as candidate_workplaces,
        coalesce(fits_per_firm.fitting_workplaces, 0) as fitting_workplaces,
        fits_per_firm.fitting_workplace_id,
        fits_per_firm.max_firms_per_fitting_workplace,
        per_firm.any_name_match,
        per_firm.any_region_match
    from {{ ref('int_programme_firms') }} as firms
    left join per_firm on per_firm.brn = firms.brn
    left join fits_per_firm on fits_per_firm.brn = firms.brn
)

select
    brn,
    region_code,
    cast(case
        when fitting_workplaces = 1 and max_firms_per_fitting_workplace = 1 then 'matched'
        when fitting_workplaces >= 1 then 'ambiguous'
        else 'unmatched'
    end as {{ dbt.type_string() }}) as match_status,
    cast(case
        when not has_candidates then 'no NPS workplace with the same 6-digit brn prefix'
        when fitting_workplaces = 1 and max_firms_per_fitting_workplace = 1
            then 'one workplace with equal brn prefix, normalised name and region'
        when fitting_workplaces > 1 then 'several workplaces fit the firm'
        when fitting_workplaces = 1 then 'the fitting workplace also fits another programme firm'
        when any_name_match = 1 then 'name fits a workplace in another region only'
        when any_region_match = 1 then 'workplaces with the brn prefix in the region have other names'
        else 'workplaces with the brn prefix differ in name and region'
    end as {{ dbt.type_string() }}) as match_reason,
    case
        when fitting_workplaces = 1 and max_firms_per_fitting_workplace = 1 then fitting_workplace_id
    end as workplace_key,
    cast(candidate_workplaces as bigint) as candidate_workplaces,
    cast(fitting_workplaces as bigint) as fitting_workplaces
from verdicts
