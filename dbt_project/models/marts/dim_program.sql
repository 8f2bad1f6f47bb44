{#- Support programmes of the funding feed. -#}
select program_code, name_ko, name_en, is_official_name
from {{ ref('ref_programs') }}
