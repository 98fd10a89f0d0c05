"""Forms for the public reference pages (filters arrive as query strings)."""

from django import forms

from .models import Reference


class LibraryFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Reference.Kind.choices])
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)
