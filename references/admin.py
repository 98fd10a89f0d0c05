"""The reference library as editors manage it; what readers already see, only editors change (ldnsite.admin_rules)."""

import functools
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from reversion_compare.admin import CompareVersionAdmin

from ldnsite.admin_rules import SharedMaterialAdminMixin, titled

from .forms import ImportConfirmForm, ImportFileForm, ReferenceAdminForm
from .identifiers import normalise_doi, normalise_pmid
from .importing import PlannedImport, apply_import, summary
from .models import Condition, Reference, Study, StudyReport
from .widgets import NamedAutocompleteMixin


@admin.register(Reference)
class ReferenceAdmin(SharedMaterialAdminMixin, CompareVersionAdmin):
    """References, with every saved version kept (History: compare, restore; Recover deleted references).

    Authors add references and correct those no published piece uses yet; once a published piece
    cites one, or the evidence table shows it as a study's report, only editors change it."""

    form = ReferenceAdminForm
    change_list_template = "admin/references/reference/change_list.html"
    list_display = ["key", "short_title", "kind", "year", "container", "doi_link", "pmid_link"]
    list_display_links = ["key", "short_title"]
    list_filter = ["kind", "year"]
    search_fields = ["key", "title", "authors", "container", "doi", "pmid"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title", "authors", "opened_revision"]}),
        ("Where it appeared", {"fields": ["container", "year", "date", "volume", "issue", "pages"]}),
        ("Identifiers and links", {"fields": ["doi", "pmid", "url"]}),
        (None, {"fields": ["note", "created_at", "updated_at"]}),
    ]

    @admin.display(description="title", ordering="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 70 else obj.title[:69] + "…"

    @admin.display(description="DOI", ordering="doi")
    def doi_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.doi_url, obj.doi) if obj.doi else "–"

    @admin.display(description="PMID", ordering="pmid")
    def pmid_link(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.pmid_url, obj.pmid) if obj.pmid else "–"

    def public_use(self, reference):
        if pieces := titled(reference.articles.published_or_scheduled()):
            return f"cited by {pieces}"
        studies = list(Study.objects.filter(reports__reference=reference).values_list("title", flat=True)[:3])
        if studies:
            return f"a report of a study in the evidence table ({'; '.join(studies)})"
        return ""

    def import_refusal(self, request, reference):
        """Why this user may not update ``reference`` (the library's, matched by a file's entry) from a file,
        or "": change_refusal asks what cites it, which the entry's new values do not change."""
        return self.change_refusal(request, reference)

    def get_search_results(self, request, queryset, search_term):
        """Also find a reference by a pasted doi.org or PubMed link, as the fields store them bare."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            doi, pmid = normalise_doi(term), normalise_pmid(term)
            if doi != term.lower() or pmid != term:
                results |= queryset.filter(doi=doi) | queryset.filter(pmid=pmid)
        return results, may_have_duplicates

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_view)
        return [path("import/", import_view, name="references_reference_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload a BibTeX, RIS or CSL-JSON file, see what it will create and update, then confirm."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        refusal = functools.partial(self.import_refusal, request)
        form, confirm, plans = ImportFileForm(), None, None
        if request.method == "POST" and "payload" in request.POST:
            confirm = ImportConfirmForm(request.POST, refuse_update=refusal)
            if confirm.is_valid():
                with transaction.atomic():
                    counts = apply_import(confirm.plans, f"Imported from {confirm.filename}", request.user)
                    for plan in confirm.plans:
                        if plan.action == PlannedImport.CREATE:
                            self.log_addition(request, plan.reference, [{"added": {}}])
                        elif plan.action == PlannedImport.UPDATE:
                            self.log_change(request, plan.reference, f"Imported from {confirm.filename}")
                self.message_user(request, f"Imported {confirm.filename}: {summary(counts)}.", messages.SUCCESS)
                return redirect("admin:references_reference_changelist")
        elif request.method == "POST":
            form = ImportFileForm(request.POST, request.FILES, refuse_update=refusal)
            if form.is_valid():
                plans, confirm = form.plans, form.confirmation()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import references",
            "form": form,
            "confirm": confirm,
            "plans": plans,
            "counts": summary(Counter(plan.action for plan in plans)) if plans else "",
        }
        return TemplateResponse(request, "admin/references/reference/import.html", context)


@admin.register(Condition)
class ConditionAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """The conditions studies are about; each has a public page from the start, so only editors change one."""

    list_display = ["name", "slug", "study_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(study_count=models.Count("studies"))

    @admin.display(description="studies", ordering="study_count")
    def study_count(self, obj):
        return obj.study_count

    def public_use(self, condition):
        return f"listed on its public page ({condition.get_absolute_url()})"


class StudyReportFormSet(forms.BaseInlineFormSet):
    """A study needs at least one report, and exactly one main report whose figures the table shows."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError("Add the reference that reports this study: a study needs at least one report.")
        if len(kept) == 1:
            kept[0].instance.is_main = True
            return
        mains = [form for form in kept if form.cleaned_data.get("is_main")]
        if len(mains) != 1:
            raise forms.ValidationError(
                "Tick “main report” on exactly one report: the evidence table shows its figures "
                f"(now {len(mains)} of {len(kept)} are ticked)."
            )

    def save(self, commit=True):
        # The main report may move from one row to another: clear the old one first so that
        # the one-main-report constraint never sees two at once.
        if commit:
            moving = {form.instance.pk for form in self.forms if form.instance.pk and not form.instance.is_main}
            StudyReport.objects.filter(pk__in=moving).update(is_main=False)
        return super().save(commit)


class StudyReportInline(NamedAutocompleteMixin, admin.StackedInline):
    model = StudyReport
    formset = StudyReportFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ["reference"]
    autocomplete_placeholders = {"reference": "Find a reference by key, title, author or DOI"}
    fields = [
        ("reference", "is_main"),
        ("participants", "sex"),
        "result",
        ("intervention_change_pct", "comparator_change_pct", "effect_pct"),
        ("p_relation", "p_value"),
    ]


@admin.register(Study)
class StudyAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """The studies of the evidence table; each is public from the start, so only editors change one."""

    list_display = ["title", "design", "dose_mg", "duration_weeks", "grade", "registry_id"]
    list_filter = ["conditions", "design", "grade"]
    search_fields = ["title", "registry_id", "reports__reference__key", "reports__reference__title"]
    prepopulated_fields = {"slug": ["title"]}
    # A short list editors keep: checkboxes show it whole, and screen readers name each one
    # (the two-pane filter widget's search icons carry ARIA labels axe rejects).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [StudyReportInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "conditions"]}),
        ("Design", {"fields": ["design", "blinding", "population", "primary_outcome", "registry_id"]}),
        ("Treatment", {"fields": ["intervention", ("dose_mg", "frequency"), "duration_weeks", "comparator"]}),
        ("Safety and grade", {"fields": ["adverse_effects", "grade", "grade_reason"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def public_use(self, study):
        return f"a row of the evidence table ({study.get_absolute_url()})"
