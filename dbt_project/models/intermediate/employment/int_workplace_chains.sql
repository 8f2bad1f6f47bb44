{#- Stable workplace identity: every workplace key with the workplace_id of the chain it belongs to, and the
    months the key is valid for (valid_from / valid_to, its first and last month in the file).

    A key's successor is the key that takes over the next month when a workplace moves to another programme region
    or is renamed (its normalised name changes): the old key's last month is enrolled and directly precedes the
    new key's first month, and both share the brn prefix, the workplace type and the NPS industry code and differ
    in exactly one of region and normalised name, and neither is shared by several workplaces. An edge is kept only when it is the single one on both sides
    (never guessed). workplace_id is the first key of the chain, found by following predecessors up to
    max_chain_hops times (Spark has no recursive CTE); a chain longer than that starts a new identity.
    entered_by_coverage_extension marks the keys of a workplace that entered the file through the 2025-07 coverage
    extension: an individual workplace (type 2) somewhere in its chain, whose chain starts on or after var
    nps_individual_coverage_from; such workplaces have no history before the break. -#}
{%- set max_chain_hops = 6 %}

with keys as (
    select * from {{ ref('int_workplaces') }}
),

candidate_edges as (
    select
        predecessor.workplace_key as predecessor_key,
        successor.workplace_key as successor_key
    from keys as predecessor
    inner join keys as successor
        on successor.brn_prefix = predecessor.brn_prefix
       and successor.workplace_type = predecessor.workplace_type
       and successor.industry_code = predecessor.industry_code
       and successor.first_month = {{ sme_warehouse.add_months('predecessor.last_month', 1) }}
       and ((successor.normalised_name = predecessor.normalised_name)
            <> (successor.programme_region_code = predecessor.programme_region_code))
    where predecessor.last_enrolment_status = 1
      and predecessor.workplaces_sharing_key = 1
      and successor.workplaces_sharing_key = 1
),

edges as (
    select candidate_edges.predecessor_key, candidate_edges.successor_key
    from candidate_edges
    inner join (
        select predecessor_key from candidate_edges group by predecessor_key having count(*) = 1
    ) as single_successor on single_successor.predecessor_key = candidate_edges.predecessor_key
    inner join (
        select successor_key from candidate_edges group by successor_key having count(*) = 1
    ) as single_predecessor on single_predecessor.successor_key = candidate_edges.successor_key
),

hop_0 as (
    select workplace_key, workplace_key as root_key from keys
)
{%- for hop in range(1, max_chain_hops + 1) %},

hop_{{ hop }} as (
    select hop_{{ hop - 1 }}.workplace_key, coalesce(edges.predecessor_key, hop_{{ hop - 1 }}.root_key) as root_key
    from hop_{{ hop - 1 }}
    left join edges on edges.successor_key = hop_{{ hop - 1 }}.root_key
)
{%- endfor %},

chained as (
    select keys.*, hop_{{ max_chain_hops }}.root_key as workplace_id
    from keys
    inner join hop_{{ max_chain_hops }} on hop_{{ max_chain_hops }}.workplace_key = keys.workplace_key
),

workplaces as (
    select
        workplace_id,
        min(first_month) as first_month,
        max(case when ever_individual then 1 else 0 end) = 1 as ever_individual
    from chained
    group by workplace_id
)

select
    chained.workplace_key,
    chained.workplace_id,
    chained.first_month as valid_from,
    chained.last_month as valid_to,
    case when workplaces.ever_individual
              and workplaces.first_month >= {{ sme_warehouse.date_literal(var('nps_individual_coverage_from')) }}
         then true else false end as entered_by_coverage_extension
from chained
inner join workplaces on workplaces.workplace_id = chained.workplace_id
