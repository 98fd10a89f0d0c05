"""Fill in a reference from its DOI (Crossref) or PubMed ID (NCBI E-utilities).

Editors often have only an identifier to hand; the registries know the rest.
A timeout, an unknown identifier or an unexpected answer raises
``ReferenceLookupError`` with a message for the editor; nothing is guessed.
"""

import html

import httpx
from django.conf import settings
from django.utils.html import strip_tags

from .csl import from_csl
from .formats import clean_pages
from .identifiers import normalise_doi, normalise_pmid

CROSSREF_URL = "https://api.crossref.org/works/{doi}"
PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"


class ReferenceLookupError(Exception):
    """The registry could not be asked, or did not know the identifier."""


def get_json(url, source, **params):
    """The JSON answer of ``source`` at ``url``, or None for a 404; ReferenceLookupError for anything else
    that is not a readable answer (a timeout, an error, an answer that is not JSON)."""
    contact = settings.REFERENCE_LOOKUP_CONTACT
    headers = {"User-Agent": "LDN-Evidence/1.0" + (f" (mailto:{contact})" if contact else "")}
    try:
        timeout = settings.REFERENCE_LOOKUP_TIMEOUT
        response = httpx.get(url, params=params or None, headers=headers, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException:
        raise ReferenceLookupError(
            f"{source} did not answer within {settings.REFERENCE_LOOKUP_TIMEOUT:g} seconds."
        ) from None
    except httpx.HTTPError:
        raise ReferenceLookupError(f"{source} could not be reached from the server.") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise ReferenceLookupError(f"{source} answered with an error (HTTP {response.status_code}).")
    try:
        return response.json()
    except ValueError:
        raise ReferenceLookupError(f"{source} sent an answer that could not be read.") from None


def from_crossref(doi):
    """Reference fields for a DOI, from Crossref's record of it."""
    doi = normalise_doi(doi)
    data = get_json(CROSSREF_URL.format(doi=doi), "Crossref")
    message = (data or {}).get("message")
    if not isinstance(message, dict):
        raise ReferenceLookupError(f"Crossref has no record of the DOI {doi}.")
    fields = from_csl({**message, "id": ""})
    fields["doi"] = doi
    return fields


def from_pubmed(pmid):
    """Reference fields for a PMID, from PubMed's document summary."""
    pmid = normalise_pmid(pmid)
    data = get_json(PUBMED_URL, "PubMed", db="pubmed", id=pmid, retmode="json", **ncbi_parameters())
    summary = ((data or {}).get("result") or {}).get(str(pmid))
    if not isinstance(summary, dict) or summary.get("error") or not summary.get("title"):
        raise ReferenceLookupError(f"PubMed has no record of the PMID {pmid}.")
    return from_csl(csl_from_pubmed(summary, pmid))


def ncbi_parameters():
    """What NCBI asks every E-utilities call to carry: the tool, a contact address, the API key if any."""
    parameters = {"tool": "ldn-evidence"}
    if settings.REFERENCE_LOOKUP_CONTACT:
        parameters["email"] = settings.REFERENCE_LOOKUP_CONTACT
    if settings.NCBI_API_KEY:
        parameters["api_key"] = settings.NCBI_API_KEY
    return parameters


def csl_from_pubmed(summary, pmid):
    """A CSL item from one of PubMed's document summaries (esummary, JSON)."""
    ids = {item.get("idtype"): item.get("value") for item in summary.get("articleids") or []}
    item = {
        "type": "article-journal",
        # PubMed marks up some titles (<i>in vitro</i>, <sup>…</sup>): the site keeps plain text.
        "title": html.unescape(strip_tags(summary["title"])).rstrip("."),
        "author": [{"literal": a["name"]} for a in summary.get("authors") or [] if a.get("authtype") == "Author"],
        "container-title": summary.get("source", ""),
        "issued": {"raw": summary.get("pubdate") or summary.get("sortpubdate", "")},
        "volume": summary.get("volume", ""),
        "issue": summary.get("issue", ""),
        "page": clean_pages(summary.get("pages", "")),  # MEDLINE shortens ranges: 663-72
        "DOI": ids.get("doi", ""),
        "PMID": str(pmid),
    }
    return item


def look_up(doi=None, pmid=None):
    """(fields, source) for a DOI, else a PMID."""
    if doi:
        return from_crossref(doi), "Crossref"
    return from_pubmed(pmid), "PubMed"
