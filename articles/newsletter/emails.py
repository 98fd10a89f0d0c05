"""The newsletter's e-mails: an issue (HTML with its CSS inlined, and plain text), and the messages
that manage a subscription. Every link in them is absolute, on ``SITE_URL``.

An issue is rendered once; each subscriber's copy differs only in its own signed links, put in place
of markers, so sending to ten thousand readers renders the pieces once.
"""

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from markdownify import markdownify

from articles.models import Article
from articles.rendering import for_email

from . import tokens

# Stand-ins for each reader's own links, replaced in their copy (letters only: no escaping changes them).
UNSUBSCRIBE_MARK = "https://newsletter.invalid/UNSUBSCRIBE"
PREFERENCES_MARK = "https://newsletter.invalid/PREFERENCES"


def site_url():
    return settings.SITE_URL or "http://127.0.0.1:8000"


def absolute(path):
    return urljoin(site_url() + "/", path.lstrip("/"))


def as_text(html):
    """Plain text for an e-mail's text part: Markdown-like, with links written out."""
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["img"])
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def render_issue(issue):
    pieces = []
    order = {piece.pk: position for position, piece in enumerate(issue.ordered_pieces())}
    for piece in Article.objects.with_page().prefetch_related("bylines__author").filter(pk__in=list(order)):
        url = absolute(piece.get_absolute_url())
        body = for_email(piece.body_html, url)
        references = [
            {
                "number": number,
                # The same citation every page prints (a retracted work says so, with its notice).
                "html": for_email(
                    render_to_string("references/_citation.html", {"reference": citation.reference}).strip(), url
                ),
                "url": absolute(citation.reference.get_absolute_url()),
            }
            for number, citation in enumerate(piece.citations.all(), 1)
        ]
        pieces.append(
            {
                "piece": piece,
                "url": url,
                "body": body,
                "body_text": as_text(body),
                "references": references,
                "references_text": [as_text(reference["html"]) for reference in references],
                "authors": [
                    {
                        "author": author,
                        "bio": for_email(author.bio_html, absolute(author.get_absolute_url())),
                        "bio_text": as_text(author.bio_html),
                        "url": absolute(author.get_absolute_url()),
                        "photo": absolute(author.photo_renditions[0]["url"]) if author.photo_renditions else "",
                    }
                    for author in piece.credited_authors
                ],
            }
        )
    pieces.sort(key=lambda entry: order[entry["piece"].pk])
    context = {
        "issue": issue,
        "intro": for_email(issue.intro_html, absolute(issue.get_absolute_url())),
        "intro_text": as_text(issue.intro_html),
        "pieces": pieces,
        "site_url": site_url(),
        "archive_url": absolute(issue.get_absolute_url()),
        "unsubscribe_url": UNSUBSCRIBE_MARK,
        "preferences_url": PREFERENCES_MARK,
        "postal_address": settings.NEWSLETTER_POSTAL_ADDRESS,
    }
    html = css_inline.inline(render_to_string("newsletter/email/issue.html", context))
    text = render_to_string("newsletter/email/issue.txt", context)
    return Rendered(subject=issue.subject, html=html, text=text)


def manage_links(email):
    token = tokens.manage(email)
    return (
        absolute(reverse("newsletter:unsubscribe", args=[token])),
        absolute(reverse("newsletter:preferences", args=[token])),
    )


def list_headers(mailing_list, unsubscribe_url):
    """The headers mail clients read to offer their own "unsubscribe" button (RFC 2369, RFC 8058)."""
    host = urlsplit(site_url()).hostname or "localhost"
    return {
        "List-Id": f"{mailing_list.name} <{mailing_list.slug}.{host}>",
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Archive": f"<{absolute(reverse('newsletter:archive'))}>",
    }


def issue_message(issue, rendered, email, connection=None):
    """The copy of ``rendered`` that goes to ``email``, with that reader's own links."""
    unsubscribe_url, preferences_url = manage_links(email)

    def personal(content):
        return content.replace(UNSUBSCRIBE_MARK, unsubscribe_url).replace(PREFERENCES_MARK, preferences_url)

    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=personal(rendered.text),
        to=[email],
        headers=list_headers(issue.mailing_list, unsubscribe_url),
        connection=connection,
    )
    message.attach_alternative(personal(rendered.html), "text/html")
    return message


def test_message(issue, email, connection=None):
    """The issue as a subscriber will see it, marked as a test in its subject."""
    rendered = render_issue(issue)
    rendered.subject = f"[Test] {rendered.subject}"
    return issue_message(issue, rendered, email, connection)


def confirmation_message(email, mailing_lists):
    token = tokens.confirmation(email, [mailing_list.pk for mailing_list in mailing_lists])
    context = {
        "confirm_url": absolute(reverse("newsletter:confirm", args=[token])),
        "lists": mailing_lists,
        "days": settings.NEWSLETTER_CONFIRM_DAYS,
        "site_url": site_url(),
    }
    return EmailMultiAlternatives(
        subject="Confirm your subscription to LDN Evidence",
        body=render_to_string("newsletter/email/confirm.txt", context),
        to=[email],
    )


def already_subscribed_message(email):
    """Sent instead of a confirmation to an address that is already subscribed: the form must not say
    so to whoever typed it, but the owner may have forgotten."""
    unsubscribe_url, preferences_url = manage_links(email)
    context = {"preferences_url": preferences_url, "unsubscribe_url": unsubscribe_url, "site_url": site_url()}
    return EmailMultiAlternatives(
        subject="You are already subscribed to LDN Evidence",
        body=render_to_string("newsletter/email/already_subscribed.txt", context),
        to=[email],
    )
