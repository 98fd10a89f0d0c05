"""Filters that print study figures the way papers do: 4.5, +10.8%, P = 0.016."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def number(value):
    """A decimal without trailing zeros: 4.50 → 4.5, 12.0 → 12."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():f}"


@register.filter
def signed_percent(value):
    """An effect with its sign: +10.8%, −3%, 0%."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{abs(value).normalize():f}%"


@register.simple_tag
def p_value(relation, value):
    """“P = 0.016”, or nothing when no p-value is given."""
    if value is None:
        return ""
    return f"P {relation or '='} {Decimal(value).normalize():f}"


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or "" when it is missing."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
