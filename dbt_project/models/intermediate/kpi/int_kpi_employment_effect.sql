{#- Firm-level rows behind employment_effect_did: each supported firm's first participation (earliest first
    payment, then programme code) once its +12 month is on or before the quarter's reference month and it has a
    matched comparison group; value = did_m12 of int_program_outcomes. -#}
with first_participation as (
    select *
    from (
        select
            outcomes.*,
            row_number() over (partition by brn order by first_paid_on, program_code) as participation_order
        from {{ ref('int_program_outcomes') }} as outcomes
    ) as ordered
    where participation_order = 1
)

select
    'employment_effect_did' as kpi_code,
    first_participation.region_code,
    quarters.quarter,
    first_participation.brn,
    first_participation.program_code,
    first_participation.baseline_month,
    {{ sme_warehouse.add_months('first_participation.baseline_month', 12) }} as month_12,
    first_participation.did_m12
from first_participation
inner join {{ ref('int_quarters') }} as quarters
    on quarters.reference_month >= {{ sme_warehouse.add_months('first_participation.baseline_month', 12) }}
where first_participation.comparison_group_size > 0
  and first_participation.did_m12 is not null
