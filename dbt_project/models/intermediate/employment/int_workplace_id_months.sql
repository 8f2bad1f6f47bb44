{#- One row per stable workplace (workplace_id, see int_workplace_chains) and month: the headcount series that
    runs on across moves and renames, with the matching fields of that month, and whether the workplace entered
    the file through the 2025-07 coverage extension (an individual workplace, type 2, first seen on or after
    var nps_individual_coverage_from): such workplaces have no history before the break.
    A view: the months are int_workplace_months (incremental) and the identity comes from the small key tables,
    so a new month or a chain that changes never rewrites the whole history. -#}
{{ config(materialized='view') }}

with identities as (
    select
        chains.workplace_id,
        min(keys.first_month) as first_month,
        max(case when keys.ever_individual then 1 else 0 end) = 1 as ever_individual
    from {{ ref('int_workplace_chains') }} as chains
    inner join {{ ref('int_workplaces') }} as keys on keys.workplace_key = chains.workplace_key
    group by chains.workplace_id
)

select
    chains.workplace_id,
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
    case when identities.ever_individual
              and identities.first_month >= {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
         then true else false end as entered_by_coverage_extension,
    months.source_file,
    months.source_row
from {{ ref('int_workplace_months') }} as months
inner join {{ ref('int_workplace_chains') }} as chains on chains.workplace_key = months.workplace_key
inner join identities on identities.workplace_id = chains.workplace_id
