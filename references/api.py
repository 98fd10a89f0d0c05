"""The API's reference library: each work as the site cites it, with its CSL-JSON.

The conventions (paging, errors, read-only) are in ``ldnsite/api.py``.
"""

import re
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from ldnsite.api import ERRORS, Page, PageQuery, endpoint, link_field, paginated

from .csl import to_csl
from .identifiers import normalise_doi, normalise_pmid, validate_doi, validate_pmid
from .models import Condition, Reference
from .synthesis.export import ConditionOutcomes, condition_outcomes

router = Router(tags=["Reference library"])


def _any_case(text):
    """``text`` as a pattern matching it in any capitals (the schema's patterns take no flags)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in text)


# The forms the admin reads (see identifiers.py), written for the schema: a prefix in any capitals,
# then the identifier; empty is the same as leaving the parameter out. Percent-escapes are left
# out of the DOI: a link's are undone before the check.
DOI_PATTERN = (
    rf"^\s*(?:(?:{_any_case('http')}[Ss]?://(?:{_any_case('dx.')})?{_any_case('doi.org/')}"
    # Python's \s (what the DOI check uses) also counts U+001C-U+001F and U+0085 as spaces; JSON Schema's does not.
    rf"|{_any_case('doi:')}\s*|{_any_case('info:doi/')})?10\.[0-9]{{4,9}}/[^\s%\x1c-\x1f\x85]+\s*)?$"
)
PMID_PATTERN = (
    rf"^\s*(?:(?:{_any_case('http')}[Ss]?://(?:{_any_case('www.')})?"
    rf"(?:{_any_case('pubmed.ncbi.nlm.nih.gov/')}|{_any_case('ncbi.nlm.nih.gov/pubmed/')})"
    rf"|{_any_case('pmid')}:?\s*)?[1-9][0-9]{{0,8}}/?\s*)?$"
)


class ReferenceSummary(Schema):
    key: str = Field(description="The citation key, as pieces cite it: [@younger2009].")
    kind: str = Field(description="One of " + ", ".join(Reference.Kind.values) + ".")
    title: str
    authors: str = Field(description="As the work lists them, e.g. “Younger J, Mackey S”.")
    published_in: str = Field(description="The journal, book, site or meeting.")
    year: int | None
    date: str | None = Field(json_schema_extra={"format": "date"})
    doi: str | None = Field(description="The bare DOI, e.g. 10.1002/art.37734; null if it has none.")
    pmid: str | None = Field(description="The PubMed ID, e.g. 19453963; null if it has none.")
    link: str | None = link_field("Where to read it: the DOI's address, PubMed's, or the work's own.")
    citation_html: str = Field(description="The citation in AMA style, as HTML.")
    retracted_on: str | None = Field(
        json_schema_extra={"format": "date"},
        description="When the work was retracted (Crossref's record of the notice), or null.",
    )
    retraction_notice: str | None = Field(description="The DOI of the retraction notice, or null if not retracted.")
    url: str = link_field("This reference in the API.")
    html_url: str = link_field("The reference's page on the site.")


class ReferenceDetail(ReferenceSummary):
    volume: str
    issue: str
    pages: str
    note: str
    csl: dict[str, Any] = Field(description="The work as CSL-JSON, for reference managers.")


class ReferencePage(Page):
    results: list[ReferenceSummary]


class ReferenceQuery(PageQuery):
    kind: Literal[("", *Reference.Kind.values)] | None = Field(None, description="Only works of this kind.")
    year: int | None = Field(None, ge=1800, le=2100, description="Only works from this year.")
    doi: str | None = Field(
        None,
        max_length=500,
        json_schema_extra={"pattern": DOI_PATTERN},  # checked below, with a message saying what a DOI is
        description="The work with this DOI, bare or as a doi.org link, e.g. 10.1002/art.37734.",
    )
    pmid: str | None = Field(
        None,
        max_length=100,
        json_schema_extra={"pattern": PMID_PATTERN},
        description="The work with this PubMed ID, bare or as a PubMed link, e.g. 19453963.",
    )

    @field_validator("doi")
    @classmethod
    def _doi(cls, value):
        # Read as editors paste it (a doi.org link, "doi:…"), then checked like the stored field.
        if value and (value := normalise_doi(_trimmed(value))):
            _checked(validate_doi, value)
        return value or None

    @field_validator("pmid")
    @classmethod
    def _pmid(cls, value):
        if value and (value := normalise_pmid(_trimmed(value))):
            _checked(validate_pmid, value)
        return value or None


# What JSON Schema's patterns (ECMAScript's \s) count as whitespace and Python's str.strip() does not.
_ALSO_WHITESPACE = "\ufeff"


def _trimmed(value):
    r"""``value`` without the whitespace around it, as the schema's ``\s*`` allows it."""
    previous = None
    while previous != value:
        previous, value = value, value.strip().strip(_ALSO_WHITESPACE)
    return value


def _checked(validate, value):
    """Run a model field's validator; its Django error becomes one pydantic reports."""
    try:
        validate(value)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None


def reference_summary(request, reference):
    return {
        "key": reference.key,
        "kind": reference.kind,
        "title": reference.title,
        "authors": reference.authors,
        "published_in": reference.container,
        "year": reference.year,
        "date": reference.date.isoformat() if reference.date else None,
        "doi": reference.doi,
        "pmid": reference.pmid,
        "link": reference.link or None,
        "citation_html": reference.ama_html,
        "retracted_on": reference.retracted_on.isoformat() if reference.retracted_on else None,
        "retraction_notice": reference.retraction_notice or None,
        "url": request.build_absolute_uri(reverse("api:reference", kwargs={"key": reference.key})),
        "html_url": request.build_absolute_uri(reference.get_absolute_url()),
    }


@endpoint(router, "/references/", ReferenceQuery, response={200: ReferencePage, **ERRORS})
def references(request, query: Query[ReferenceQuery]):
    """The library, newest first; ``kind``, ``year``, ``doi`` and ``pmid`` narrow it."""
    works = Reference.objects.defer("search_vector", "vancouver_html")  # neither is in the answer
    for name in ("kind", "year", "doi", "pmid"):
        if value := getattr(query, name):
            works = works.filter(**{name: value})
    return paginated(request, works, query, reference_summary)


@endpoint(router, "/references/{key}/", response={200: ReferenceDetail, **ERRORS})
def reference(request, key: str):
    """One work in the library, with its CSL-JSON."""
    work = get_object_or_404(Reference, key=key)
    return reference_summary(request, work) | {
        "volume": work.volume,
        "issue": work.issue,
        "pages": work.pages,
        "note": work.note,
        "csl": to_csl(work),
    }


@endpoint(router, "/conditions/{slug}/outcomes/", response={200: ConditionOutcomes, **ERRORS})
def outcomes(request, slug: str):
    """What the studies of a condition show per outcome: each study's effect with its 95% CI, and the
    pooled estimates (random effects by REML and by DerSimonian–Laird, and fixed effect) with I²."""
    return condition_outcomes(request, get_object_or_404(Condition, slug=slug))
