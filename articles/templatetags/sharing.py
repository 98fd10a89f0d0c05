"""Share links for a piece: plain links to each service's own share address. No script of theirs runs
on our pages, nothing tracks the reader, and each works under the site's Content-Security-Policy."""

from urllib.parse import urlencode

from django import template

register = template.Library()

SERVICES = [
    # (name, address, query parameters from the piece's address and title)
    ("E-mail", "mailto:", lambda url, title: {"subject": title, "body": f"{title}\n{url}"}),
    ("Facebook", "https://www.facebook.com/sharer/sharer.php", lambda url, title: {"u": url}),
    ("X (Twitter)", "https://x.com/intent/tweet", lambda url, title: {"url": url, "text": title}),
    ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/", lambda url, title: {"url": url}),
    ("Bluesky", "https://bsky.app/intent/compose", lambda url, title: {"text": f"{title} {url}"}),
]


@register.inclusion_tag("articles/_share.html", takes_context=True)
def share_links(context, piece):
    url = context["request"].build_absolute_uri(piece.get_absolute_url())
    links = [
        # mailto: wants %20 for spaces, not +; the others accept either.
        (name, f"{address}?{urlencode(parameters(url, piece.title), quote_via=_quote)}")
        for name, address, parameters in SERVICES
    ]
    return {"links": links, "url": url, "title": piece.title}


def _quote(value, safe="", encoding=None, errors=None):
    from urllib.parse import quote

    return quote(value, safe=safe, encoding=encoding, errors=errors)
