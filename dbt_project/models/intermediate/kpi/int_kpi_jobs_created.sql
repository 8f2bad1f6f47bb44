{#- Firm-level rows behind jobs_created: supported firms (any programme, net funding above zero) whose first
    effective payment is on or before quarter end; value = headcount in the quarter's reference month minus
    headcount in the month before the first payment month. Firms without both observations are left out. -#}
with first_payments as (
    select brn, min(first_paid_on) as first_paid_on
    from {{ ref('int_firm_program_funding') }}
    where is_supported
    group by brn
)

select
    'jobs_created' as kpi_code,
    firms.programme_region_code as region_code,
    quarters.quarter,
    first_payments.brn,
    {{ sme_warehouse.add_months(sme_warehouse.month_start('first_payments.first_paid_on'), -1) }} as baseline_month,
    quarters.reference_month,
    cast(reference.subscribers - baseline.subscribers as double) as net_jobs
from first_payments
inner join {{ ref('int_programme_firms') }} as firms on firms.brn = first_payments.brn
inner join {{ ref('int_quarters') }} as quarters on quarters.quarter_end >= first_payments.first_paid_on
inner join {{ ref('int_firm_months') }} as baseline
    on baseline.brn = first_payments.brn
   and baseline.data_month = {{ sme_warehouse.add_months(sme_warehouse.month_start('first_payments.first_paid_on'), -1) }}
inner join {{ ref('int_firm_months') }} as reference
    on reference.brn = first_payments.brn
   and reference.data_month = quarters.reference_month
