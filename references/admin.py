"""The reference library as editors manage it; what readers already see, only editors change (ldnsite.admin_rules)."""

from collections import Counter

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from reversion_compare.admin import CompareVersionAdmin

from ldnsite.admin_rules import SharedMaterialAdminMixin, titled
from ldnsite.roles import is_editor

from .formats import FORMATS
from .forms import ImportConfirmForm, ImportFileForm, ReferenceAdminForm
from .identifiers import normalise_doi, normalise_pmid
from .importing import summary
from .living.admin import registry_record
from .models import (
    Certainty,
    Condition,
    ImportJob,
    Outcome,
    OutcomeResult,
    Reference,
    RiskOfBias,
    Study,
    StudyReport,
)
from .synthesis.forms import OutcomeConfirmForm, OutcomeFileForm
from .synthesis.importing import apply as apply_outcomes
from .tasks import import_file, may_import, run_job, update_refusal
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
    readonly_fields = ["created_at", "updated_at", "notices_found", "cited_by"]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title", "authors", "opened_revision"]}),
        ("Where it appeared", {"fields": ["container", "year", "date", "volume", "issue", "pages"]}),
        ("Identifiers and links", {"fields": ["doi", "pmid", "url"]}),
        (None, {"fields": ["note", "created_at", "updated_at"]}),
    ]
    NOTICES = ("Retractions and corrections", {"fields": ["notices_found", "cited_by"]})

    def get_fieldsets(self, request, obj=None):
        """What the retraction check found: near the top when there is a notice, at the foot when not."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        if obj.updates:
            return [fieldsets[0], self.NOTICES, *fieldsets[1:]]
        return [*fieldsets, self.NOTICES]

    @admin.display(description="notices (Crossref)")
    def notices_found(self, reference):
        """What the retraction check found, with links to each notice."""
        if not reference.updates:
            return "None found" if reference.doi else "None (the check needs a DOI)"
        return format_html_join(
            mark_safe("<br>"),
            '{} {} (<a href="https://doi.org/{}" rel="noopener noreferrer">notice</a>{}){}',
            (
                (
                    update["label"] or update["type"],
                    f"on {update['date']}" if update["date"] else "",
                    update["doi"],
                    ", from Retraction Watch" if update["source"] == "retraction-watch" else "",
                    f" — set aside by an editor: {update['set_aside']}" if update.get("set_aside") else "",
                )
                for update in reference.updates
            ),
        )

    @admin.display(description="cited by")
    def cited_by(self, reference):
        """The published pieces citing it (public, so anyone may see their titles), and how many others do:
        which drafts exist is for the article admin's rule, on the editors' desk."""
        if reference.pk is None:
            return "—"
        citing = reference.articles.all()
        published = list(citing.published().order_by("title").only("title", "slug"))
        others = citing.exclude(pk__in=[piece.pk for piece in published]).count()
        if not published and not others:
            return "No piece"
        listed = format_html_join(
            "; ", '<a href="{}">{}</a>', ((piece.get_absolute_url(), piece.title) for piece in published)
        )
        if not others:
            return listed
        more = f"{others} piece{'s' if others != 1 else ''} not published"
        return format_html("{}{}{}", listed, "; " if published else "", more)

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
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="references_reference_import"),
            path("import/left-out/", wrap(self.import_left_out_view), name="references_reference_import_left_out"),
            path("import/<uuid:job_id>/", wrap(self.import_job_view), name="references_reference_import_job"),
            path(
                "import/<uuid:job_id>/left-out/",
                wrap(self.import_job_left_out_view),
                name="references_reference_import_job_left_out",
            ),
            *super().get_urls(),
        ]

    def _check_import_permission(self, request):
        if not may_import(request.user):
            raise PermissionDenied

    def import_view(self, request):
        """Upload a reference file, see what it will create and update (and what it cannot), then confirm.

        A small file is imported at once; a larger one goes to a background worker, and the editor
        watches its progress (no request runs long enough for a proxy to give up on it)."""
        self._check_import_permission(request)
        form, confirm = ImportFileForm(), None
        if request.method == "POST" and "payload" in request.POST:
            confirm = ImportConfirmForm(request.POST)
            if confirm.is_valid():
                if confirm.cleaned_data["payload"]["to_save"] > settings.REFERENCE_IMPORT_INLINE:
                    with transaction.atomic():  # the job exists exactly when its task does
                        job = confirm.job(request.user)
                        import_file.enqueue(str(job.pk))
                    return redirect(job)
                job = confirm.job(request.user)
                job = run_job(job)
                if job.status == ImportJob.Status.DONE and not job.left_out:
                    self.message_user(request, f"Imported {job.filename}: {summary(job.counts)}.", messages.SUCCESS)
                    return redirect("admin:references_reference_changelist")
                return redirect(job)
        elif request.method == "POST":
            form = ImportFileForm(request.POST, request.FILES, refuse_update=update_refusal(request.user))
            if form.is_valid():
                confirm = form.confirmation()
        plans = form.plans if confirm and form.is_bound else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import references",
            "form": form,
            "confirm": confirm,
            "plans": plans,
            "left_out": form.left_out if plans else [],
            "counts": summary(Counter(plan.action for plan in plans)) if plans else "",
            "to_save": sum(plan.saves for plan in plans) if plans else 0,
            "inline_limit": settings.REFERENCE_IMPORT_INLINE,
        }
        return TemplateResponse(request, "admin/references/reference/import.html", context)

    def import_left_out_view(self, request):
        """The entries a preview could not import, as a file in the same format, to fix and import again."""
        self._check_import_permission(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        confirm = ImportConfirmForm(request.POST)
        if confirm.is_valid():
            try:
                found, text = confirm.left_out(update_refusal(request.user))
            except forms.ValidationError:
                found = None
            if found is not None:
                return _attachment(text, found, confirm.filename)
        messages.error(request, "This preview has expired or was altered. Upload the file again.")
        return redirect("admin:references_reference_import")

    def _job(self, request, job_id):
        """An import, for the account that confirmed it or an editor."""
        self._check_import_permission(request)
        job = get_object_or_404(ImportJob, pk=job_id)
        if job.user_id != request.user.pk and not is_editor(request.user):
            raise PermissionDenied("This import was started by another account.")
        return job

    def import_job_view(self, request, job_id):
        """How far an import has got; when it has ended, what it did and what it left out, and why."""
        job = self._job(request, job_id)
        if request.GET.get("format") == "json":
            return JsonResponse(
                {"status": job.status, "label": job.get_status_display(), "saved": job.saved, "to_save": job.to_save}
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import of {job.filename}",
            "job": job,
            "counts": summary(job.counts) if job.status == ImportJob.Status.DONE else "",
        }
        return TemplateResponse(request, "admin/references/reference/import_job.html", context)

    def import_job_left_out_view(self, request, job_id):
        job = self._job(request, job_id)
        if not job.left_out:
            raise Http404("This import left nothing out.")
        found = FORMATS.get(job.format) or FORMATS["bib"]
        return _attachment(found.file_of(entry["source"] for entry in job.left_out), found, job.filename)


def _attachment(text, found, filename):
    stem = filename.rsplit(".", 1)[0] or "references"
    response = HttpResponse(text, content_type=f"{found.content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}-left-out.{found.extension}")
    return response


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
    show_change_link = True  # the report's own page, where its outcome data are entered


@admin.register(Study)
class StudyAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """The studies of the evidence table; each is public from the start, so only editors change one."""

    list_display = ["title", "design", "dose_mg", "duration_weeks", "registry_id"]
    list_filter = ["conditions", "design"]
    search_fields = ["title", "registry_id", "reports__reference__key", "reports__reference__title"]
    prepopulated_fields = {"slug": ["title"]}
    # A short list editors keep: checkboxes show it whole, and screen readers name each one
    # (the two-pane filter widget's search icons carry ARIA labels axe rejects).
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    readonly_fields = ["created_at", "updated_at", "registry_status"]
    inlines = [StudyReportInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "conditions"]}),
        (
            "Design",
            {"fields": ["design", "blinding", "population", "primary_outcome", "registry_id", "registry_status"]},
        ),
        ("Treatment", {"fields": ["intervention", ("dose_mg", "frequency"), "duration_weeks", "comparator"]}),
        ("Safety", {"fields": ["adverse_effects"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="registry status")
    def registry_status(self, study):
        return registry_record(study)

    def public_use(self, study):
        return f"a row of the evidence table ({study.get_absolute_url()})"


@admin.register(Outcome)
class OutcomeAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """The outcomes editors keep (pain, fatigue…): each heads a section of every condition page that has data on it."""

    list_display = ["name", "better", "position", "result_count"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(result_count=models.Count("results"))

    @admin.display(description="results entered", ordering="result_count")
    def result_count(self, obj):
        return obj.result_count

    def public_use(self, outcome):
        return "shown on condition pages" if outcome.results.exists() else ""

    change_list_template = "admin/references/outcome/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("import/", wrap(self.import_view), name="references_outcome_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload a CSV of outcome data, see every row it will add or change, then confirm: all or nothing."""
        if not is_editor(request.user):
            raise PermissionDenied("Only editors import outcome data: it reaches the condition pages at once.")
        form, confirm = OutcomeFileForm(), None
        if request.method == "POST" and "payload" in request.POST:
            confirm = OutcomeConfirmForm(request.POST)
            if confirm.is_valid():
                counts = apply_outcomes(confirm.planned)
                self.message_user(
                    request,
                    f"Imported {confirm.filename}: {counts['created']} added, {counts['updated']} updated, "
                    f"{counts['studies']} new stud{'y' if counts['studies'] == 1 else 'ies'}.",
                    messages.SUCCESS,
                )
                return redirect("admin:references_outcome_changelist")
        elif request.method == "POST":
            form = OutcomeFileForm(request.POST, request.FILES)
            if form.is_valid():
                confirm = form.confirmation()
        planned = form.planned if confirm is not None and form.is_bound else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import outcome data",
            "form": form,
            "confirm": confirm,
            "planned": planned,
            "new_studies": len({row.study.title for row in planned or [] if row.new_study}),
            "designs": Study.Design.values,
        }
        return TemplateResponse(request, "admin/references/outcome/import.html", context)


