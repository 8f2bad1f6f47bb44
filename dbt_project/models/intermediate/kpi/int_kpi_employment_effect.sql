{#- Firm-level rows behind employment_effect_did: each supported firm's first participation (earliest first
    payment, then programme code) once its +12 month is on or before the quarter's reference month; value = the
    firm's difference in differences at +12 months of the event study (int_program_effect_firms, method
    matched_history, sample all_firms: a firm that left the file counts as zero headcount). Their mean over all
    regions in the latest quarter is the ALL estimate at +12 months of marts.fct_program_effects. -#}
with first_participation as (
    select brn, program_code from {{ ref('int_program_participation') }} where is_first_participation
),

effects as (
    select firms.*
    from {{ ref('int_program_effect_firms') }} as firms
    inner join first_participation
        on first_participation.brn = firms.brn
       and first_participation.program_code = firms.program_code
    where firms.matching = 'matched_history' and firms.sample = 'all_firms' and firms.event_month = 12
)

select
    'employment_effect_did' as kpi_code,
    effects.region_code,
    quarters.quarter,
    effects.brn,
    effects.program_code,
    effects.baseline_month,
    {{ sme_warehouse.add_months('effects.baseline_month', 12) }} as month_12,
    effects.difference as did_m12
from effects
inner join {{ ref('int_quarters') }} as quarters
    on quarters.reference_month >= {{ sme_warehouse.add_months('effects.baseline_month', 12) }}
