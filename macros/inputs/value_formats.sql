{#- The value formats of the input contract (models/staging/_shop__sources.yml, `meta.format`) as SQL
    over a raw column, for the `valid_values` test. They accept what segments/bulk_load/checks.py accepts,
    so a table loaded by `dbt seed`, by `python -m segments.bulk_load` or by any other means is held to the
    same forms:
    - integer: an optional sign and digits (not `1.9`, `6abc`, `abc`, `1e3`);
    - amount: a decimal number with at most the declared scale's decimals (two for
      decimal(12, 2)) and below 10^(precision - scale) in absolute value;
    - date: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (or with a T, and a fraction of a second), or
      DD/MM/YYYY (optionally with the time), a real calendar date (not `2024-02-30`) and never a
      bare number (SQLite would read it as a Julian day);
    - text: at most n characters for varchar(n);
    - json: valid JSON; with `meta.json_fields`, an object whose fields have their format.
    Each check is an expression true for a valid value; the caller treats NULL as not valid and
    never checks a NULL value (the not_null tests report the required ones). None raises an
    error on a bad value: a test that raised would name no value. -#}


{#- Precision, scale and length declared by a contract data_type: decimal(12, 2) gives
    {'digits': 10, 'scale': 2}, varchar(100) {'length': 100}; each absent when not declared. -#}
{% macro value_limits(data_type) -%}
    {%- set limits = {} -%}
    {%- set declared = (data_type or '') | lower -%}
    {%- set decimal = modules.re.search(
        '(decimal|numeric)\\s*\\(\\s*(\\d+)\\s*(,\\s*(\\d+)\\s*)?\\)', declared) -%}
    {%- if decimal -%}
        {%- set scale = (decimal.group(4) or 0) | int -%}
        {%- do limits.update({'digits': decimal.group(2) | int - scale, 'scale': scale}) -%}
    {%- endif -%}
    {%- set text = modules.re.search('char\\s*\\(\\s*(\\d+)\\s*\\)', declared) -%}
    {%- if text -%}
        {%- do limits.update({'length': text.group(1) | int}) -%}
    {%- endif -%}
    {{ return(limits) }}
{%- endmacro %}


{#- What a bad value of the format is not, for the test's rows and log line, e.g. `not an amount
    with at most 2 decimals, below 10^10 (decimal(12, 2))`. `spec` is a column's meta or one
    json_fields entry: `format`, and for numbers `min`/`max`. -#}
{% macro value_problem(spec, data_type=none) -%}
    {%- set column_format = spec.get('format') -%}
    {%- set limits = value_limits(data_type) -%}
    {%- set bounds = '' -%}
    {%- if spec.get('min') is not none and spec.get('max') is not none -%}
        {%- set bounds = ' from ' ~ spec.get('min') ~ ' to ' ~ spec.get('max') -%}
    {%- elif spec.get('min') is not none -%}
        {%- set bounds = ' of at least ' ~ spec.get('min') -%}
    {%- elif spec.get('max') is not none -%}
        {%- set bounds = ' of at most ' ~ spec.get('max') -%}
    {%- endif -%}
    {%- if column_format == 'integer' -%}
        {%- set problem = 'not an integer' ~ bounds -%}
    {%- elif column_format == 'number' -%}
        {%- set problem = 'not a number' ~ bounds -%}
    {%- elif column_format == 'amount' -%}
        {%- set problem = 'not an amount with at most ' ~ limits.get('scale', 2) ~ ' decimals' -%}
        {%- if 'digits' in limits -%}
            {%- set problem = problem ~ ', below 10^' ~ limits.digits ~ ' (' ~ data_type ~ ')' -%}
        {%- endif -%}
    {%- elif column_format == 'date' -%}
        {%- set problem = 'not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or DD/MM/YYYY)' -%}
    {%- elif column_format == 'text' and 'length' in limits -%}
        {%- set problem = 'longer than ' ~ limits.length ~ ' characters (' ~ data_type ~ ')' -%}
    {%- elif column_format == 'text' -%}
        {%- set problem = 'not text' -%}
    {%- elif column_format == 'object' -%}
        {%- set problem = 'not a JSON object' -%}
    {%- elif column_format == 'json' -%}
        {%- set problem = 'not a JSON object' if spec.get('json_fields') else 'not valid JSON' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("valid_values: unknown format " ~ column_format) }}
    {%- endif -%}
    {{ return(problem) }}
{%- endmacro %}


{#- The check of one raw column: {'valid': SQL true for a valid non-null value, 'shown': the value
    as text}. `stored_type` is the column's type in the warehouse (adapter.get_columns_in_relation),
    which tells a typed column (already a number or a date) from text to be read. -#}
{% macro value_check(expression, spec, data_type, stored_type) -%}
    {{ return(adapter.dispatch('value_check', 'segments')(expression, spec, data_type, stored_type)) }}
{%- endmacro %}

{#- SQLite keeps what a cast could not convert: an integer or decimal column stores `914.55 USD`
    or `abc` as text, so typeof() tells a number loaded as one from text that is none. `1e3` and
    `1.0` are stored as the integer 1000 and 1 by the column's affinity, and pass: the value is
    an integer by then. -#}
{% macro sqlite__value_check(expression, spec, data_type, stored_type) -%}
    {%- set x = expression -%}
    {%- set column_format = spec.get('format') -%}
    {%- set limits = value_limits(data_type) -%}
    {%- set below = ('abs(' ~ x ~ ') < 1e' ~ limits.digits) if 'digits' in limits else '1' -%}
    {%- if column_format == 'integer' -%}
        {%- set valid -%}
            (case typeof({{ x }})
                when 'integer' then 1
                when 'text'
                    then {{ x }} glob '[-+0-9]*' and {{ x }} not glob '?*[^0-9]*' and {{ x }} glob '*[0-9]'
                else 0
            end)
        {%- endset -%}
    {%- elif column_format == 'amount' -%}
        {%- set valid -%}
            (case typeof({{ x }})
                when 'integer' then {{ below }}
                when 'real' then {{ sqlite_has_decimals(x, limits.get('scale', 2)) }} and {{ below }}
                when 'text'
                    then {{ x }} glob '[-+.0-9]*' and {{ x }} not glob '?*[^0-9.]*'
                    and {{ x }} not glob '*.*.*'
                    and {{ x }} not glob '*.{{ '[0-9]' * (limits.get('scale', 2) + 1) }}*'
                    and {{ x }} glob '*[0-9]*'
                    and abs(cast({{ x }} as real))
                        < {{ ('1e' ~ limits.digits) if 'digits' in limits else '1e308' }}
                else 0
            end)
        {%- endset -%}
    {%- elif column_format == 'date' -%}
        {#- YYYY-MM-DD, the usual form, by one date() call before the patterns. -#}
        {%- set valid -%}
            (case
                when typeof({{ x }}) != 'text' then 0
                when date({{ x }}, '+0 days') = {{ x }} then 1
                else {{ sqlite_is_date(x) }}
            end)
        {%- endset -%}
    {%- elif column_format == 'text' -%}
        {%- set valid = ('length(' ~ x ~ ') <= ' ~ limits.length) if 'length' in limits else '1' -%}
    {%- elif column_format == 'json' -%}
        {%- set valid = json_field_check(x, none, spec).valid -%}
    {%- endif -%}
    {{ return({'valid': valid, 'shown': 'cast(' ~ x ~ ' as text)'}) }}
{%- endmacro %}

{#- A real has at most `scale` decimals when x * 10^scale is a whole number but for the rounding
    error of a double (within 2 units in the last place; 4.5e-16 of it leaves a margin): at twice
    the speed of printf('%.2f') and a cast back, as round() without digits takes no detour
    through text. -#}
{% macro sqlite_has_decimals(x, scale) -%}
    {%- set factor = 10 ** scale -%}
    abs({{ x }} * {{ factor }} - round({{ x }} * {{ factor }})) <= abs({{ x }}) * {{ factor * 4.5 }}e-16
{%- endmacro %}

{#- Typed warehouses (DuckDB, PostgreSQL, Spark): a column of the contract's type has only valid
    values but for the decimals and the limits; a text column (a table loaded another way) is read
    with a pattern first and cast only then, with a cast that gives NULL rather than an error. -#}
{% macro default__value_check(expression, spec, data_type, stored_type) -%}
    {%- set x = expression -%}
    {%- set column_format = spec.get('format') -%}
    {%- set limits = value_limits(data_type) -%}
    {%- set stored = (stored_type or '') | lower -%}
    {%- set is_text = 'char' in stored or 'text' in stored or 'string' in stored -%}
    {%- set is_integer = 'int' in stored and not is_text -%}
    {%- set is_number = modules.re.search('decimal|numeric|double|float|real', stored) is not none -%}
    {%- set is_temporal = ('date' in stored or 'time' in stored) and not is_text -%}
    {%- set as_text = 'cast(' ~ x ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    {%- set number -%}
        {%- if is_integer or is_number -%}
            {{ x }}
        {%- else -%}
            case when {{ text_matches(as_text, '[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)') }}
                then cast({{ as_text }} as {{ dbt.type_float() }}) end
        {%- endif -%}
    {%- endset -%}
    {%- set below = ('abs(' ~ number ~ ') < 1e' ~ limits.digits) if 'digits' in limits else '1 = 1' -%}
    {%- if column_format == 'integer' -%}
        {%- if is_integer -%}
            {%- set valid = '1 = 1' -%}
        {%- elif is_number -%}
            {%- set valid = x ~ ' = floor(' ~ x ~ ')' -%}
        {%- else -%}
            {%- set valid = text_matches(as_text, '[-+]?[0-9]+') -%}
        {%- endif -%}
    {%- elif column_format == 'amount' -%}
        {%- if is_integer -%}
            {%- set valid = below -%}
        {%- elif is_number -%}
            {%- set valid = x ~ ' = round(' ~ x ~ ', ' ~ limits.get('scale', 2) ~ ') and ' ~ below -%}
        {%- else -%}
            {%- set scale = limits.get('scale', 2) -%}
            {%- set pattern = '[-+]?([0-9]+[.]?[0-9]{0,' ~ scale ~ '}|[.][0-9]{1,' ~ scale ~ '})' -%}
            {%- set valid = text_matches(as_text, pattern)
                ~ ' and ' ~ below -%}
        {%- endif -%}
    {%- elif column_format == 'date' -%}
        {%- set valid = '1 = 1' if is_temporal else is_date_text(as_text) -%}
    {%- elif column_format == 'text' -%}
        {%- set valid = ('length(' ~ as_text ~ ') <= ' ~ limits.length) if 'length' in limits else '1 = 1' -%}
    {%- elif column_format == 'json' -%}
        {%- set valid = json_field_check(as_text, none, spec).valid -%}
    {%- endif -%}
    {{ return({'valid': valid, 'shown': as_text}) }}
{%- endmacro %}


{#- The check of one JSON field (`path`: 'payload.rating'; none for the document itself, checked
    to be valid JSON and, with json_fields, an object): {'valid': SQL, 'shown': the field as JSON
    text}. `spec` is its json_fields entry: `format` integer, number, date, text or object, and
    `min`/`max` for numbers. An absent field or a JSON null is valid. -#}
{% macro json_field_check(document, path, spec) -%}
    {{ return(adapter.dispatch('json_field_check', 'segments')(document, path, spec)) }}
{%- endmacro %}

{#- json_type() names the JSON type (NULL when absent) but raises on text that is not JSON,
    hence the case on json_valid() first. -#}
{% macro sqlite__json_field_check(document, path, spec) -%}
    {%- if path is none -%}
        {%- set object = "json_type(" ~ document ~ ") = 'object'" if spec.get('json_fields') else '1' -%}
        {{ return({
            'valid': 'case when json_valid(' ~ document ~ ') then ' ~ object ~ ' else 0 end',
            'shown': document
        }) }}
    {%- endif -%}
    {%- set where = "'$." ~ path ~ "'" -%}
    {%- set value = 'json_extract(' ~ document ~ ', ' ~ where ~ ')' -%}
    {%- set accepted = {
        'integer': ['integer'], 'number': ['integer', 'real'], 'date': ['text'], 'text': ['text'],
        'object': ['object']
    } -%}
    {#- One json_type() per field, and json_extract() only for a value of the right type that has
        bounds or is a date (a timestamp by one datetime() call before the patterns). -#}
    {%- set checks = [] -%}
    {%- if spec.format == 'date' -%}
        {%- do checks.append(
            '(case when datetime(' ~ value ~ ", '+0 days') = " ~ value
            ~ ' then 1 else ' ~ sqlite_is_date(value) ~ ' end)'
        ) -%}
    {%- endif -%}
    {%- if spec.get('min') is not none -%}
        {%- do checks.append(value ~ ' >= ' ~ spec.min) -%}
    {%- endif -%}
    {%- if spec.get('max') is not none -%}
        {%- do checks.append(value ~ ' <= ' ~ spec.max) -%}
    {%- endif -%}
    {%- set valid -%}
        (case
            when not json_valid({{ document }}) then 1
            else (case coalesce(json_type({{ document }}, {{ where }}), 'null')
                when 'null' then 1
                {%- for kind in accepted[spec.format] %}
                when '{{ kind }}' then {{ checks | join(' and ') if checks else '1' }}
                {%- endfor %}
                else 0
            end)
        end)
    {%- endset -%}
    {{ return({'valid': valid, 'shown': 'json_quote(' ~ value ~ ')'}) }}
{%- endmacro %}

{#- DuckDB: json_valid(), and json_type() as SQLite but in capitals and with sized integers. -#}
{% macro duckdb__json_field_check(document, path, spec) -%}
    {%- if path is none -%}
        {%- set object = "json_type(" ~ document ~ ") = 'OBJECT'" if spec.get('json_fields') else 'true' -%}
        {{ return({
            'valid': 'case when json_valid(' ~ document ~ ') then ' ~ object ~ ' else false end',
            'shown': document
        }) }}
    {%- endif -%}
    {%- set where = "'$." ~ path ~ "'" -%}
    {%- set kind = 'json_type(' ~ document ~ ', ' ~ where ~ ')' -%}
    {%- set value = 'json_extract_string(' ~ document ~ ', ' ~ where ~ ')' -%}
    {%- set integers = "'BIGINT', 'UBIGINT', 'HUGEINT'" -%}
    {%- set accepted = {
        'integer': integers, 'number': integers ~ ", 'DOUBLE'", 'date': "'VARCHAR'", 'text': "'VARCHAR'",
        'object': "'OBJECT'"
    } -%}
    {%- set format_check = is_date_text(value) if spec.format == 'date' else '1 = 1' -%}
    {%- set bounds -%}
        {#- DuckDB evaluates both sides of an `and`: try_cast, not cast, for a string that is no number. -#}
        {%- if spec.get('min') is not none %}
            and try_cast({{ value }} as double) >= {{ spec.min }}
        {%- endif -%}
        {%- if spec.get('max') is not none %}
            and try_cast({{ value }} as double) <= {{ spec.max }}
        {%- endif -%}
    {%- endset -%}
    {%- set valid -%}
        (case
            when not json_valid({{ document }}) then true
            when coalesce({{ kind }}, 'NULL') = 'NULL' then true
            else {{ kind }} in ({{ accepted[spec.format] }}) and {{ format_check }}{{ bounds }}
        end)
    {%- endset -%}
    {{ return({'valid': valid, 'shown': 'cast(json_extract(' ~ document ~ ', ' ~ where ~ ') as varchar)'}) }}
{%- endmacro %}

{#- PostgreSQL 15 and Spark have no JSON check that gives false instead of an error: the document
    must look like a JSON object, and a field is read as text (json_field: the field's text,
    NULL for a JSON null), so a number is told by its pattern. Text that looks like an object
    but is no JSON still stops the test, with the engine's error. -#}
{% macro default__json_field_check(document, path, spec) -%}
    {%- set looks_like_json = text_matches(document, '\\s*[{\\[].*[}\\]]\\s*') -%}
    {%- if path is none -%}
        {{ return({'valid': looks_like_json, 'shown': document}) }}
    {%- endif -%}
    {#- Read only from a document that looks like JSON: `not json` is the document check's. -#}
    {%- set value = '(case when ' ~ looks_like_json ~ ' then '
        ~ json_field(document, path.split('.')) ~ ' end)' -%}
    {%- set number_pattern = '-?[0-9]+' if spec.format == 'integer'
        else '-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?' -%}
    {%- if spec.format in ('integer', 'number') -%}
        {#- The cast inside a case: an `and` may evaluate its sides in any order. -#}
        {%- set number -%}
            case when {{ text_matches(value, number_pattern) }}
                then cast({{ value }} as {{ dbt.type_float() }}) end
        {%- endset -%}
        {%- set bounds -%}
            {%- if spec.get('min') is not none %} and {{ number }} >= {{ spec.min }}{% endif -%}
            {%- if spec.get('max') is not none %} and {{ number }} <= {{ spec.max }}{% endif -%}
        {%- endset -%}
        {%- set valid = '(' ~ value ~ ' is null or ('
            ~ text_matches(value, number_pattern) ~ bounds ~ '))' -%}
    {%- elif spec.format == 'date' -%}
        {%- set valid = '(' ~ value ~ ' is null or ' ~ is_date_text(value) ~ ')' -%}
    {%- else -%}
        {%- set valid = '1 = 1' -%}
    {%- endif -%}
    {{ return({'valid': valid, 'shown': value}) }}
{%- endmacro %}


{#- A real calendar date or time in an accepted form, on SQLite: date() gives the same text back
    after a no-op '+0 days' only for a real one (it moves 2024-02-30 to 2024-03-01), the way
    segments/bulk_load/checks.py tells it. -#}
{% macro sqlite_is_date(p) -%}
    {%- set iso = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' -%}
    {%- set day_first_form = '[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9]' -%}
    {%- set time = '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' -%}
    {%- set day_first = 'substr(' ~ p ~ ', 7, 4) || \'-\' || substr(' ~ p ~ ', 4, 2) || \'-\' || '
        ~ 'substr(' ~ p ~ ', 1, 2)' -%}
    {%- set moment -%}
        (case when substr({{ p }}, 3, 1) = '/' then {{ day_first }} else substr({{ p }}, 1, 10) end)
        || ' ' || substr({{ p }}, 12, 8)
    {%- endset -%}
    (case
        when {{ p }} glob '{{ iso }}' then date({{ p }}, '+0 days') = {{ p }}
        when {{ p }} glob '{{ day_first_form }}' then date({{ day_first }}, '+0 days') = {{ day_first }}
        when {{ p }} glob '{{ iso }}[ T]{{ time }}*' or {{ p }} glob '{{ day_first_form }} {{ time }}*'
            then datetime({{ moment }}, '+0 days') = {{ moment }}
            and (length({{ p }}) = 19 or (substr({{ p }}, 20, 1) = '.' and length({{ p }}) > 20
            and substr({{ p }}, 21) not glob '*[^0-9]*'))
        else 0
    end)
{%- endmacro %}


{#- A real calendar date or time in an accepted form, on the typed warehouses: the form by
    pattern, then a cast that gives NULL for a date that does not exist (try_cast_to). -#}
{% macro is_date_text(expression) -%}
    {%- set time = '( [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?)?' -%}
    {%- set forms = '[0-9]{4}-[0-9]{2}-[0-9]{2}' ~ time | replace('( ', '([ T]', 1)
        ~ '|[0-9]{2}/[0-9]{2}/[0-9]{4}' ~ time -%}
    ({{ text_matches(expression, forms) }}
    and {{ try_cast_to(day_month_year_to_iso(expression), 'timestamp') }} is not null)
{%- endmacro %}


{#- True when the whole text matches the regular expression (`pattern`, anchored here). SQLite
    has no regular expressions built in: its checks use GLOB instead. -#}
{% macro text_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('text_matches', 'segments')(expression, pattern)) }}
{%- endmacro %}

{% macro default__text_matches(expression, pattern) -%}
    regexp_like({{ expression }}, '^({{ pattern }})$')
{%- endmacro %}

{% macro duckdb__text_matches(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__text_matches(expression, pattern) -%}
    ({{ expression }} ~ '^({{ pattern }})$')
{%- endmacro %}

{% macro spark__text_matches(expression, pattern) -%}
    ({{ expression }} rlike '^({{ pattern }})$')
{%- endmacro %}
