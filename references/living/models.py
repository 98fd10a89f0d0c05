"""What the living-evidence jobs keep: the saved searches, what they found, and the trials' registry records."""

from django.conf import settings
from django.db import models


class SavedSearch(models.Model):
    """A PubMed search the site runs on a schedule; each new PMID goes to the triage queue."""

    name = models.CharField(max_length=200, help_text="What the search looks for, e.g. “LDN and fibromyalgia”.")
    query = models.CharField(
        max_length=1000,
        help_text="A PubMed query, as typed in PubMed's search box, e.g. "
        "naltrexone[tiab] AND low dose AND fibromyalgia",
    )
    active = models.BooleanField(default=True, help_text="Run on the schedule. Untick to pause it.")
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_count = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="How many records PubMed matched on the last run."
    )
    last_new = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="How many of them were new to the triage queue."
    )
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "saved searches"

    def __str__(self):
        return self.name


class Finding(models.Model):
    """One thing the jobs found for an editor to look at: a new record in a saved search, a change in a
    trial's registry record, or a retraction or correction of a reference in the library.

    ``key`` names what was found ("pubmed:23359310", "trial:NCT00568555:results", "update:<notice DOI>:
    <reference DOI>"), so that finding it again changes nothing, and a dismissed one never comes back."""

    class Kind(models.TextChoices):
        NEW_STUDY = "study", "New in a saved search"
        TRIAL = "trial", "Trial registry change"
        RETRACTION = "retraction", "Retraction"
        CORRECTION = "correction", "Correction or expression of concern"

    class Status(models.TextChoices):
        NEW = "new", "To triage"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    key = models.CharField(max_length=300, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, editable=False)
    title = models.CharField(max_length=500, editable=False)
    detail = models.CharField(max_length=1000, blank=True, editable=False)
    pmid = models.CharField("PubMed ID", max_length=16, blank=True, editable=False)
    doi = models.CharField("DOI", max_length=255, blank=True, editable=False)
    fields = models.JSONField(
        default=dict, blank=True, editable=False, help_text="The record's reference fields, for accepting it."
    )
    search = models.ForeignKey(
        SavedSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings", editable=False
    )
    study = models.ForeignKey(
        "references.Study", null=True, blank=True, on_delete=models.CASCADE, related_name="findings", editable=False
    )
    reference = models.ForeignKey(
        "references.Reference",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
        editable=False,
        help_text="The reference it concerns, or, once a new record is accepted, the one it became.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was dismissed, e.g. “A rodent study”, “Not about naltrexone”."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    found_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        verbose_name = "finding"
        verbose_name_plural = "triage queue"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title[:80]}"


class TrialRecord(models.Model):
    """What ClinicalTrials.gov said of a study when the site last asked."""

    study = models.OneToOneField("references.Study", on_delete=models.CASCADE, related_name="trial_record")
    nct_id = models.CharField("NCT number", max_length=11)
    title = models.CharField(max_length=500, blank=True)
    overall_status = models.CharField(max_length=40, blank=True, help_text="As the registry gives it, e.g. COMPLETED.")
    enrolment = models.PositiveIntegerField(null=True, blank=True)
    enrolment_type = models.CharField(max_length=16, blank=True, help_text="ACTUAL or ESTIMATED.")
    completion_date = models.CharField(max_length=10, blank=True, help_text="As given: 2013-06 or 2013-06-30.")
    results_posted = models.CharField(
        max_length=10, blank=True, help_text="When results were first posted on the registry, or blank."
    )
    last_update_posted = models.CharField(max_length=10, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True, help_text="When the registry last answered.")
    failed_at = models.DateTimeField(null=True, blank=True, help_text="When the last check failed, if it did.")
    error = models.CharField(max_length=500, blank=True, help_text="Why the last check failed, if it did.")

    STATUS_WORDS = {
        "NOT_YET_RECRUITING": "not yet recruiting",
        "RECRUITING": "recruiting",
        "ENROLLING_BY_INVITATION": "enrolling by invitation",
        "ACTIVE_NOT_RECRUITING": "active, not recruiting",
        "SUSPENDED": "suspended",
        "TERMINATED": "terminated",
        "COMPLETED": "completed",
        "WITHDRAWN": "withdrawn",
        "UNKNOWN": "status unknown",
    }

    class Meta:
        ordering = ["nct_id"]

    def __str__(self):
        return f"{self.nct_id}: {self.status_text}"

    @property
    def status_text(self):
        return self.STATUS_WORDS.get(self.overall_status, self.overall_status.replace("_", " ").lower())
