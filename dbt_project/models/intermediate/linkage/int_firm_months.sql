{#- Monthly NPS observations of matched programme firms: the linked workplace's series month by month, across
    every key of its chain (int_workplace_id_months). -#}
select
    links.brn,
    months.data_month,
    months.workplace_id,
    months.workplace_key,
    months.programme_region_code,
    months.industry_division,
    months.workplace_type,
    months.size_band,
    months.enrolment_status,
    months.subscribers,
    months.source_file,
    months.source_row
from {{ ref('int_firm_workplace_links') }} as links
inner join {{ ref('int_workplace_id_months') }} as months on months.workplace_id = links.workplace_key
where links.match_status = 'matched'
