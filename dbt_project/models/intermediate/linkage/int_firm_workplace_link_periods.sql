{#- The dated periods of every matched link: one row per matched programme firm and key of its workplace, valid
    from the key's first month to its last (a workplace that moved or was renamed has one period per key). -#}
select
    links.brn,
    links.workplace_key as workplace_id,
    chains.workplace_key,
    chains.valid_from,
    chains.valid_to
from {{ ref('int_firm_workplace_links') }} as links
inner join {{ ref('int_workplace_chains') }} as chains on chains.workplace_id = links.workplace_key
where links.match_status = 'matched'
