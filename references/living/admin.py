"""The living-evidence pages of the admin: saved searches, the triage queue, and the trials' registry records.
Every door asks the admin's rule (``ldnsite.admin_rules``) about the object as it stands."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html

from ldnsite.admin_rules import RuleCheckedAdminMixin

from ..models import Reference
from .models import Finding, SavedSearch, TrialRecord
from .tasks import run_saved_searches
from .triage import TriageError, accept, dismiss


@admin.register(SavedSearch)
class SavedSearchAdmin(RuleCheckedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "query", "active", "last_run_at", "last_count", "last_new", "last_error"]
    list_filter = ["active"]
    search_fields = ["name", "query"]
    readonly_fields = ["last_run_at", "last_count", "last_new", "last_error", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "query", "active"]}),
        ("Last run", {"fields": ["last_run_at", "last_count", "last_new", "last_error", "created_at"]}),
    ]
    actions = ["run_now"]

    @admin.action(description="Run the selected searches now", permissions=["change"])
    def run_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        run_saved_searches.enqueue(search_ids=ids)
        self.message_user(
            request,
            f"{len(ids)} search{'es' if len(ids) != 1 else ''} will run in the background; new records go to the "
            "triage queue.",
            messages.SUCCESS,
        )


@admin.register(Finding)
class FindingAdmin(RuleCheckedAdminMixin, admin.ModelAdmin):
    """The triage queue: nothing the jobs find reaches the library or the pages before an editor decides."""

    change_form_template = "admin/references/finding/change_form.html"
    list_display = ["title", "kind", "detail", "found_at", "status", "decision"]
    list_filter = ["status", "kind", "search"]
    search_fields = ["title", "pmid", "doi", "detail"]
    date_hierarchy = "found_at"
    readonly_fields = [
        "kind",
        "title",
        "detail",
        "links",
        "search",
        "study_link",
        "reference_link",
        "found_at",
        "status",
        "reason",
        "decided_by",
        "decided_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # the jobs add findings

    def has_delete_permission(self, request, obj=None):
        return False  # a finding's key keeps it from coming back; dismiss it instead

    def change_refusal(self, request, finding):
        if refusal := super().change_refusal(request, finding):
            return refusal
        if finding is not None and finding.status != Finding.Status.NEW:
            return f"This was {finding.get_status_display().lower()}; a decision stands."
        return ""

    @admin.display(description="decision")
    def decision(self, finding):
        if finding.status == Finding.Status.NEW:
            return "—"
        return f"{finding.get_status_display()}" + (f": {finding.reason}" if finding.reason else "")

    @admin.display(description="links")
    def links(self, finding):
        parts = []
        if finding.pmid:
            parts.append(
                format_html('<a href="https://pubmed.ncbi.nlm.nih.gov/{}/">PubMed {}</a>', finding.pmid, finding.pmid)
            )
        if finding.doi:
            parts.append(format_html('<a href="https://doi.org/{}">doi.org/{}</a>', finding.doi, finding.doi))
        if finding.study and finding.study.registry_url:
            parts.append(format_html('<a href="{}">{}</a>', finding.study.registry_url, finding.study.registry_id))
        return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else "—"

    @admin.display(description="study")
    def study_link(self, finding):
        if finding.study is None:
            return "—"
        url = reverse("admin:references_study_change", args=[finding.study.pk])
        return format_html('<a href="{}">{}</a>', url, finding.study)

    @admin.display(description="reference")
    def reference_link(self, finding):
        if finding.reference is None:
            return "—"
        url = reverse("admin:references_reference_change", args=[finding.reference.pk])
        pieces = finding.reference.citations.count()
        return format_html(
            '<a href="{}">{}</a> (cited by {} piece{})', url, finding.reference, pieces, "" if pieces == 1 else "s"
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/accept/", wrap(self.accept_view), name="references_finding_accept"),
            path("<path:object_id>/dismiss/", wrap(self.dismiss_view), name="references_finding_dismiss"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _decided(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        finding = self.read_object(request, object_id, change=True)
        if finding is None:
            self.message_user(request, "That finding no longer exists.", messages.WARNING)
            return None, redirect("admin:references_finding_changelist")
        return finding, None

    def accept_view(self, request, object_id):
        finding, response = self._decided(request, object_id)
        if response:
            return response
        if finding.kind == Finding.Kind.NEW_STUDY and not request.user.has_perm("references.add_reference"):
            raise PermissionDenied("Your account may not add references to the library: ask an editor.")
        try:
            reference, said = accept(finding, request.user)
        except TriageError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:references_finding_change", finding.pk)
        self.message_user(request, said, messages.SUCCESS)
        if finding.kind == Finding.Kind.TRIAL and finding.study_id:
            return redirect("admin:references_study_change", finding.study_id)
        if reference is not None:
            return redirect("admin:references_reference_change", reference.pk)
        return redirect("admin:index")

    def dismiss_view(self, request, object_id):
        finding, response = self._decided(request, object_id)
        if response:
            return response
        # Dismissing a notice sets it aside on the reference: the reference admin's rule is asked too.
        notice = finding.kind in (Finding.Kind.RETRACTION, Finding.Kind.CORRECTION) and finding.reference is not None
        if notice and (
            refusal := self.admin_site.get_model_admin(Reference).change_refusal(request, finding.reference)
        ):
            raise PermissionDenied(refusal)
        try:
            dismiss(finding, request.user, request.POST.get("reason"))
        except TriageError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:references_finding_change", finding.pk)
        said = f"Dismissed: {finding.title}. It will not come back."
        if finding.kind in (Finding.Kind.RETRACTION, Finding.Kind.CORRECTION):
            said += " The notice is set aside: the reference no longer shows it."
        self.message_user(request, said, messages.SUCCESS)
        return redirect("admin:index")


def registry_record(study):
    """What ClinicalTrials.gov last said of ``study``, for its admin page (read-only; kept by the weekly check)."""
    record = TrialRecord.objects.filter(study=study).first() if study.pk else None
    if record is None:
        if study.registry_id and study.registry_id.startswith("NCT"):
            return "Not checked yet: the weekly registry check will fetch it."
        return "Only ClinicalTrials.gov records (NCT numbers) are checked."
    if record.error:
        return f"The last check ({record.failed_at:%d %b %Y %H:%M}) failed: {record.error}"
    # The words readers see on the study's page.
    return render_to_string("references/_registry_status.html", {"record": record}).strip()
