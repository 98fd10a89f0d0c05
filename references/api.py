"""The reference library in the read-only JSON API (see ``articles/api.py`` for its conventions)."""

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse

from articles.api import ListParameters, endpoint, paginated, parameters

from .csl import to_csl
from .identifiers import normalise_doi, normalise_pmid, validate_doi, validate_pmid
from .models import Reference


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
        "url": request.build_absolute_uri(reverse("references:api_reference", kwargs={"key": reference.key})),
        "html_url": request.build_absolute_uri(reference.get_absolute_url()),
    }


class ReferenceParameters(ListParameters):
    kind = forms.ChoiceField(required=False, choices=[("", "any"), *Reference.Kind.choices])
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)
    doi = forms.CharField(required=False, max_length=500)
    pmid = forms.CharField(required=False, max_length=100)

    def clean_doi(self):
        # Read as editors paste it (a doi.org link, "doi:…"), then checked like the stored field.
        if doi := normalise_doi(self.cleaned_data["doi"]):
            validate_doi(doi)
        return doi

    def clean_pmid(self):
        if pmid := normalise_pmid(self.cleaned_data["pmid"]):
            validate_pmid(pmid)
        return pmid


@endpoint
def reference_list(request):
    """The library, newest first; ``kind``, ``year``, ``doi`` and ``pmid`` narrow it."""
    data = parameters(ReferenceParameters, request)
    references = Reference.objects.all()
    for name in ("kind", "year", "doi", "pmid"):
        if data[name]:
            references = references.filter(**{name: data[name]})
    return paginated(request, references, data, reference_summary)


@endpoint
def reference_detail(request, key):
    parameters(forms.Form, request)
    reference = get_object_or_404(Reference, key=key)
    return reference_summary(request, reference) | {
        "volume": reference.volume,
        "issue": reference.issue,
        "pages": reference.pages,
        "note": reference.note,
        "csl": to_csl(reference),
    }
