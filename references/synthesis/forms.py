"""The two steps of an outcome-data import in the admin: upload and preview, then confirm."""

from django import forms
from django.core import signing
from django.template.defaultfilters import filesizeformat

from .importing import OutcomeFileError, plan, problems_of, read

MAX_BYTES = 1024 * 1024
_SALT = "references.outcomes-import"


def decode(data):
    """UTF-8 (with or without a byte-order mark), or Windows-1252 as Excel saves “CSV” on Windows."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class OutcomeFileForm(forms.Form):
    file = forms.FileField(help_text="A CSV file (comma-, semicolon- or tab-separated) of up to 1 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                "The file is %(size)s; the limit is 1 MB. Split it into smaller files and import each.",
                params={"size": filesizeformat(upload.size)},
            )
        text = decode(upload.read())
        try:
            self.planned = plan(read(text))
        except OutcomeFileError as error:
            raise forms.ValidationError(error.problems) from None
        if problems := problems_of(self.planned):
            raise forms.ValidationError(
                [
                    "Nothing was imported: every row must be valid. Correct these rows and upload the file again.",
                    *problems,
                ]
            )
        self.text, self.filename = text, upload.name
        return upload

    def confirmation(self):
        payload = signing.dumps({"text": self.text, "filename": self.filename}, salt=_SALT, compress=True)
        return OutcomeConfirmForm(initial={"payload": payload})


class OutcomeConfirmForm(forms.Form):
    """The file the editor previewed, signed so that it cannot change on the way; planned again on
    confirmation, as the studies may have changed meanwhile."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def clean_payload(self):
        try:
            payload = signing.loads(self.cleaned_data["payload"], salt=_SALT, max_age=60 * 60)
        except signing.BadSignature:
            raise forms.ValidationError("This preview has expired or was altered. Upload the file again.") from None
        try:
            self.planned = plan(read(payload["text"]))
        except OutcomeFileError as error:
            raise forms.ValidationError(error.problems) from None
        if problems := problems_of(self.planned):
            raise forms.ValidationError(["The studies changed since the preview; nothing was imported.", *problems])
        self.filename = payload["filename"]
        return payload
