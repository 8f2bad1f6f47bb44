{#- The monthly employment models are incremental by data_month; this file owns which months a dbt invocation
    (re)builds and tests.

    incremental_month_config(): for models whose rows of a month come from that month's rows alone. On DuckDB the
    materialization incremental_by_month (macros/incremental_by_month.sql) rewrites the months a few at a time,
    by delete and insert; on Spark, insert_overwrite of data_month partitions. Either way a run rewrites whole
    months and nothing else. A changed definition rebuilds every month (below); on DuckDB the columns follow it
    too, on Spark a changed column list needs --full-refresh.

    record_months_to_build() (on-run-start) writes the months this invocation builds, with their raw row counts,
    into staging.dbt_months_to_build, once, before any model runs:
      - the vars min_month / max_month ('YYYY-MM-DD') when given: every raw month in that range;
      - all raw months when an incremental model does not exist yet, on --full-refresh, when the definition of
        the incremental models or of anything they read (their SQL, the seeds and models upstream of them, the
        macros these call) differs from what the last successful build recorded in staging.dbt_incremental_state,
        and for `dbt test` on its own (a person testing expects every month);
      - otherwise every month holding a raw row loaded after the oldest of the incremental models' newest loads
        (a month delivered or re-delivered since the last build, or one a failed build left behind).
    record_incremental_state() (on-run-end) stores that definition once every incremental model has built.

    months_to_build(): the models' WHERE condition: in an incremental_by_month model, the months of the batch
    being built (`dbt compile` and `dbt show`, which build nothing, get every month); otherwise on an incremental
    run (or with the vars), the recorded months; on a full build, all.
    A data test on a monthly model reads only the recorded months when its config says
    `where: "data_month in __months_to_build__"` (see get_where_subquery): months outside were not rewritten, so
    they still pass. A full build or `dbt test` records every month, so nothing goes untested. -#}
{% macro incremental_month_config() -%}
    {{ return({
        'materialized': 'incremental' if target.type == 'spark' else 'incremental_by_month',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else none,
        'partition_by': ['data_month'] if target.type == 'spark' else none,
        'on_schema_change': 'fail' if target.type == 'spark' else 'sync_all_columns'
    }) }}
{%- endmacro %}

{% macro bookkeeping_relation(identifier) -%}
    {{ return(api.Relation.create(database=(none if target.type == 'spark' else target.database),
                                  schema='staging', identifier=identifier)) }}
{%- endmacro %}

{#- The incremental models (dbt's materialization or incremental_by_month), and a checksum of their definition:
    their own SQL and that of every model and seed upstream of them, as dbt parsed it, the macros those call (and
    the macros these call in turn), and the project's materialization that writes them. A rule held in a macro
    (a legal-form token of the workplace key, a size band) changes the rows of every month just as a model's SQL
    does. -#}
{% macro incremental_models() -%}
    {{ return(graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
              | selectattr('config.materialized', 'in', ['incremental', 'incremental_by_month']) | list) }}
{%- endmacro %}

{% macro incremental_definition_checksum() -%}
    {%- set seen = {} -%}
    {%- set pending = sme_warehouse.incremental_models() | map(attribute='unique_id') | list -%}
    {#- the project's materialization is walked like the macros the nodes call, so the helpers it calls count too -#}
    {%- set macros = ['macro.' ~ project_name ~ '.materialization_incremental_by_month_' ~ adapter.type()] -%}
    {#- a breadth-first walk up depends_on; Jinja has no while, so the list grows as it is iterated -#}
    {%- for unique_id in pending -%}
        {%- if unique_id not in seen and unique_id in graph.nodes -%}
            {%- set node = graph.nodes[unique_id] -%}
            {%- do seen.update({unique_id: node.checksum.checksum}) -%}
            {%- do pending.extend(node.depends_on.nodes) -%}
            {%- do macros.extend(node.depends_on.macros) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for unique_id in macros -%}
        {%- set macro = sme_warehouse.parsed_macro(unique_id) -%}
        {%- if unique_id not in seen and macro is not none -%}
            {%- do seen.update({unique_id: local_md5(macro.macro_sql)}) -%}
            {%- do macros.extend(macro.depends_on.macros) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for unique_id in seen | sort -%}
        {%- do parts.append(unique_id ~ '=' ~ seen[unique_id]) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join(';'))) }}
{%- endmacro %}

{#- The parsed macro behind a macro's unique_id ('macro.<package>.<name>'), or none when the package's macros are
    not in this context (an adapter's own, say). -#}
{% macro parsed_macro(unique_id) -%}
    {%- set parts = unique_id.split('.') -%}
    {%- set package_macros = context.get(parts[1]) -%}
    {%- set generator = package_macros.get(parts[2]) if package_macros is mapping else none -%}
    {{ return(generator.macro if generator is not none else none) }}
{%- endmacro %}

{% macro scalar(sql) -%}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0] if result and result.rows | length > 0 else none) }}
{%- endmacro %}