class OutcomeResultInline(admin.StackedInline):
    model = OutcomeResult
    extra = 0
    fieldsets = [
        (None, {"fields": [("outcome", "measure"), ("timepoint", "paired"), "reported"]}),
        (
            "Counts per arm (dichotomous data)",
            {"fields": [("events_int", "total_int"), ("events_ctl", "total_ctl")]},
        ),
        (
            "Means per arm (continuous data)",
            {"fields": [("mean_int", "sd_int", "n_int"), ("mean_ctl", "sd_ctl", "n_ctl"), ("scale", "change_scores")]},
        ),
        ("Or an effect the report gives, with its 95% CI", {"fields": [("effect", "ci_low", "ci_high")]}),
    ]


class RiskOfBiasInline(admin.StackedInline):
    model = RiskOfBias
    max_num = 1
    extra = 0
    fieldsets = [
        (None, {"fields": ["tool"]}),
        (
            "RoB 2's five domains (randomised trials; leave empty for ROBINS-I)",
            {"fields": [(name, f"{name}_support") for name, _ in RiskOfBias.DOMAINS]},
        ),
        (None, {"fields": [("overall", "overall_support")]}),
    ]


@admin.register(StudyReport)
class StudyReportAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """One report of a study, with its outcome data. Reports are added and removed on their study's page,
    which keeps one main report per study; this page edits one report and what it measured."""

    list_display = ["__str__", "is_main", "participants"]
    list_filter = ["study__conditions", "outcome_results__outcome"]
    search_fields = ["study__title", "reference__key", "reference__title"]
    list_select_related = ["study", "reference"]
    # The report's own figures are edited on its study's page, in one place; this page adds what it measured.
    readonly_fields = ["study", "reference", "is_main", "participants", "sex", "result"]
    fields = [("study", "reference", "is_main"), ("participants", "sex"), "result"]
    inlines = [RiskOfBiasInline, OutcomeResultInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def public_use(self, report):
        return f"a report of a study in the evidence table ({report.study.get_absolute_url()})"


@admin.register(Certainty)
class CertaintyAdmin(SharedMaterialAdminMixin, admin.ModelAdmin):
    """GRADE per outcome and condition: the editor's ratings, beside what the data suggest."""

    list_display = ["outcome", "condition", "level", "effect", "updated_at"]
    list_filter = ["condition", "outcome"]
    list_select_related = ["outcome", "condition"]
    readonly_fields = ["suggested", "statement", "carried_over", "updated_at"]
    fieldsets = [
        (None, {"fields": [("condition", "outcome"), "evidence"]}),
        ("What the data suggest", {"fields": ["suggested"]}),
        (
            "Rated down (GRADE's five concerns)",
            {"fields": [(name, f"{name}_reason") for name, _ in Certainty.CONCERNS]},
        ),
        ("Rated up", {"fields": [("upgrade", "upgrade_reason")]}),
        ("The finding", {"fields": ["effect", "comment", "statement", "carried_over", "updated_at"]}),
    ]

    @admin.display(description="certainty")
    def level(self, obj):
        return obj.get_level_display() if obj.rated else "To rate (carried over from study grades)"

    @admin.display(description="plain-language statement")
    def statement(self, obj):
        return obj.statement if obj.pk and obj.effect else "Shown once saved."

    @admin.display(description="suggested from the data")
    def suggested(self, obj):
        if obj is None or obj.pk is None:
            return "Save the rating once to see what the data suggest for this outcome."
        from .synthesis.stats import for_condition

        summary = next((s for s in for_condition(obj.condition) if s.outcome.pk == obj.outcome_id), None)
        if summary is None or not summary.suggestions:
            return "Nothing: the data raise no concern the site can check (inconsistency, imprecision, risk of bias)."
        levels = {0: "check", 1: "−1", 2: "−2"}
        return format_html_join(
            "",
            "<p><strong>{} ({})</strong>: {}</p>",
            ((s.concern.replace("_", " "), levels[s.levels], s.reason) for s in summary.suggestions),
        )

    def public_use(self, certainty):
        return f"shown on its condition's page ({certainty.condition.get_absolute_url()})"
