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

{#- each workplace a unit follows, once per baseline month (a comparison workplace serves many participations),
    with its headcount at each event month under both samples: null where the sample does not measure it -#}
followed as (
    select distinct workplace_id, baseline_month from units
),

followed_months as (
    select months.workplace_id, months.data_month, months.enrolment_status, months.subscribers
    from {{ ref('int_workplace_id_months') }} as months
    inner join (select distinct workplace_id from followed) as workplaces
        on workplaces.workplace_id = months.workplace_id
),

series as (
    select
        followed.workplace_id,
        followed.baseline_month,
        event_months.event_month,
        case when months.enrolment_status = 1 then months.subscribers end as survivors_headcount,
        case
            when months.workplace_id is not null
                then case when months.enrolment_status = 1 then months.subscribers else 0 end
            when event_months.event_month > 0
                 and {{ sme_warehouse.add_months('followed.baseline_month', 'event_months.event_month') }}
                     <= loaded.last_month
                then 0
        end as all_firms_headcount
    from followed
    cross join event_months
    cross join loaded
    left join followed_months as months
        on months.workplace_id = followed.workplace_id
       and months.data_month = {{ sme_warehouse.add_months('followed.baseline_month', 'event_months.event_month') }}
),

{#- each unit's change from its baseline, both samples side by side, so the comparison workplaces are averaged
    in one pass and not once per sample -#}
changes as (
    select
        units.brn,
        units.program_code,
        units.matching,
        series.event_month,
        cast(series.all_firms_headcount - units.baseline_headcount as double) as all_firms_change,
        cast(series.survivors_headcount - units.baseline_headcount as double) as survivors_change
    from units
    inner join series
        on series.workplace_id = units.workplace_id
       and series.baseline_month = units.baseline_month
),

treated as (
    select brn, program_code, 'all_firms' as sample, event_month, all_firms_change as treated_change
    from changes
    where matching is null and all_firms_change is not null
    union all
    select brn, program_code, 'survivors' as sample, event_month, survivors_change as treated_change
    from changes
    where matching is null and survivors_change is not null
),

comparison_samples as (
    select
        brn, program_code, matching, event_month,
        count(all_firms_change) as all_firms_workplaces,
        avg(all_firms_change) as all_firms_change,
        count(survivors_change) as survivors_workplaces,
        avg(survivors_change) as survivors_change
    from changes
    where matching is not null
    group by brn, program_code, matching, event_month
),

comparison as (
    select brn, program_code, matching, 'all_firms' as sample, event_month,
           all_firms_workplaces as comparison_workplaces, all_firms_change as comparison_change
    from comparison_samples
    where all_firms_workplaces > 0
    union all
    select brn, program_code, matching, 'survivors' as sample, event_month,
           survivors_workplaces as comparison_workplaces, survivors_change as comparison_change
    from comparison_samples
    where survivors_workplaces > 0
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
