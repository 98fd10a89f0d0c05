"""Forms for the reference library and the evidence table: the public filters, and the editors' import."""

from django import forms
from django.core import signing
from django.db.models import F
from django.template.defaultfilters import filesizeformat

from ldnsite.editing import GuardedModelForm

from .formats import FORMATS, ReferenceFileError
from .importing import (
    IMPORTED_FIELDS,
    PlannedImport,
    file_format,
    parse,
    plan_import,
    read_text,
    require_valid,
    unused_key,
)
from .lookup import ReferenceLookupError, look_up
from .models import Condition, ImportJob, Reference, Study


class LibraryFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Reference.Kind.choices])
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)


# Dose bands a reader thinks in: FACTS' "low dose" is 3 to 5 mg; 50 mg and more is the
# dose used in addiction. Each band is its label and its filter.
DOSE_BANDS = {
    "ultra-low": ("Under 1 mg (ultra-low dose)", {"dose_mg__lt": 1}),
    "low": ("1 to 5 mg (low dose)", {"dose_mg__gte": 1, "dose_mg__lte": 5}),
    "higher": ("Over 5 mg", {"dose_mg__gt": 5}),
}

# Sort keys readers see in the address, and the columns behind them; a "-" sorts high to low.
STUDY_SORTS = {
    "year": "year",
    "participants": "participants",
    "dose": "dose_mg",
    "duration": "duration_weeks",
    "effect": "effect_pct",
    "risk": "risk_rank",
    "title": "title",
}

# The orders offered in the "Sort by" menu; the column headings offer the reverse of each too.
SORT_MENU = {
    "-year": "Newest first",
    "year": "Oldest first",
    "-participants": "Most participants",
    "-effect": "Largest effect",
    "risk": "Lowest risk of bias",
    "-dose": "Highest dose",
    "-duration": "Longest",
    "title": "Title, A to Z",
}


# The risk-of-bias filter's bands: RoB 2's and ROBINS-I's judgements of a study's main report, together.
RISK_FILTERS = {
    "low": {"risk_of_bias": "low"},
    "some": {"risk_of_bias__in": ["some", "moderate"]},
    "high": {"risk_of_bias__in": ["high", "serious", "critical"]},
    "unassessed": {"risk_of_bias__isnull": True},
}


