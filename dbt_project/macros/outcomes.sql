{#- Helpers of the programme-outcome evaluation (models/intermediate/outcomes). -#}

{#- Coarse employment-history band of a workplace: its headcount some months before baseline against its
    baseline headcount. 'grew' when baseline >= 1.25 x past, 'shrank' when baseline <= 0.8 x past, else 'steady';
    'absent' when the workplace is not in that month's file. Matched exactly at -12 and -24 months. -#}
{% macro history_band(past, baseline) -%}
    case
        when {{ past }} is null then 'absent'
        when {{ baseline }} >= 1.25 * {{ past }} then 'grew'
        when {{ baseline }} <= 0.8 * {{ past }} then 'shrank'
        else 'steady'
    end
{%- endmacro %}

{#- Event months of the event study, relative to the baseline month: leads from -12, horizons to +24. The one
    place they are listed: the relation below and each month's bit follow from this list. -#}
{% macro event_months() -%}
    {{ return(range(-12, 25) | reject('equalto', 0) | list) }}
{%- endmacro %}

{% macro event_months_relation() -%}
    {%- for event_month in sme_warehouse.event_months() %}
    select {{ event_month }} as event_month{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The event month's own bit, by its position in event_months() (-12 -> bit 0, ..., +24 -> bit 35): a
    participation's measured event months fit in one BIGINT, so the workplaces behind each event month are counted
    without fanning out to every month. -#}
{% macro event_month_bit(event_month) -%}
    {%- set months = sme_warehouse.event_months() -%}
    {%- if months | length > 63 -%}
        {{ exceptions.raise_compiler_error(months | length ~ " event months do not fit in the bits of one BIGINT") }}
    {%- endif -%}
    case {{ event_month }}
        {%- for month in months %} when {{ month }} then cast({{ 2 ** loop.index0 }} as bigint){% endfor %}
    end
{%- endmacro %}

{#- The two-sided 95 % normal critical value used for every confidence interval. -#}
{% macro z_95() -%}
    1.959963984540054
{%- endmacro %}
