"""An editor's decision on a finding: accept it (a new record becomes a reference, or is matched to the one
the library has; a registry change or a notice is marked as seen) or dismiss it with a reason. A decided
finding keeps its key, so the jobs never bring it back."""

import datetime

import reversion
from django.db import transaction
from django.utils import timezone

from ..formats import ParsedEntry, ReferenceFileError
from ..importing import LibraryIndex, apply_import, plan_import
from ..models import Reference, notice_key
from .models import Finding


class TriageError(Exception):
    """The finding cannot be accepted as it stands; the message says why, for the editor."""


def _fields(finding):
    fields = dict(finding.fields)
    if fields.get("date"):
        fields["date"] = datetime.date.fromisoformat(fields["date"])
    return fields


def accept(finding, user):
    """Accept ``finding`` for ``user``; return (the reference it concerns or became, or None; what happened)."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status != Finding.Status.NEW:
            raise TriageError(f"This was already {finding.get_status_display().lower()}.")
        said = "Marked as seen."
        if finding.kind == Finding.Kind.NEW_STUDY:
            finding.reference, said = _to_library(finding, user)
        finding.status = Finding.Status.ACCEPTED
        finding.decided_by, finding.decided_at = user, timezone.now()
        finding.save(update_fields=["status", "reference", "decided_by", "decided_at"])
    return finding.reference, said


def _to_library(finding, user):
    """The library's reference for a new record: the one it already has (same PMID, DOI, or title and
    year), or a new one made from the record."""
    fields = {name: value for name, value in _fields(finding).items() if value not in (None, "")}
    entry = ParsedEntry(line=1, label=f"PubMed {finding.pmid}", fields=fields, identifiers=("pmid", "doi"))
    library = LibraryIndex([entry])
    reference, matched_by = library.match(fields, entry.identifiers)
    if reference is None and (same := library.same_title(fields)):
        reference, matched_by = same[0], "title and year"
    if reference is not None:
        return reference, f"The library already has this work ({matched_by}): [@{reference.key}]."
    try:
        plans = plan_import([entry])
    except ReferenceFileError as error:
        raise TriageError("PubMed's record cannot be saved as it stands: " + "; ".join(error.problems)) from None
    apply_import(plans, f"Added from the triage queue (PubMed {finding.pmid})", user)
    reference = plans[0].reference
    return reference, f"Added to the library as [@{reference.key}]: cite it in a piece with [@{reference.key}]."


def dismiss(finding, user, reason):
    """Dismiss ``finding`` with ``reason``. Dismissing a retraction or a correction says the notice is not
    about this work (Crossref linked it to the wrong DOI): it is set aside on the reference, which then no
    longer shows it, and a later check does not bring it back."""
    reason = (reason or "").strip()
    if not reason:
        raise TriageError("Say why it is dismissed, so that the next editor knows.")
    with transaction.atomic():
        updated = Finding.objects.filter(pk=finding.pk, status=Finding.Status.NEW).update(
            status=Finding.Status.DISMISSED, reason=reason[:500], decided_by=user, decided_at=timezone.now()
        )
        if not updated:
            raise TriageError("This was already decided by someone else; reload the page to see how.")
        if finding.kind in (Finding.Kind.RETRACTION, Finding.Kind.CORRECTION) and finding.reference_id:
            _set_aside(finding, user, reason)


def _set_aside(finding, user, reason):
    reference = Reference.objects.select_for_update().get(pk=finding.reference_id)
    notice = (finding.doi, finding.key.rsplit(":", 1)[-1])
    updates = [
        {**update, "set_aside": reason[:500]} if notice_key(update) == notice else update
        for update in reference.updates
    ]
    if updates == reference.updates:
        return
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(f"Set aside the notice {finding.doi}: {reason}")
        reference.updates = updates
        reference.save()
