{#- NPS workplace-month rows, typed, exact duplicates removed: the loader marks a row repeating an earlier row of
    its file field for field (copy_of_row, ingestion/parsers.py) and the first one stays, with its lineage. The
    programme region is added downstream (intermediate/employment/int_workplace_rows_bridged), and the
    workplace_key in int_workplace_months.
    A view: as a table it stored every employment row a second time (about 50 s of a 60-month build) to drop a
    handful of copies a month, which the loader finds from a hash its reader takes of each row as it reads it.
    Its readers filter by month, and the filter reaches the raw table's scan. -#}
{{ config(materialized='view') }}

select
    data_month,
    brn_prefix,
    trim(workplace_name) as workplace_name,
    enrolment_status,
    postcode,
    legal_dong_code,
    region_code,
    region_code_as_delivered,
    sigungu_code,
    workplace_type,
    industry_code,
    substring(industry_code, 1, 2) as industry_division,
    industry_name,
    covered_from,
    withdrawn_on,
    subscribers,
    billed_krw,
    new_subscribers,
    lost_subscribers,
    source_file,
    source_row,
    source_sha256,
    load_batch_id,
    loaded_at
from {{ source('raw', 'employment') }}
where copy_of_row is null
