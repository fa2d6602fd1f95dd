{#- A whole-number setting checked at compile time: stops with a message naming it. -#}
{% macro validated_whole_number(name, value, minimum, maximum) -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.fullmatch('[0-9]+', text) or not (minimum <= (text | int) <= maximum) -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a whole number from " ~ minimum ~ " to " ~ maximum ~ "; got '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{ return(text | int) }}
{%- endmacro %}
