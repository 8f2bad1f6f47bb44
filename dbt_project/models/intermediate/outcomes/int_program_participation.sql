{#- One row per supported firm and programme: entry (first effective payment), the baseline month (the month
    before the first payment month), the firm's NPS headcount at baseline and 6, 12 and 24 months later, and the
    matching cells observed at baseline: programme region, NPS industry division (first 2 digits of NPS's own
    industry code, not KSIC), size band, workplace type, and the employment-history bands at -12 and -24 months
    (macro history_band). window_straddles_coverage_extension flags a window (-24 to +24 months) that contains
    the 2025-07 NPS coverage extension (var nps_individual_coverage_from), the series break. -#}
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
    row_number() over (partition by entries.brn order by entries.first_paid_on, entries.program_code) = 1
        as is_first_participation,
    coalesce(baseline.programme_region_code, stages.designation_region_code) as region_code,
    stages.stage_at_entry,
    case when stages.promoted_flag = 1 then true else false end as promoted_after_entry,
    entries.first_paid_on,
    entries.last_paid_on,
    entries.net_funding_krw,
    entries.baseline_month,
    baseline.workplace_id,
    baseline.industry_division,
    baseline.size_band,
    baseline.workplace_type,
    {{ sme_warehouse.history_band('m_minus12.subscribers', 'baseline.subscribers') }} as history_band_m12,
    {{ sme_warehouse.history_band('m_minus24.subscribers', 'baseline.subscribers') }} as history_band_m24,
    case when {{ sme_warehouse.add_months('entries.baseline_month', -24) }}
              < {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
          and {{ sme_warehouse.add_months('entries.baseline_month', 24) }}
              >= {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
         then true else false end as window_straddles_coverage_extension,
    baseline.subscribers as baseline_headcount,
    m6.subscribers as headcount_m6,
    m12.subscribers as headcount_m12,
    m24.subscribers as headcount_m24
from entries
inner join stages on stages.brn = entries.brn and stages.program_code = entries.program_code
left join {{ ref('int_firm_months') }} as baseline
    on baseline.brn = entries.brn and baseline.data_month = entries.baseline_month
   and baseline.enrolment_status = 1
left join {{ ref('int_firm_months') }} as m_minus12
    on m_minus12.brn = entries.brn
   and m_minus12.data_month = {{ sme_warehouse.add_months('entries.baseline_month', -12) }}
left join {{ ref('int_firm_months') }} as m_minus24
    on m_minus24.brn = entries.brn
   and m_minus24.data_month = {{ sme_warehouse.add_months('entries.baseline_month', -24) }}
left join {{ ref('int_firm_months') }} as m6
    on m6.brn = entries.brn and m6.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 6) }}
left join {{ ref('int_firm_months') }} as m12
    on m12.brn = entries.brn and m12.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 12) }}
left join {{ ref('int_firm_months') }} as m24
    on m24.brn = entries.brn and m24.data_month = {{ sme_warehouse.add_months('entries.baseline_month', 24) }}
