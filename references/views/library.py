"""The reference library: the filterable list, a page per reference, and their downloads."""

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.generic import DetailView, ListView

from ldnsite.pagination import KeysFirstPaginator

from ..downloads import download, download_links
from ..forms import LibraryFilterForm
from ..models import Reference
from ..structured_data import citation_meta


def filtered_library(query):
    """The library filtered by a query string: (form, references); no references if the filter is not valid."""
    form = LibraryFilterForm(query)
    references = Reference.objects.defer("search_vector")
    if not form.is_valid():
        return form, references.none()
    if kind := form.cleaned_data["kind"]:
        references = references.filter(kind=kind)
    if year := form.cleaned_data["year"]:
        references = references.filter(year=year)
    return form, references


class ReferenceListView(ListView):
    """Every reference, newest first, filterable by kind and year."""

    template_name = "references/reference_list.html"
    context_object_name = "references"
    paginate_by = 25
    paginator_class = KeysFirstPaginator

    def get_queryset(self):
        # A hand-edited or stale link shows nothing, with a message, rather than a guess.
        self.form, references = filtered_library(self.request.GET)
        return references

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form,
            kinds=Reference.Kind.choices,
            year_choices=[(year, year) for year in Reference.objects.years()],
            downloads=download_links("references:export", query.urlencode()),
            **kwargs,
        )


def library_download(request, extension):
    """The whole library, or what the filters select, as BibTeX, RIS or CSL-JSON."""
    form, references = filtered_library(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(render_to_string("400.html", request=request))
    name = "-".join(["ldn-references", *(str(value) for value in form.cleaned_data.values() if value)])
    return download(references.iterator(chunk_size=500), extension, name)


class ReferenceDetailView(DetailView):
    template_name = "references/reference_detail.html"
    context_object_name = "reference"
    slug_field = "key"
    slug_url_kwarg = "key"
    queryset = Reference.objects.all()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            citing_articles=self.object.articles.published().with_cards(),
            downloads=download_links("references:export_one", key=self.object.key),
            citation_meta=citation_meta(self.object),
            **kwargs,
        )


def reference_download(request, key, extension):
    reference = get_object_or_404(Reference, key=key)
    return download([reference], extension, reference.key)
