"""Forms for the reference library: the public filters, and the editors' import."""

from django import forms
from django.core import signing
from django.template.defaultfilters import filesizeformat

from .formats import FORMATS, ReferenceFileError
from .importing import parse, plan_import, read_text
from .models import Reference


class LibraryFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Reference.Kind.choices])
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)


# An upload is read into memory and carried through the preview, so it is kept
# well under Django's request-body limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
MAX_IMPORT_BYTES = 1024 * 1024
_IMPORT_SALT = "references.import"


class ImportFileForm(forms.Form):
    """Step one of an import: the file, read and planned but not yet saved."""

    file = forms.FileField(
        help_text="A BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) file of up to 1 MB, as reference managers export."
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "Tell from the file"), *((ext, fmt.label) for ext, fmt in FORMATS.items())],
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                "The file is %(size)s; the limit is 1 MB. Split it into smaller files and import each.",
                params={"size": filesizeformat(upload.size)},
                code="too_large",
            )
        try:
            self.text = read_text(upload.read())
            self.plans = plan_import(parse(self.text, upload.name, cleaned.get("format") or None))
        except ReferenceFileError as error:
            raise forms.ValidationError([forms.ValidationError(problem) for problem in error.problems]) from None
        self.filename = upload.name
        return cleaned

    def confirmation(self):
        """The form that carries the same file to step two, signed so it cannot be altered on the way."""
        payload = {"text": self.text, "filename": self.filename, "format": self.cleaned_data.get("format") or ""}
        return ImportConfirmForm(initial={"payload": signing.dumps(payload, salt=_IMPORT_SALT, compress=True)})


class ImportConfirmForm(forms.Form):
    """Step two: the editor has seen the preview; plan again (the library may have changed) and save."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def clean_payload(self):
        try:
            payload = signing.loads(self.cleaned_data["payload"], salt=_IMPORT_SALT, max_age=60 * 60)
        except signing.BadSignature:
            raise forms.ValidationError(
                "This preview has expired or was altered. Upload the file again.", code="bad_payload"
            ) from None
        self.filename = payload["filename"]
        try:
            self.plans = plan_import(parse(payload["text"], payload["filename"], payload["format"] or None))
        except ReferenceFileError as error:
            raise forms.ValidationError([forms.ValidationError(problem) for problem in error.problems]) from None
        return payload
