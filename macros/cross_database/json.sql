{#- One field of a JSON document, as text or number. keys: the path, e.g. ['payload', 'rating'].
    A JSON null (or a missing key) gives SQL NULL. -#}

{% macro json_field(document, keys) -%}
    {{ return(adapter.dispatch('json_field', 'segments')(document, keys)) }}
{%- endmacro %}

{#- PostgreSQL and Redshift spell it json_extract_path_text. -#}
{% macro default__json_field(document, keys) -%}
    json_extract_path_text(cast({{ document }} as json), '{{ keys | join("', '") }}')
{%- endmacro %}

{% macro sqlite__json_field(document, keys) -%}
    json_extract({{ document }}, '$.{{ keys | join(".") }}')
{%- endmacro %}

{% macro duckdb__json_field(document, keys) -%}
    json_extract_string({{ document }}, '$.{{ keys | join(".") }}')
{%- endmacro %}

{% macro spark__json_field(document, keys) -%}
    get_json_object({{ document }}, '$.{{ keys | join(".") }}')
{%- endmacro %}
