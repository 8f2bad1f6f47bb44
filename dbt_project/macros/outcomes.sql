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

{#- Event months of the event study, relative to the baseline month: leads from -12, horizons to +24. -#}
{% macro event_months_relation() -%}
    {%- for event_month in range(-12, 25) if event_month != 0 %}
    select {{ event_month }} as event_month{% if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The event month's own bit (-12..-1 -> bits 0..11, 1..24 -> bits 12..35): a participation's measured event months fit
    in one BIGINT, so the workplaces behind each event month are counted without fanning out to every month. -#}
{% macro event_month_bit(event_month) -%}
    cast(power(2, case when {{ event_month }} < 0 then {{ event_month }} + 12 else {{ event_month }} + 11 end) as bigint)
{%- endmacro %}

{#- The two-sided 95 % normal critical value used for every confidence interval. -#}
{% macro z_95() -%}
    1.959963984540054
{%- endmacro %}
