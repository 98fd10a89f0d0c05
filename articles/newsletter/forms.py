from django import forms
from django.conf import settings

from . import tokens
from .models import MailingList, normalise_address


class ListsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, mailing_list):
        return f"{mailing_list.name}: {mailing_list.description}" if mailing_list.description else mailing_list.name


class SubscribeForm(forms.Form):
    """An address and the lists it wants. A bot is told apart by a field people never see (``website``,
    hidden from sight and from screen readers) and by how fast the form comes back."""

    email = forms.EmailField(label="Your e-mail address", max_length=254)
    lists = ListsField(
        queryset=MailingList.objects.filter(offered=True),
        label="What you would like",
        error_messages={"required": "Tick at least one of the lists."},
    )
    website = forms.CharField(required=False, label="Leave this empty")
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.fields["website"].widget.attrs.update(tabindex="-1", autocomplete="off")
        if not self.is_bound:
            self.initial.setdefault("started", tokens.form_started())
            self.initial.setdefault("lists", list(self.fields["lists"].queryset.values_list("pk", flat=True)[:1]))

    def clean_email(self):
        return normalise_address(self.cleaned_data["email"])

    def clean_started(self):
        elapsed = tokens.seconds_since_form(self.cleaned_data["started"])
        if elapsed is None or elapsed > 24 * 3600:
            raise forms.ValidationError("This form has expired: please send it again.")
        if elapsed < settings.NEWSLETTER_FORM_MIN_SECONDS:
            raise forms.ValidationError("That was very quick: please wait a moment and send the form again.")
        return self.cleaned_data["started"]

    @property
    def is_bot(self):
        return bool(self.cleaned_data.get("website"))


class PreferencesForm(forms.Form):
    lists = ListsField(
        queryset=MailingList.objects.filter(offered=True),
        required=False,
        label="What you get",
        help_text="Untick everything to leave: your address is then deleted.",
    )
