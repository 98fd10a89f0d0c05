"""Admin widgets that screen readers can name.

Django's autocomplete (select2) labels its combobox with the text of the current
choice; with nothing chosen and an empty placeholder, the box has no name at all
(axe: aria-input-field-name). A placeholder fills that gap for every editor, and a small script names the
read-only text box select2 draws beside it.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect


class NamedAutocompleteSelect(AutocompleteSelect):
    def __init__(self, field, admin_site, placeholder, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.placeholder = placeholder

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = self.placeholder
        return attrs

    @property
    def media(self):
        return super().media + forms.Media(js=["references/admin/autocomplete-names.js"])


class NamedAutocompleteMixin:
    """For a ModelAdmin or inline: its ``autocomplete_fields`` get a placeholder from ``autocomplete_placeholders``."""

    autocomplete_placeholders = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_placeholders and "widget" not in kwargs:
            kwargs["widget"] = NamedAutocompleteSelect(
                db_field, self.admin_site, self.autocomplete_placeholders[db_field.name], using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
