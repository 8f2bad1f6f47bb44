{#- One row per programme firm: its NPS workplace link, published from intermediate int_firm_workplace_links
    (which owns the rule, so intermediate models can read the links without depending on a mart). -#}
select
    brn,
    region_code,
    match_status,
    match_reason,
    workplace_key,
    candidate_workplaces,
    fitting_workplaces
from {{ ref('int_firm_workplace_links') }}
