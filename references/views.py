"""The public reference library, a page per reference, and their downloads for reference managers."""

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.generic import DetailView, ListView

from .formats import FORMATS
from .forms import LibraryFilterForm
from .models import Reference


def filtered_library(query):
    """The library filtered by a query string: (form, references); no references if the filter is not valid."""
    form = LibraryFilterForm(query)
    references = Reference.objects.all()
    if not form.is_valid():
        return form, references.none()
    if kind := form.cleaned_data["kind"]:
        references = references.filter(kind=kind)
    if year := form.cleaned_data["year"]:
        references = references.filter(year=year)
    return form, references


def download(references, extension, name):
    """The references as a file to save, in the format for ``extension``, written as it is sent."""
    file_format = FORMATS[extension]
    response = StreamingHttpResponse(
        file_format.write(references), content_type=f"{file_format.content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{file_format.extension}")
    return response


def download_links(viewname, query="", **kwargs):
    """A link per export format, for the "Download" line under a list of references."""
    suffix = f"?{query}" if query else ""
    return [
        {"label": fmt.label, "url": reverse(viewname, kwargs={**kwargs, "extension": extension}) + suffix}
        for extension, fmt in FORMATS.items()
    ]


class ReferenceListView(ListView):
    """Every reference, newest first, filterable by kind and year."""

    template_name = "references/reference_list.html"
    context_object_name = "references"
    paginate_by = 25

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
            years=list(Reference.objects.years()),
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
            **kwargs,
        )


def reference_download(request, key, extension):
    reference = get_object_or_404(Reference, key=key)
    return download([reference], extension, reference.key)
