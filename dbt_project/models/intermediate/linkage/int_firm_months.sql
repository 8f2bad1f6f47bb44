{#- Monthly NPS observations of matched programme firms: the firm's linked workplace, month by month. -#}
select
    links.brn,
    months.data_month,
    months.workplace_key,
    months.programme_region_code,
    months.industry_division,
    months.size_band,
    months.subscribers,
    months.source_file,
    months.source_row
from {{ ref('int_firm_workplace_links') }} as links
inner join {{ ref('int_workplace_months') }} as months on months.workplace_key = links.workplace_key
where links.match_status = 'matched'
