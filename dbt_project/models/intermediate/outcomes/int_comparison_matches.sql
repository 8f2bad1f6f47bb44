{#- Matched comparison group of every firm-programme participation with a baseline observation: NPS workplaces
    never linked to a supported firm (no 'fit' candidate of a supported programme firm, so ambiguous ones are
    excluded too) with exactly the same programme region, industry division and size band in the same baseline
    month. Carries each comparison workplace's headcount at baseline and +6, +12, +24 months. -#}
with supported_workplaces as (
    select distinct candidates.workplace_key
    from {{ ref('int_workplace_link_candidates') }} as candidates
    inner join {{ ref('int_programme_firms') }} as firms on firms.brn = candidates.brn
    where candidates.candidate_status = 'fit' and firms.is_supported
),

pool as (
    select months.*
    from {{ ref('int_workplace_months') }} as months
    left join supported_workplaces on supported_workplaces.workplace_key = months.workplace_key
    where supported_workplaces.workplace_key is null
),

participations as (
    select brn, program_code, baseline_month, region_code, industry_division, size_band
    from {{ ref('int_program_participation') }}
    where baseline_headcount is not null
)

select
    participations.brn,
    participations.program_code,
    baseline.workplace_key as comparison_workplace_key,
    participations.baseline_month,
    baseline.subscribers as baseline_headcount,
    m6.subscribers as headcount_m6,
    m12.subscribers as headcount_m12,
    m24.subscribers as headcount_m24
from participations
inner join pool as baseline
    on baseline.data_month = participations.baseline_month
   and baseline.programme_region_code = participations.region_code
   and baseline.industry_division = participations.industry_division
   and baseline.size_band = participations.size_band
left join pool as m6
    on m6.workplace_key = baseline.workplace_key
   and m6.data_month = {{ sme_warehouse.add_months('participations.baseline_month', 6) }}
left join pool as m12
    on m12.workplace_key = baseline.workplace_key
   and m12.data_month = {{ sme_warehouse.add_months('participations.baseline_month', 12) }}
left join pool as m24
    on m24.workplace_key = baseline.workplace_key
   and m24.data_month = {{ sme_warehouse.add_months('participations.baseline_month', 24) }}
