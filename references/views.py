"""The public reference library and a page per reference."""

from django.views.generic import DetailView, ListView

from .forms import LibraryFilterForm
from .models import Reference


class ReferenceListView(ListView):
    """Every reference, newest first, filterable by kind and year."""

    template_name = "references/reference_list.html"
    context_object_name = "references"
    paginate_by = 25

    def get_queryset(self):
        self.form = LibraryFilterForm(self.request.GET)
        references = Reference.objects.all()
        if not self.form.is_valid():
            # A hand-edited or stale link: say so, and show nothing rather than guess.
            return references.none()
        if kind := self.form.cleaned_data["kind"]:
            references = references.filter(kind=kind)
        if year := self.form.cleaned_data["year"]:
            references = references.filter(year=year)
        return references

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form,
            kinds=Reference.Kind.choices,
            years=list(Reference.objects.years()),
            **kwargs,
        )


class ReferenceDetailView(DetailView):
    template_name = "references/reference_detail.html"
    context_object_name = "reference"
    slug_field = "key"
    slug_url_kwarg = "key"
    queryset = Reference.objects.all()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            citing_articles=self.object.articles.published().with_cards(),
            **kwargs,
        )
