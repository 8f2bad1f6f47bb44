{#- Every (programme firm, NPS workplace) pair sharing the 6-digit brn prefix, with the linkage verdict.
    Rule: a candidate fits when the normalised names are equal (legal-form tokens such as (주), 주식회사, ㈜
    removed, spaces stripped, casefolded; macro normalise_firm_name) and the programme regions are equal. -#}
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
        workplace_key,
        brn_prefix,
        programme_region_code,
        {{ sme_warehouse.normalise_firm_name('workplace_name') }} as normalised_name
    from {{ ref('int_workplaces') }}
),

compared as (
    select
        firms.brn,
        workplaces.workplace_key,
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
