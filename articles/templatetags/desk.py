"""The editors' desk on the admin's front page (``articles.desk``)."""

from django import template

from ..desk import desk_for

register = template.Library()


@register.simple_tag(takes_context=True)
def editors_desk(context):
    return desk_for(context["request"].user)
