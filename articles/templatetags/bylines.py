"""A piece's byline: its authors' names joined as a reader says them ("A", "A and B", "A, B and C")."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def byline(authors, linked=False):
    """The authors' names, each a link to the author's page when ``linked``."""
    names = [
        format_html('<a href="{}">{}</a>', author.get_absolute_url(), author.display_name)
        if linked
        else escape(author.display_name)
        for author in authors
    ]
    if len(names) < 2:
        return mark_safe("".join(names))  # noqa: S308 - each name is escaped above
    return format_html("{} and {}", mark_safe(", ".join(names[:-1])), names[-1])  # noqa: S308 - escaped above
