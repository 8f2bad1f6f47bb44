{#- Firm-level rows behind jobs_created (the net change in NPS subscribers of supported firms), pooled over all
    programmes and per programme (one KPI per programme, jobs_created_<programme>, each named with its programme
    in ref_kpi_definitions.program_code), and the gross flows published next to the pooled figure,
    jobs_gross_created (신규취득자수) and jobs_gross_destroyed (상실가입자수).
    Support is judged as of each quarter end: a firm counts in a quarter when a payment dated on or before the
    quarter end still has a net amount above zero after the reversals dated on or before it, so a later reversal
    does not rewrite past quarters. baseline_month: the month before the earliest such payment's month, of any
    programme for the pooled figure and of the programme itself for a programme's figure, so a firm in two
    programmes counts in each programme from its own entry into it, and once in the pooled figure.
    net_jobs: headcount in the quarter's reference month minus headcount in the baseline month; a firm whose
    workplace is no longer in the file in the reference month (after being in it at baseline) counts its last
    headcount as lost (reference headcount 0). The gross flows sum the new and lost subscribers of the firm's
    workplace over the months after baseline up to the reference month. Firms not observed at baseline are left
    out. program_code: the programme of a per-programme row, null for the pooled rows. -#}
with payment_status as (
    select
        quarters.quarter,
        quarters.reference_month,
        payments.brn,
        payments.program_code,
        payments.paid_on,
        payments.amount_krw + coalesce(sum(reversals.amount_krw), 0) as net_at_quarter_end
    from {{ ref('int_quarters') }} as quarters
    inner join {{ ref('int_funding_payments') }} as payments on payments.paid_on <= quarters.quarter_end
    left join {{ ref('int_funding_events_netted') }} as reversals
        on reversals.reverses = payments.payment_event_id
       and reversals.is_reversal
       and reversals.paid_on <= quarters.quarter_end
    group by quarters.quarter, quarters.reference_month, payments.payment_event_id, payments.brn,
             payments.program_code, payments.paid_on, payments.amount_krw
),

pooled_entries as (
    select
        'jobs_created' as kpi_code,
        cast(null as {{ dbt.type_string() }}) as program_code,
        quarter,
        reference_month,
        brn,
        {{ sme_warehouse.add_months(sme_warehouse.month_start('min(paid_on)'), -1) }} as baseline_month
    from payment_status
    where net_at_quarter_end > 0
    group by quarter, reference_month, brn
),

programme_entries as (
    select
        definitions.kpi_code,
        payment_status.program_code,
        payment_status.quarter,
        payment_status.reference_month,
        payment_status.brn,
        {{ sme_warehouse.add_months(sme_warehouse.month_start('min(payment_status.paid_on)'), -1) }} as baseline_month
    from payment_status
    inner join {{ ref('ref_kpi_definitions') }} as definitions
        on definitions.program_code = payment_status.program_code
    where payment_status.net_at_quarter_end > 0
    group by definitions.kpi_code, payment_status.program_code, payment_status.quarter,
             payment_status.reference_month, payment_status.brn
),

entries as (
    select * from pooled_entries
    union all
    select * from programme_entries
),

flows as (
    select
        entries.quarter,
        entries.brn,
        sum(workplace_months.new_subscribers) as gross_created,
        sum(workplace_months.lost_subscribers) as gross_destroyed
    from pooled_entries as entries
    inner join {{ ref('int_firm_months') }} as months
        on months.brn = entries.brn
       and months.data_month > entries.baseline_month
       and months.data_month <= entries.reference_month
    inner join {{ ref('int_workplace_months') }} as workplace_months
        on workplace_months.workplace_key = months.workplace_key
       and workplace_months.data_month = months.data_month
    group by entries.quarter, entries.brn
),

measured as (
    select
        entries.kpi_code,
        entries.program_code,
        entries.quarter,
        entries.brn,
        firms.programme_region_code as region_code,
        entries.baseline_month,
        entries.reference_month,
        cast(coalesce(reference.subscribers, 0) - baseline.subscribers as double) as net_jobs,
        reference.brn is null as left_the_file,
        cast(coalesce(flows.gross_created, 0) as double) as gross_created,
        cast(coalesce(flows.gross_destroyed, 0) as double) as gross_destroyed
    from entries
    inner join {{ ref('int_programme_firms') }} as firms on firms.brn = entries.brn
    inner join {{ ref('int_firm_months') }} as baseline
        on baseline.brn = entries.brn and baseline.data_month = entries.baseline_month
    left join {{ ref('int_firm_months') }} as reference
        on reference.brn = entries.brn and reference.data_month = entries.reference_month
    left join flows
        on flows.quarter = entries.quarter and flows.brn = entries.brn and entries.program_code is null
    where entries.reference_month is not null
)

select kpi_code, program_code, region_code, quarter, brn, baseline_month, reference_month, net_jobs as value,
       left_the_file
from measured
union all
select 'jobs_gross_created', program_code, region_code, quarter, brn, baseline_month, reference_month, gross_created,
       left_the_file
from measured
where program_code is null
union all
select 'jobs_gross_destroyed', program_code, region_code, quarter, brn, baseline_month, reference_month,
       gross_destroyed, left_the_file
from measured
where program_code is null
