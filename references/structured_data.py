"""What machines read about a reference: schema.org data for JSON-LD, and citation meta tags.

Reference managers (Zotero's browser connector) and Google Scholar read the
Highwire-style ``citation_*`` tags; the values are the fields the page prints.
"""

from .csl import parse_authors
from .models import Reference

# schema.org types for the reference kinds.
_CREATIVE_TYPES = {
    Reference.Kind.JOURNAL_ARTICLE: "ScholarlyArticle",
    Reference.Kind.CONFERENCE_ABSTRACT: "ScholarlyArticle",
    Reference.Kind.NEWS_ARTICLE: "NewsArticle",
    Reference.Kind.WEBSITE: "WebSite",
    Reference.Kind.BOOK: "Book",
}


def reference_ld(reference, absolute):
    work = {
        "@type": _CREATIVE_TYPES.get(reference.kind, "CreativeWork"),
        "name": reference.title,
        "url": absolute(reference.get_absolute_url()),
    }
    if reference.authors:
        work["author"] = [
            {"@type": "Person", "familyName": name.get("family", ""), "givenName": name.get("given", "")}
            if "family" in name
            else {"@type": "Organization", "name": name.get("literal", "")}
            for name in parse_authors(reference.authors)
        ]
    if reference.date or reference.year:
        work["datePublished"] = reference.date.isoformat() if reference.date else str(reference.year)
    if reference.container:
        work["isPartOf"] = {"@type": "Periodical" if reference.kind == "journal" else "CreativeWork"}
        work["isPartOf"]["name"] = reference.container
    identifiers = []
    if reference.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": reference.doi})
        work["sameAs"] = reference.doi_url
    if reference.pmid:
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": reference.pmid})
    if identifiers:
        work["identifier"] = identifiers
    return work


def citation_meta(reference):
    """(name, content) pairs of Highwire-style citation tags, as Google Scholar and Zotero read them."""
    tags = [("citation_title", reference.title)]
    for name in parse_authors(reference.authors):
        tags.append(("citation_author", f"{name['family']}, {name['given']}" if "family" in name else name["literal"]))
    if reference.date:
        tags.append(("citation_publication_date", reference.date.strftime("%Y/%m/%d")))
    elif reference.year:
        tags.append(("citation_publication_date", str(reference.year)))
    container = {
        Reference.Kind.JOURNAL_ARTICLE: "citation_journal_title",
        Reference.Kind.CONFERENCE_ABSTRACT: "citation_conference_title",
        Reference.Kind.BOOK: "citation_publisher",
    }.get(reference.kind)
    if container and reference.container:
        tags.append((container, reference.container))
    tags += [(f"citation_{name}", getattr(reference, name)) for name in ("volume", "issue") if getattr(reference, name)]
    if reference.pages:
        first, _, last = reference.pages.partition("-")
        tags.append(("citation_firstpage", first.strip()))
        if last.strip():
            tags.append(("citation_lastpage", last.strip()))
    if reference.doi:
        tags.append(("citation_doi", reference.doi))
    if reference.pmid:
        tags.append(("citation_pmid", reference.pmid))
    if reference.link:
        tags.append(("citation_public_url", reference.link))
    return tags
