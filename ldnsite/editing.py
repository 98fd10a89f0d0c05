"""Editing safely in the admin: a save made over someone else's newer save is refused, and nothing is lost.

Every save of a piece, an author or a reference counts up its ``revision``. The
admin form carries the revision it was opened at; if the row has moved on when
the form comes back, the save is refused with a message saying who saved, when,
and which fields they changed (from the versions django-reversion keeps). The
editor's own text stays in the form. Saving again, having seen the message,
keeps their version: nothing is overwritten without someone knowing.
"""

from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.text import Truncator
from reversion.models import Version


class GuardedModelForm(forms.ModelForm):
    opened_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_revision"].initial = self.instance.revision

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_revision")
        if self.instance.pk is None or opened is None:
            return cleaned
        rows = type(self.instance).objects.filter(pk=self.instance.pk)
        if connection.in_atomic_block and connection.features.has_select_for_update:
            rows = rows.select_for_update()  # hold the row until this save commits
        current = rows.values_list("revision", flat=True).first()
        if current is not None and current != opened:
            # Show the editor's text again, now marked as having seen the newer save.
            self.data = self.data.copy()
            self.data[self.add_prefix("opened_revision")] = current
            raise forms.ValidationError(self._conflict_message(opened), code="edit_conflict")
        return cleaned

    def _conflict_message(self, opened):
        versions = list(Version.objects.get_for_object(self.instance).select_related("revision__user")[:50])
        latest = versions[0].revision if versions else None
        who = ""
        if latest is not None:
            user = latest.user.get_username() if latest.user else "someone"
            when = timezone.localtime(latest.date_created).strftime("%d %B %Y at %H:%M")
            who = f" ({user}, on {when})"
        changed = self._changed_fields(versions, opened)
        if changed:
            what = f" They changed: {', '.join(changed)}."
        else:
            # No version of what was opened (made outside the admin): say where theirs and yours differ.
            differing = self._differing_fields()
            what = f" The saved version differs from yours in: {', '.join(differing)}." if differing else ""
        noun = self.instance._meta.verbose_name
        return (
            f"This {noun} was saved by someone else{who} after you opened it.{what} "
            "Your version is still in the form below and has not been saved. Open the "
            f"{noun} in another tab to see theirs, bring in what you need, then save again to keep yours."
        )

    def _differing_fields(self):
        """Each form field whose saved value differs from what this editor submitted."""
        saved = type(self.instance).objects.get(pk=self.instance.pk)
        differing = []
        for name, field in self.fields.items():
            if name == "opened_revision" or name not in self.cleaned_data:
                continue
            try:
                value = field.prepare_value(getattr(saved, name))
            except (AttributeError, ValueError):
                continue
            if isinstance(value, str) and value != self.cleaned_data[name]:
                differing.append(f"{field.label or name} (saved: “{Truncator(value).chars(60)}”)")
        return differing

    def _changed_fields(self, versions, opened):
        """Each form field whose stored value differs between the version opened and the current one."""
        before = next((v.field_dict for v in versions if v.field_dict.get("revision") == opened), None)
        now = versions[0].field_dict if versions else None
        if before is None or now is None:
            return []
        changed = []
        for name, field in self.fields.items():
            if name in before and name in now and before[name] != now[name]:
                value = now[name]
                shown = f" (now “{Truncator(str(value)).chars(60)}”)" if isinstance(value, str) and value else ""
                changed.append(f"{field.label or name}{shown}")
        return changed
