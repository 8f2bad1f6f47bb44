{#- Calendar quarters covered by the data, with the NPS month that stands for each quarter's end. -#}
select quarter, quarter_start, quarter_end, year, quarter_of_year, reference_month
from {{ ref('int_quarters') }}
