"""Forms for the public article pages (filters arrive as query strings)."""

from django import forms


class ArticleFilterForm(forms.Form):
    tag = forms.SlugField(required=False, max_length=100)
