{#- One row per stable workplace (workplace_id, see int_workplace_chains) and month: the headcount series that
    runs on across moves and renames, with the matching fields of that month, and whether the workplace entered
    the file through the 2025-07 coverage extension (an individual workplace, type 2, first seen on or after
    var nps_individual_coverage_from): such workplaces have no history before the break. -#}
with months as (
    select chains.workplace_id, workplace_months.*
    from {{ ref('int_workplace_months') }} as workplace_months
    inner join {{ ref('int_workplace_chains') }} as chains on chains.workplace_key = workplace_months.workplace_key
),

identities as (
    select workplace_id, min(data_month) as first_month, max(workplace_type) as workplace_type
    from months
    group by workplace_id
)

select
    months.workplace_id,
    months.data_month,
    months.workplace_key,
    months.brn_prefix,
    months.programme_region_code,
    months.industry_division,
    months.workplace_type,
    months.size_band,
    months.enrolment_status,
    months.workplaces_sharing_key,
    months.subscribers,
    case when identities.workplace_type = 2
              and identities.first_month >= {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
         then true else false end as entered_by_coverage_extension,
    months.source_file,
    months.source_row
from months
inner join identities on identities.workplace_id = months.workplace_id
