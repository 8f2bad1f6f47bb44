{#- Normalised firm or workplace name used by the workplace linkage:
    legal-form tokens removed ((주), 주식회사, ㈜ and their kin), all spaces stripped, casefolded.
    The token list is the single definition of the rule; unit tests in models/intermediate cover it. -#}
{% macro legal_form_tokens() -%}
    {{ return([
        '(주)', '（주）', '㈜', '주식회사', '(유)', '（유）', '유한회사', '유한책임회사',
        '(합)', '합자회사', '합명회사', '(재)', '재단법인', '(사)', '사단법인',
        '농업회사법인', '영농조합법인', '(농)', 'co.,ltd.', 'co.,ltd', 'co.ltd.', 'co.ltd', 'ltd.', 'inc.', 'corp.'
    ]) }}
{%- endmacro %}

{% macro normalise_firm_name(expression) -%}
    {#- casefold and strip spaces first, so tokens written with inner spaces ("( 주 )", "Co., Ltd.") match -#}
    {%- set state = namespace(text="lower(" ~ expression ~ ")") -%}
    {%- for blank in [' ', '　'] -%}
        {%- set state.text = "replace(" ~ state.text ~ ", '" ~ blank ~ "', '')" -%}
    {%- endfor -%}
    {%- for token in legal_form_tokens() -%}
        {%- set state.text = "replace(" ~ state.text ~ ", '" ~ token ~ "', '')" -%}
    {%- endfor -%}
    {{ state.text }}
{%- endmacro %}
