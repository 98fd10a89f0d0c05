"""What machines read on an article's page: schema.org JSON-LD, with its authors and references."""

import json

from django.utils.safestring import mark_safe

from references.structured_data import reference_ld

SITE_NAME = "LDN Evidence"


def ld_json(data):
    """``data`` as JSON that is safe inside a <script> element (as Django's json_script escapes it)."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - the characters that could end the script are escaped above


def _person(author, absolute):
    person = {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}
    if author.credentials:
        person["honorificSuffix"] = author.credentials
    if author.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": author.affiliation}
    if author.website:
        person["sameAs"] = author.website
    return person


def article_ld(article, absolute):
    """The article as a schema.org MedicalWebPage and Article, with its authors and every reference it cites.

    ``absolute`` turns a path into a full address (``request.build_absolute_uri``, say).
    """
    url = absolute(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": ["MedicalWebPage", "Article"],
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.title,
        "name": article.title,
        "description": article.summary,
        # When it last changed for readers (its public change log), not every save's time.
        "dateModified": (article.date_modified or article.updated_at.date()).isoformat(),
        "author": [_person(author, absolute) for author in article.credited_authors],
        "keywords": sorted(tag.name for tag in article.tags.all()),
        "publisher": {"@type": "Organization", "name": SITE_NAME, "url": absolute("/")},
        "inLanguage": "en",
        "citation": [reference_ld(citation.reference, absolute) for citation in article.citations.all()],
    }
    if article.published_at:  # a staff preview of a draft has none yet
        data["datePublished"] = article.published_at.isoformat()
    if article.medical_reviewer and article.last_reviewed:
        data["reviewedBy"] = _person(article.medical_reviewer, absolute)
        data["lastReviewed"] = article.last_reviewed.isoformat()
    return ld_json(data)
