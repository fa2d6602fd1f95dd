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


{#- json_field of a document that may not be JSON at all: NULL then, where SQLite's json_extract
    fails ("malformed JSON"). The id by which the refresh finds a raw table's new documents: on
    SQLite an index on this very expression (index_raw_document_ids) finds them without parsing
    every document, and can be built whatever the table holds. -#}
{% macro json_field_if_valid(document, keys) -%}
    {{ return(adapter.dispatch('json_field_if_valid', 'segments')(document, keys)) }}
{%- endmacro %}

{% macro default__json_field_if_valid(document, keys) -%}
    {{ return(json_field(document, keys)) }}
{%- endmacro %}

{% macro sqlite__json_field_if_valid(document, keys) -%}
    (case when json_valid({{ document }}) then {{ json_field(document, keys) }} end)
{%- endmacro %}
