{#- Firm-level differences of the event study: one row per participation (brn x programme), matching method,
    sample and event month (-12..+24 around the baseline month, 0 excluded) where both sides are measured:
      treated_change     the firm's headcount at baseline + event_month minus at baseline;
      comparison_change  the mean of the same change over its matched comparison workplaces;
      difference         treated_change - comparison_change (the firm's difference in differences, in jobs).
    Samples: all_firms counts a workplace that has left the file (withdrawn, or absent from a month that was
    loaded) as zero headcount after baseline; survivors uses only workplaces enrolled in that month. A month not
    yet loaded, or a lead month in which the workplace was not in the file, is not measured (no row).
    int_program_effects turns these rows into estimates with firm-clustered standard errors. -#}
with loaded as (
    select max(data_month) as last_month from {{ ref('int_workplace_id_months') }}
),

event_months as (
    {{ sme_warehouse.event_months_relation() }}
),

samples as (
    select 'all_firms' as sample union all select 'survivors' as sample
),

participations as (
    select brn, program_code, region_code, first_paid_on, baseline_month, workplace_id, baseline_headcount
    from {{ ref('int_program_participation') }}
    where baseline_headcount is not null
),

units as (
    select brn, program_code, cast(null as {{ dbt.type_string() }}) as matching, workplace_id, baseline_month,
           baseline_headcount
    from participations
    union all
    select brn, program_code, matching, comparison_workplace_id, baseline_month, baseline_headcount
    from {{ ref('int_comparison_matches') }}
),

{#- the months of the workplaces the units follow, looked up once per unit and event month for both samples -#}
unit_months as (
    select months.workplace_id, months.data_month, months.enrolment_status, months.subscribers
    from {{ ref('int_workplace_id_months') }} as months
    inner join (select distinct workplace_id from units) as followed
        on followed.workplace_id = months.workplace_id
),

measured as (
    select
        units.brn,
        units.program_code,
        units.matching,
        units.baseline_headcount,
        event_months.event_month,
        months.workplace_id is not null as in_file,
        case when months.enrolment_status = 1 then months.subscribers end as enrolled_headcount,
        case when months.enrolment_status = 1 then months.subscribers else 0 end as file_headcount,
        event_months.event_month > 0
            and {{ sme_warehouse.add_months('units.baseline_month', 'event_months.event_month') }} <= loaded.last_month
            as loaded_after_event
    from units
    cross join event_months
    cross join loaded
    left join unit_months as months
        on months.workplace_id = units.workplace_id
       and months.data_month = {{ sme_warehouse.add_months('units.baseline_month', 'event_months.event_month') }}
),

observed as (
    select
        measured.brn,
        measured.program_code,
        measured.matching,
        measured.baseline_headcount,
        measured.event_month,
        samples.sample,
        case
            when samples.sample = 'survivors' then measured.enrolled_headcount
            when measured.in_file then measured.file_headcount
            when measured.loaded_after_event then 0
        end as headcount
    from measured
    cross join samples
),

treated as (
    select brn, program_code, sample, event_month, cast(headcount - baseline_headcount as double) as treated_change
    from observed
    where matching is null and headcount is not null
),

comparison as (
    select
        brn, program_code, matching, sample, event_month,
        count(*) as comparison_workplaces,
        avg(cast(headcount - baseline_headcount as double)) as comparison_change
    from observed
    where matching is not null and headcount is not null
    group by brn, program_code, matching, sample, event_month
)

select
    participations.brn,
    participations.program_code,
    comparison.matching,
    comparison.sample,
    comparison.event_month,
    participations.region_code,
    participations.first_paid_on,
    participations.baseline_month,
    cast(participations.baseline_headcount as double) as baseline_headcount,
    treated.treated_change,
    cast(comparison.comparison_workplaces as bigint) as comparison_workplaces,
    comparison.comparison_change,
    treated.treated_change - comparison.comparison_change as difference
from participations
inner join treated
    on treated.brn = participations.brn
   and treated.program_code = participations.program_code
inner join comparison
    on comparison.brn = participations.brn
   and comparison.program_code = participations.program_code
   and comparison.sample = treated.sample
   and comparison.event_month = treated.event_month
