"""Forms for the public article pages (filters arrive as query strings)."""

from django import forms

from references.models import Reference

from .search.query import ARTICLE, MAX_QUERY_LENGTH


class ArticleFilterForm(forms.Form):
    tag = forms.SlugField(required=False, max_length=100)


class QueryField(forms.CharField):
    """What a reader typed, less any NUL characters (databases refuse them; a reader never means them)."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "")


class SearchForm(forms.Form):
    """The search box and its filters. A query longer than the limit is cut, not refused."""

    q = QueryField(required=False, strip=True, label="Search")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Everything"), (ARTICLE, "Evidence pieces"), *Reference.Kind.choices]
    )
    tag = forms.SlugField(required=False, max_length=100)

    def clean_q(self):
        return self.cleaned_data["q"][:MAX_QUERY_LENGTH]
