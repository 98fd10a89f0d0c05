"""Tags for every page's frame: absolute addresses for canonical links and sharing cards."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """``path`` as a full address on this site (canonical links and Open Graph want absolute URLs)."""
    return context["request"].build_absolute_uri(path)
