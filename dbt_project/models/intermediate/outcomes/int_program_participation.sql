{#- One row per supported firm and programme: entry (first effective payment), the baseline month (the month
    before the first payment month) and the firm's NPS headcount at baseline and 6, 12 and 24 months later,
    with the matching cells (region, industry division, size band) observed at baseline. -#}
with supported as (
    select brn, program_code, net_funding_krw, first_paid_on, last_paid_on
    from {{ ref('int_firm_program_funding') }}
    where is_supported
),

entries as (
    select
        supported.*,
        {{ sme_warehouse.add_months(sme_warehouse.month_start('supported.first_paid_on'), -1) }} as baseline_month
    from supported
),

stages as (
    select
        entries.brn,
        entries.program_code,
        max(case when history.valid_from <= entries.first_paid_on
                  and (history.valid_to is null or history.valid_to > entries.first_paid_on)
                 then history.stage end) as stage_at_entry,
        max(case when history.is_promotion and history.valid_from > entries.first_paid_on then 1 else 0 end)
            as promoted_flag,
        max(history.programme_region_code) as designation_region_code
    from entries
    left join {{ ref('int_firm_stage_history') }} as history on history.brn = entries.brn
    group by entries.brn, entries.program_code
)

select
    entries.brn,
    entries.program_code,
    coalesce(baseline.programme_region_code, stages.designation_region_code) as region_code,
    stages.stage_at_entry,
    case when stages.promoted_flag = 1 then true else false end as promoted_after_entry,
    entries.first_paid_on,
    entries.last_paid_on,
    entries.net_funding_krw,
    entries.baseline_month,
    baseline.workplace_key,
    baseline.industry_division,
    baseline.size_band,
    baseline.subscribers as baseline_headcount,
    m6.subscribers as headcount_m6,
    m12.subscribers as headcount_m12,
    m24.subscribers as headcount_m24
from entries
inner join stages on stages.brn = entries.brn and stages.program_code = entries.program_code
left join {{ ref('int_firm_months') }} as baseline
    on baseline.brn = entries.brn and baseline.data_month = entries.baseline_month
left join {{ ref('int_firm_months') }} as m6
    on m6.brn = entries.brn and m6.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 6) }}
left join {{ ref('int_firm_months') }} as m12
    on m12.brn = entries.brn and m12.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 12) }}
left join {{ ref('int_firm_months') }} as m24
    on m24.brn = entries.brn and m24.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 24) }}
