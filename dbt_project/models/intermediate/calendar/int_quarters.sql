{#- Quarter spine from the first to the last quarter with data in any feed (designations, funding, NPS months).
    reference_month: the latest NPS month on or before the quarter's last month, the month whose headcount
    stands for "at quarter end" (null before the first NPS month). -#}
with bounds as (
    select min(first_day) as first_day, max(last_day) as last_day
    from (
        select min(designated_on) as first_day, max(designated_on) as last_day from {{ ref('stg_firms__designations') }}
        union all
        select min(paid_on), max(paid_on) from {{ ref('stg_funding__events') }}
        union all
        select min(data_month), max(data_month) from {{ ref('int_workplace_months') }}
    ) as feeds
),

digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

offsets as (
    select hundreds.d * 100 + tens.d * 10 + ones.d as quarter_offset
    from digits as hundreds cross join digits as tens cross join digits as ones
),

spine as (
    select {{ sme_warehouse.add_months(sme_warehouse.quarter_start('bounds.first_day'), 'offsets.quarter_offset * 3') }}
        as quarter_start
    from bounds
    cross join offsets
    where bounds.first_day is not null
),

quarters as (
    select
        spine.quarter_start,
        cast({{ dbt.dateadd('day', -1, sme_warehouse.add_months('spine.quarter_start', 3)) }} as date) as quarter_end,
        {{ sme_warehouse.add_months('spine.quarter_start', 2) }} as last_month
    from spine
    cross join bounds
    where spine.quarter_start <= bounds.last_day
),

months as (
    select distinct data_month from {{ ref('int_workplace_months') }}
)

select
    {{ sme_warehouse.quarter_label('quarters.quarter_start') }} as quarter,
    quarters.quarter_start,
    quarters.quarter_end,
    cast(extract(year from quarters.quarter_start) as int) as year,
    cast(extract(quarter from quarters.quarter_start) as int) as quarter_of_year,
    max(months.data_month) as reference_month
from quarters
left join months on months.data_month <= quarters.last_month
group by quarters.quarter_start, quarters.quarter_end, quarters.last_month
