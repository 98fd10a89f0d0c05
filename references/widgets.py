"""Admin widgets that screen readers can name.

Django's autocomplete (select2) labels its combobox with the text of the current
choice; with nothing chosen and an empty placeholder, the box has no name at all
(axe: aria-input-field-name). A placeholder fills that gap for every editor, and a small script names the
read-only text box select2 draws beside it.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import connections


class NamedAutocompleteSelect(AutocompleteSelect):
    def __init__(self, field, admin_site, placeholder, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.placeholder = placeholder

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = self.placeholder
        return attrs

    def optgroups(self, name, value, attr=None):
        # Django looks the submitted values up with pk__in to show the current choice again,
        # and a value no key can have (a word, or a number past the column's range) makes
        # that query fail with a 500 instead of letting the form report the error.
        return super().optgroups(name, [item for item in value if self._could_be_a_key(item)], attr)

    def _could_be_a_key(self, value):
        target = self.field.target_field
        try:
            key = target.to_python(value)
        except ValidationError:
            return False
        if isinstance(key, int):
            ops = connections[self.db or "default"].ops
            low, high = ops.integer_field_ranges.get(target.get_internal_type(), (None, None))
            return (low is None or low <= key) and (high is None or key <= high)
        return key not in (None, "")

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
