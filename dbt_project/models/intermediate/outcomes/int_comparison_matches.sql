{#- Matched comparison workplaces of every firm-programme participation with a baseline observation, by two
    matching methods:
      matched_history  exact cells on programme region, NPS industry division, size band, workplace type and
                       baseline month, and on the employment-history bands at -12 and -24 months (the accepted
                       design; programme firms are chosen for growth, so cells without history invite selection bias);
      naive            the same cells without the history bands, kept only to show that bias.
    The pool: stable workplaces (int_workplace_id_months) enrolled in the baseline month, minus every workplace
    that fits any funded business-number prefix (any key of it sharing the 6-digit prefix of a firm with net
    funding, designated or not), minus workplaces that entered the file through the 2025-07 coverage extension
    when the participation's window straddles it, and keys shared by several workplaces. -#}
with funded_prefixes as (
    select distinct substring(brn, 1, 6) as brn_prefix
    from {{ ref('int_firm_program_funding') }}
    where is_supported
),

funded_workplaces as (
    select distinct chains.workplace_id
    from {{ ref('int_workplaces') }} as keys
    inner join funded_prefixes on funded_prefixes.brn_prefix = keys.brn_prefix
    inner join {{ ref('int_workplace_chains') }} as chains on chains.workplace_key = keys.workplace_key
),

participations as (
    select *
    from {{ ref('int_program_participation') }}
    where baseline_headcount is not null
),

pool as (
    select months.*
    from {{ ref('int_workplace_id_months') }} as months
    left join funded_workplaces on funded_workplaces.workplace_id = months.workplace_id
    where funded_workplaces.workplace_id is null
      and months.data_month in (select baseline_month from participations)
      and months.enrolment_status = 1
      and months.workplaces_sharing_key = 1
),

{#- the headcounts the history bands read: 12 and 24 months before each baseline month -#}
history as (
    select workplace_id, data_month, subscribers
    from {{ ref('int_workplace_id_months') }}
    where data_month in (
        select {{ sme_warehouse.add_months('baseline_month', -12) }} from participations
        union
        select {{ sme_warehouse.add_months('baseline_month', -24) }} from participations
    )
),

cells as (
    select
        participations.brn,
        participations.program_code,
        participations.baseline_month,
        participations.history_band_m12,
        participations.history_band_m24,
        baseline.workplace_id as comparison_workplace_id,
        baseline.subscribers as baseline_headcount,
        {{ sme_warehouse.history_band('m_minus12.subscribers', 'baseline.subscribers') }} as comparison_band_m12,
        {{ sme_warehouse.history_band('m_minus24.subscribers', 'baseline.subscribers') }} as comparison_band_m24
    from participations
    inner join pool as baseline
        on baseline.data_month = participations.baseline_month
       and baseline.programme_region_code = participations.region_code
       and baseline.industry_division = participations.industry_division
       and baseline.size_band = participations.size_band
       and baseline.workplace_type = participations.workplace_type
       and not (baseline.entered_by_coverage_extension and participations.window_straddles_coverage_extension)
    left join history as m_minus12
        on m_minus12.workplace_id = baseline.workplace_id
       and m_minus12.data_month = {{ sme_warehouse.add_months('participations.baseline_month', -12) }}
    left join history as m_minus24
        on m_minus24.workplace_id = baseline.workplace_id
       and m_minus24.data_month = {{ sme_warehouse.add_months('participations.baseline_month', -24) }}
)

select brn, program_code, 'matched_history' as matching, comparison_workplace_id, baseline_month, baseline_headcount
from cells
where comparison_band_m12 = history_band_m12 and comparison_band_m24 = history_band_m24

union all

select brn, program_code, 'naive' as matching, comparison_workplace_id, baseline_month, baseline_headcount
from cells
