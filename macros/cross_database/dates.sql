{#- Dates are ISO-8601 (YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS) everywhere downstream of
    staging. Raw feeds also send DD/MM/YYYY; day_month_year_to_iso rewrites that form, in SQL any
    warehouse runs, before the engine-specific cast. -#}

{% macro day_month_year_to_iso(expression) -%}
    case
        when {{ expression }} like '__/__/____%'
            then
                substr({{ expression }}, 7, 4) || '-' || substr({{ expression }}, 4, 2) || '-'
                || substr({{ expression }}, 1, 2) || substr({{ expression }}, 11)
        else {{ expression }}
    end
{%- endmacro %}


{#- The column type for dates: SQLite has none and keeps ISO-8601 text. -#}
{% macro type_date() -%}
    {{ return(adapter.dispatch('type_date', 'segments')()) }}
{%- endmacro %}

{% macro default__type_date() -%}
    date
{%- endmacro %}

{% macro sqlite__type_date() -%}
    text
{%- endmacro %}


{% macro to_iso_date(expression) -%}
    {{ return(adapter.dispatch('to_iso_date', 'segments')(expression)) }}
{%- endmacro %}

{#- Unparseable text gives NULL everywhere (the not_null tests then name it), never an error. -#}
{% macro default__to_iso_date(expression) -%}
    {{ try_cast_to(day_month_year_to_iso(expression), 'date') }}
{%- endmacro %}

{#- SQLite stores dates as TEXT; date() normalises to YYYY-MM-DD and yields NULL for anything
    unparseable, which the not_null tests then catch. Never cast(x as date): it gives a number;
    cast to text instead, so the column is declared as text. -#}
{% macro sqlite__to_iso_date(expression) -%}
    cast(date({{ day_month_year_to_iso(expression) }}) as text)
{%- endmacro %}


{% macro to_iso_timestamp(expression) -%}
    {{ return(adapter.dispatch('to_iso_timestamp', 'segments')(expression)) }}
{%- endmacro %}

{% macro default__to_iso_timestamp(expression) -%}
    {{ try_cast_to(day_month_year_to_iso(expression), 'timestamp') }}
{%- endmacro %}


{#- A cast of text to `type_name` (date or timestamp) that gives NULL instead of failing. -#}
{% macro try_cast_to(expression, type_name) -%}
    {{ return(adapter.dispatch('try_cast_to', 'segments')(expression, type_name)) }}
{%- endmacro %}

{#- DuckDB, Spark 3.2+, Snowflake, SQL Server. -#}
{% macro default__try_cast_to(expression, type_name) -%}
    try_cast({{ expression }} as {{ type_name }})
{%- endmacro %}

{#- PostgreSQL has no try_cast: the function that create_warehouse_functions makes at the start of
    every run catches the error. -#}
{% macro postgres__try_cast_to(expression, type_name) -%}
    {{ target.schema }}.try_cast_{{ type_name }}(cast({{ expression }} as text))
{%- endmacro %}

{% macro sqlite__to_iso_timestamp(expression) -%}
    cast(datetime({{ day_month_year_to_iso(expression) }}) as text)
{%- endmacro %}


{#- Whole days from start_date to end_date (positive when end_date is later). dbt-sqlite's own
    datediff is unimplemented. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'segments')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}

{% macro sqlite__days_between(start_date, end_date) -%}
    cast(julianday({{ end_date }}) - julianday({{ start_date }}) as integer)
{%- endmacro %}


{#- The first day of the date's month, as a date. -#}
{% macro month_start(date_expression) -%}
    {{ return(adapter.dispatch('month_start', 'segments')(date_expression)) }}
{%- endmacro %}

{% macro default__month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{% macro sqlite__month_start(date_expression) -%}
    cast(date({{ date_expression }}, 'start of month') as text)
{%- endmacro %}


{#- The calendar month, 1 to 12. -#}
{% macro month_of_year(date_expression) -%}
    {{ return(adapter.dispatch('month_of_year', 'segments')(date_expression)) }}
{%- endmacro %}

{% macro default__month_of_year(date_expression) -%}
    cast(extract(month from {{ date_expression }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro sqlite__month_of_year(date_expression) -%}
    cast(strftime('%m', {{ date_expression }}) as integer)
{%- endmacro %}


{#- The first day of the date's calendar quarter (1 Jan, 1 Apr, 1 Jul, 1 Oct). -#}
{% macro quarter_start(date_expression) -%}
    {{ return(adapter.dispatch('quarter_start', 'segments')(date_expression)) }}
{%- endmacro %}

{% macro default__quarter_start(date_expression) -%}
    cast({{ dbt.date_trunc('quarter', date_expression) }} as date)
{%- endmacro %}

{% macro sqlite__quarter_start(date_expression) -%}
    cast(date(
        {{ date_expression }}, 'start of month',
        '-' || ((cast(strftime('%m', {{ date_expression }}) as integer) - 1) % 3) || ' months'
    ) as text)
{%- endmacro %}


{#- The date moved by a whole number of months (negative moves back). -#}
{% macro add_months(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months', 'segments')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, date_expression) }} as date)
{%- endmacro %}

{% macro sqlite__add_months(date_expression, months) -%}
    cast(date({{ date_expression }}, '{{ months }} months') as text)
{%- endmacro %}


{#- The date moved by a whole number of days (negative moves back). -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days', 'segments')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{% macro sqlite__add_days(date_expression, days) -%}
    cast(date({{ date_expression }}, '{{ days }} days') as text)
{%- endmacro %}


{#- Completed years from birth_date to on_date (an age). -#}
{% macro age_in_years(birth_date, on_date) -%}
    {{ return(adapter.dispatch('age_in_years', 'segments')(birth_date, on_date)) }}
{%- endmacro %}

{% macro default__age_in_years(birth_date, on_date) -%}
    cast(
        extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
        as {{ dbt.type_bigint() }}
    )
{%- endmacro %}

{% macro sqlite__age_in_years(birth_date, on_date) -%}
    (
        cast(strftime('%Y', {{ on_date }}) as integer) - cast(strftime('%Y', {{ birth_date }}) as integer)
        - (strftime('%m-%d', {{ on_date }}) < strftime('%m-%d', {{ birth_date }}))
    )
{%- endmacro %}