{% macro record_months_to_build() %}
    {%- if not execute or flags.WHICH not in ('build', 'run', 'test') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set raw_employment = source('raw', 'employment') -%}
    {%- set months = sme_warehouse.bookkeeping_relation('dbt_months_to_build') -%}
    {%- set state = sme_warehouse.bookkeeping_relation('dbt_incremental_state') -%}
    {%- set min_month = var('min_month', '') -%}
    {%- set max_month = var('max_month', '') -%}
    {%- set condition = '1 = 1' -%}
    {%- if min_month or max_month -%}
        {%- set condition -%}
            data_month >= {{ sme_warehouse.date_literal(min_month or '0001-01-01') }}
            and data_month <= {{ sme_warehouse.date_literal(max_month or '9999-12-31') }}
        {%- endset -%}
    {%- elif flags.WHICH != 'test' and not flags.FULL_REFRESH -%}
        {%- set state_relation = adapter.get_relation(state.database, state.schema, state.identifier) -%}
        {%- set recorded = sme_warehouse.scalar('select max(definition_checksum) from ' ~ state)
                           if state_relation is not none else none -%}
        {%- set newest_loads = [] -%}
        {%- for node in sme_warehouse.incremental_models() -%}
            {%- set built = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- do newest_loads.append(none if built is none else
                "select coalesce(max(loaded_at), cast('1900-01-01' as timestamp)) as newest_load from " ~ built) -%}
        {%- endfor -%}
        {%- if recorded == sme_warehouse.incremental_definition_checksum() and none not in newest_loads -%}
            {%- set condition -%}
                loaded_at > (select min(newest_load) from ({{ newest_loads | join(' union all ') }}) as loads)
            {%- endset -%}
        {%- endif -%}
    {%- endif -%}
    {% do adapter.create_schema(months) %}
    {% do adapter.execute('drop table if exists ' ~ months, fetch=False) %}
    {% do adapter.execute('create table ' ~ months ~ (' using parquet' if target.type == 'spark' else '')
                          ~ ' as select data_month, count(*) as raw_rows from ' ~ raw_employment
                          ~ ' where ' ~ condition ~ ' group by data_month', fetch=False) %}
    {{ return('') }}
{% endmacro %}

{% macro record_incremental_state(results) %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set incremental_ids = sme_warehouse.incremental_models() | map(attribute='unique_id') | list -%}
    {%- set built = results | selectattr('node.unique_id', 'in', incremental_ids)
                            | selectattr('status', 'equalto', 'success') | list -%}
    {%- set state = sme_warehouse.bookkeeping_relation('dbt_incremental_state') -%}
    {#- only a build of every incremental model over the months the definition calls for vouches for it -#}
    {%- if built | length == incremental_ids | length and not (var('min_month', '') or var('max_month', '')) -%}
        {% do adapter.execute('drop table if exists ' ~ state, fetch=False) %}
        {% do adapter.execute('create table ' ~ state ~ (' using parquet' if target.type == 'spark' else '')
                              ~ " as select '" ~ sme_warehouse.incremental_definition_checksum()
                              ~ "' as definition_checksum", fetch=False) %}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro months_to_build(month_column='data_month') -%}
    {%- if config.get('materialized') == 'incremental_by_month' and flags.WHICH not in ('compile', 'show') -%}
        {{ month_column }} in (select data_month from {{ sme_warehouse.month_batch_relation(this) }})
    {%- elif is_incremental() or var('min_month', '') or var('max_month', '') -%}
        {{ month_column }} in (select data_month from {{ sme_warehouse.bookkeeping_relation('dbt_months_to_build') }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- True when no month this invocation builds is at or before the newest `month_column` stored in `relation`:
    the build only appends to the history (or builds nothing). False when it rebuilds an older month. -#}
{% macro only_new_months_built(relation, month_column) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(sme_warehouse.scalar(
        "select not exists (select 1 from " ~ sme_warehouse.bookkeeping_relation('dbt_months_to_build')
        ~ " where data_month <= (select max(" ~ month_column ~ ") from " ~ relation ~ "))")) }}
{%- endmacro %}

{#- Tests wrap the model they read in get_where_subquery (dbt's documented hook for custom `where` logic).
    Here the placeholder __months_to_build__ in a test's `where` becomes the months this invocation built. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set months -%}
            (select data_month from {{ sme_warehouse.bookkeeping_relation('dbt_months_to_build') }})
        {%- endset -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where | replace('__months_to_build__', months)
                  ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- Headcount size band used by the matched comparison (NPS subscribers). -#}
{% macro size_band(subscribers) -%}
    case
        when {{ subscribers }} < 10 then '01_under_10'
        when {{ subscribers }} < 50 then '02_10_to_49'
        when {{ subscribers }} < 100 then '03_50_to_99'
        when {{ subscribers }} < 300 then '04_100_to_299'
        else '05_300_plus'
    end
{%- endmacro %}
