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


@register.filter
def effect(row):
    """A report's effect against its comparator, as its figures allow (``row``: a study from
    ``with_figures``, or a report). Two improvements, 28.8% against 18.0%, differ by 10.8 percentage
    points, not by 10.8%; an effect the report gives itself (“48.5% lower than on placebo”) is a
    percentage."""
    value = getattr(row, "effect_pct", None)
    if value is None:
        return ""
    on_drug = getattr(row, "intervention_change_pct", None)
    on_comparator = getattr(row, "comparator_change_pct", None)
    if on_drug is not None and on_comparator is not None and on_drug - on_comparator == value:
        return signed_percent(value)[:-1] + " percentage points"
    return signed_percent(value)


@register.filter
def more_or_fewer(value):
    """An absolute difference per 1,000 in words: “86 more”, “12 fewer”, “0 more”."""
    if value is None or value == "":
        return ""
    return f"{abs(value)} fewer" if value < 0 else f"{value} more"


@register.filter
def risk_label(judgement):
    """A risk-of-bias judgement in words: “Some concerns”, “Serious”…"""
    from ..synthesis.models import RiskOfBias

    labels = dict(RiskOfBias.Judgement.choices) | dict(RiskOfBias.RobinsJudgement.choices)
    return labels.get(judgement, "")


@register.filter
def p_text(value):
    """A computed p-value as papers print it: “p = 0.03”, “p = 0.004”, “p < 0.001”."""
    if value is None or value == "":
        return ""
    value = float(value)
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}" if value < 0.01 else f"p = {value:.2f}"


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
