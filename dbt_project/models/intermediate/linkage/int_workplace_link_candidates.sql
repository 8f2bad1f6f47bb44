{#- Every (programme firm, NPS workplace) pair sharing the 6-digit brn prefix, with the linkage verdict.
    Rule: a candidate fits when the normalised names are equal (legal-form tokens such as (주), 주식회사, ㈜
    removed, spaces stripped, casefolded; macro normalise_firm_name) and the programme regions are equal.
    Each key carries its stable workplace_id (int_workplace_chains), so the keys of one moved or renamed
    workplace count as one workplace in int_firm_workplace_links; workplaces_sharing_key > 1 marks a key behind
    which several workplaces hide (counted as that many there). -#}
with firms as (
    select
        brn,
        substring(brn, 1, 6) as brn_prefix,
        programme_region_code,
        {{ sme_warehouse.normalise_firm_name('firm_name') }} as normalised_name
    from {{ ref('int_programme_firms') }}
),

workplaces as (
    select
        keys.workplace_key,
        chains.workplace_id,
        keys.brn_prefix,
        keys.programme_region_code,
        keys.normalised_name,
        keys.workplaces_sharing_key
    from {{ ref('int_workplaces') }} as keys
    inner join {{ ref('int_workplace_chains') }} as chains on chains.workplace_key = keys.workplace_key
),

compared as (
    select
        firms.brn,
        workplaces.workplace_key,
        workplaces.workplace_id,
        workplaces.workplaces_sharing_key,
        firms.normalised_name as firm_normalised_name,
        workplaces.normalised_name as workplace_normalised_name,
        firms.programme_region_code as firm_region_code,
        workplaces.programme_region_code as workplace_region_code,
        case when firms.normalised_name = workplaces.normalised_name then true else false end as name_matches,
        case when firms.programme_region_code = workplaces.programme_region_code then true else false end
            as region_matches
    from firms
    inner join workplaces on workplaces.brn_prefix = firms.brn_prefix
)

select
    brn,
    workplace_key,
    workplace_id,
    workplaces_sharing_key,
    firm_normalised_name,
    workplace_normalised_name,
    firm_region_code,
    workplace_region_code,
    name_matches,
    region_matches,
    case when name_matches and region_matches then 'fit' else 'rejected' end as candidate_status,
    case
        when name_matches and region_matches then 'brn prefix, normalised name and region equal'
        when name_matches then 'normalised name equal but region differs'
        when region_matches then 'region equal but normalised name differs'
        else 'normalised name and region differ'
    end as candidate_reason
from compared
