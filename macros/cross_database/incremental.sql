{#- Incremental refresh (docs/loading-and-refresh.md, "Incremental refresh"). Orders only ever grow:
    new ones arrive with higher ids and later dates, with their lines and feedback, and rows already
    loaded never change. So the order-level models add the orders newer than the newest they hold,
    and the customer aggregates recompute only the customers with new orders (and customers they
    have not seen). -#}


{#- The materialization of each incremental model, per engine, set in its config() (dbt_project.yml
    cannot call macros). Orders only grow, so the models of orders, their lines and customer totals
    are incremental wherever they are tables: `dbt build` adds the new orders and recomputes the
    customers who have them, `dbt build --full-refresh` rebuilds. -#}

{#- Staging and intermediate (stg_orders, stg_order_items, stg_customer_feedback, int_order_lines,
    int_customer_order_totals): incremental on SQLite, where those folders are tables
    (dbt_project.yml, `table_on_sqlite`); elsewhere a view, like the rest of the folder. -#}
{% macro incremental_where_tables() -%}
    {{ return('incremental' if target.type == 'sqlite' else 'view') }}
{%- endmacro %}

{#- A mart (customer_segments): published_incremental (macros/publication/), except on Spark, which
    has no transactions and so no published marts (dbt_project.yml): a plain incremental table. -#}
{% macro published_incremental_where_supported() -%}
    {{ return('incremental' if target.type == 'spark' else 'published_incremental') }}
{%- endmacro %}


{#- The incremental_strategy of every incremental model, per engine. -#}
{% macro segments_incremental_strategy() -%}
    {{ return(adapter.dispatch('segments_incremental_strategy', 'segments')()) }}
{%- endmacro %}

{#- Delete the rows whose unique_key is in the new batch, then insert the batch: DuckDB and
    PostgreSQL (every version; merge would need PostgreSQL 15). dbt-sqlite ignores
    incremental_strategy and does exactly this when the model has a unique_key, a plain insert
    when it has none. -#}
{% macro default__segments_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{#- Spark stores Parquet here, so no strategy can replace single rows: merge needs Delta, Iceberg or
    Hudi, append ignores unique_key (a refreshed customer would appear twice), and insert_overwrite
    replaces whole partitions, which for these unpartitioned tables is the whole table. So on Spark
    an incremental run selects every row (incremental_changes_only() is false) and overwrites the
    table with them in place: the same rows as a full build, at the cost of one. -#}
{% macro spark__segments_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}


{#- True when the model should select only what changed: an incremental run (dbt's is_incremental:
    the table exists, the model is incremental, no --full-refresh; or the same for a mart
    materialized published_incremental, macros/publication/) whose strategy keeps the rows it
    is not given. False on a full build; on Spark, where insert_overwrite keeps nothing; in `dbt
    show`, which then shows the model's rows rather than the few an incremental run would change
    (none, on a warehouse that is up to date); and in a unit test without a `this` input (dbt's
    is_incremental would fail there), so unit tests run the full build unless they override this
    macro and give `this`. -#}
{% macro incremental_changes_only() -%}
    {{ return(this is not none
              and flags.WHICH != 'show'
              and (is_incremental() or published_incremental_run())
              and segments_incremental_strategy() != 'insert_overwrite') }}
{%- endmacro %}


{#- A condition for an incremental run: `column` is newer than the newest `watermark_column`
    (default: the same name) already in this model's table ({{ this }}); with inclusive, at least as
    new. Every row passes while the table is empty, so a first build without rows is not stuck. -#}
{% macro after_watermark(column, watermark_column=none, inclusive=false) -%}
    ({{ column }} {{ '>=' if inclusive else '>' }}
        (select max({{ watermark_column or column }}) from {{ this }})
        or not exists (select 1 from {{ this }}))
{%- endmacro %}
