{#- Programme outcomes per supported firm and programme, published from intermediate int_program_outcomes
    (which owns the difference in differences, so the KPI entities can read it without depending on a mart). -#}
select
    brn,
    program_code,
    region_code,
    stage_at_entry,
    first_paid_on,
    last_paid_on,
    net_funding_krw,
    baseline_month,
    baseline_headcount,
    headcount_m6,
    headcount_m12,
    headcount_m24,
    comparison_group_size,
    comparison_change_m12,
    did_m12,
    window_straddles_coverage_extension,
    promoted_after_entry,
    counts_toward_gp300_success
from {{ ref('int_program_outcomes') }}
