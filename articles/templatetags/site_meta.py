"""Tags for every page's frame: absolute addresses for canonical links and sharing cards, and the header's links."""

import functools

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute(context, path):
    """``path`` as a full address on this site (canonical links and Open Graph want absolute URLs)."""
    return context["request"].build_absolute_uri(path)


@register.simple_tag
def page_url(name):
    """The address of a page that takes no arguments, such as the header's links: ``{% url %}``, reversed
    once per process (and script prefix) rather than ten times on every page."""
    return _reversed(name, get_script_prefix())


@functools.cache
def _reversed(name, script_prefix):
    return reverse(name)