class EvidenceFilterForm(forms.Form):
    """The evidence table's filters and sort order, as they arrive in the query string."""

    condition = forms.ChoiceField(required=False)
    design = forms.ChoiceField(required=False, choices=[("", "Any design"), *Study.Design.choices])
    dose = forms.ChoiceField(
        required=False, choices=[("", "Any dose"), *((slug, band[0]) for slug, band in DOSE_BANDS.items())]
    )
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)
    risk = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any risk of bias"),
            ("low", "Low"),
            ("some", "Some concerns or moderate"),
            ("high", "High, serious or critical"),
            ("unassessed", "Not assessed"),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[("", "Newest first"), *((f"{order}{key}", key) for key in STUDY_SORTS for order in ("", "-"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = [("", "Any condition"), *Condition.objects.values_list("slug", "name")]

    def studies(self):
        """The studies these filters select, in their order; none when a filter is not one the table offers."""
        studies = Study.objects.for_table()
        if not self.is_valid():
            return studies.none()
        data = self.cleaned_data
        if data["condition"]:
            studies = studies.filter(conditions__slug=data["condition"])
        if data["design"]:
            studies = studies.filter(design=data["design"])
        if data["dose"]:
            studies = studies.filter(**DOSE_BANDS[data["dose"]][1])
        if data["year"]:
            studies = studies.filter(year=data["year"])
        if data["risk"]:
            studies = studies.filter(**RISK_FILTERS[data["risk"]])
        return studies.order_by(*self.ordering())

    def ordering(self):
        sort = self.active_sort
        column = F(STUDY_SORTS[sort.lstrip("-")])
        first = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_last=True)
        return [first, "title", "pk"]

    @property
    def active_sort(self):
        return (self.cleaned_data.get("sort") if self.is_valid() else "") or "-year"


# An upload is read into memory and carried through the preview, so it is kept
# well under Django's request-body limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
MAX_IMPORT_BYTES = 1024 * 1024
_IMPORT_SALT = "references.import"


class ImportFileForm(forms.Form):
    """Step one of an import: the file, read and planned but not yet saved.

    Entries that cannot be imported as they stand are listed beside the others, for the editor to
    leave out or to fix; a file none of whose entries can be imported is refused with every reason."""

    file = forms.FileField(
        help_text=(
            "A BibTeX (.bib), RIS (.ris), CSL-JSON (.json) or PubMed (.nbib, or .txt in PubMed format) file "
            "of up to 1 MB, as reference managers and PubMed export."
        )
    )
    format = forms.ChoiceField(
        required=False,
        choices=[("", "Tell from the file"), *((ext, fmt.label) for ext, fmt in FORMATS.items())],
    )

    def __init__(self, *args, refuse_update=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refuse_update = refuse_update

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
            self.file_format = file_format(self.text, upload.name, cleaned.get("format") or None)
            self.plans = plan_import(
                parse(self.text, upload.name, cleaned.get("format") or None),
                partial=True,
                refuse_update=self.refuse_update,
            )
            if not any(plan.saves for plan in self.plans):
                require_valid(self.plans)  # nothing could be imported: the reasons are the answer
        except ReferenceFileError as error:
            raise forms.ValidationError(error.problems) from None
        self.filename = upload.name
        return cleaned

    @property
    def left_out(self):
        return [plan for plan in self.plans if plan.action == PlannedImport.INVALID]

    def confirmation(self):
        """The form that carries the same file to step two, signed so it cannot be altered on the way."""
        payload = {
            "text": self.text,
            "filename": self.filename,
            "format": self.cleaned_data.get("format") or "",
            "to_save": sum(plan.saves for plan in self.plans),
        }
        return ImportConfirmForm(
            initial={
                "payload": signing.dumps(payload, salt=_IMPORT_SALT, compress=True),
                "partial": bool(self.left_out),
            }
        )


class ImportConfirmForm(forms.Form):
    """Step two: the editor has seen the preview and confirms it (leaving out the invalid entries, if the
    preview listed any). The import plans the file again, as the library may have changed meanwhile."""

    payload = forms.CharField(widget=forms.HiddenInput)
    partial = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_payload(self):
        try:
            payload = signing.loads(self.cleaned_data["payload"], salt=_IMPORT_SALT, max_age=60 * 60)
        except signing.BadSignature:
            raise forms.ValidationError(
                "This preview has expired or was altered. Upload the file again.", code="bad_payload"
            ) from None
        self.filename = payload["filename"]
        return payload

    def job(self, user):
        """The import, ready to run."""
        payload = self.cleaned_data["payload"]
        return ImportJob.objects.create(
            user=user,
            filename=payload["filename"][:255],
            format=payload["format"] or file_format(payload["text"], payload["filename"]).extension,
            text=payload["text"],
            partial=self.cleaned_data["partial"],
            to_save=payload["to_save"],
        )

    def left_out(self, refuse_update):
        """The entries the preview listed as not importable, in a file of the same format to fix."""
        payload = self.cleaned_data["payload"]
        try:
            found = file_format(payload["text"], payload["filename"], payload["format"] or None)
            plans = plan_import(
                parse(payload["text"], payload["filename"], payload["format"] or None),
                partial=True,
                refuse_update=refuse_update,
            )
        except ReferenceFileError as error:
            raise forms.ValidationError(error.problems) from None
        sources = [plan.entry.source for plan in plans if plan.action == PlannedImport.INVALID]
        return found, found.file_of(sources)


class ReferenceAdminForm(GuardedModelForm):
    """The admin's reference form: give a DOI or PMID alone and the rest is filled in for checking."""

    class Meta:
        model = Reference
        fields = ["key", *IMPORTED_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "title" not in self.fields:
            return  # shown read-only: nothing to fill in
        self.fields["title"].required = False
        self.fields["key"].required = False
        self.fields["key"].help_text += " Leave blank to make one from the first author and year."
        self.fields["doi"].help_text += " With the title left blank, the details are filled in from Crossref."
        self.fields["pmid"].help_text += " With the title and DOI left blank, the details are filled in from PubMed."

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("title") and not self.has_error("doi") and not self.has_error("pmid"):
            doi, pmid = cleaned.get("doi"), cleaned.get("pmid")
            if not (doi or pmid):
                self.add_error("title", "Give the title, or a DOI or PubMed ID to fill in the details from.")
                return cleaned
            try:
                fields, source = look_up(doi=doi, pmid=pmid)
            except ReferenceLookupError as error:
                raise forms.ValidationError(
                    "%(problem)s Fill in the details by hand, or try again later.",
                    params={"problem": error},
                    code="lookup_failed",
                ) from None
            self._fill_in(fields, cleaned)
            raise forms.ValidationError(
                "The details were filled in from %(source)s. Check them, then save.",
                params={"source": source},
                code="filled_in",
            )
        if not cleaned.get("key") and cleaned.get("title"):
            cleaned["key"] = unused_key(cleaned)
            self.data = self.data.copy()
            self.data[self.add_prefix("key")] = cleaned["key"]
        return cleaned

    def _fill_in(self, fields, cleaned):
        """Put the registry's values in the empty fields of the form the editor will see again."""
        data = self.data.copy()
        for name, value in fields.items():
            if name in self.fields and value not in (None, "") and not cleaned.get(name):
                data[self.add_prefix(name)] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if not cleaned.get("key"):
            data[self.add_prefix("key")] = unused_key(fields)
        self.data = data
