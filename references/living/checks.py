"""What each scheduled job does with the registries' answers. Each is idempotent: what it finds is keyed
(``Finding.key``), a registry record is compared with the one kept, and a reference is saved only when its
notices change, so running a job twice changes nothing the second time."""

import datetime
import logging

import reversion
from django.db import transaction
from django.utils import timezone

from ..identifiers import normalise_pmid
from ..lookup import ReferenceLookupError
from ..models import Reference, Study, notice_key
from . import registries
from .models import Finding, SavedSearch, TrialRecord

logger = logging.getLogger(__name__)


class ChecksFailed(Exception):
    """Some of a job's calls failed (each is recorded where the desk shows it); the job is retried."""


def _storable(fields):
    return {name: value.isoformat() if isinstance(value, datetime.date) else value for name, value in fields.items()}


def _describe(fields):
    """ "Younger J, Noor N. Arthritis Rheum. 2013" for a record in the queue."""
    parts = [fields.get("authors") or "", fields.get("container") or "", str(fields.get("year") or "")]
    return ". ".join(part.strip(". ") for part in parts if part)


def run_search(search):
    """Run one saved search: each PMID neither in the library nor ever found before becomes a finding.
    Returns how many; raises ReferenceLookupError (recorded on the search) when PubMed cannot answer."""
    now = timezone.now()
    try:
        count, pmids = registries.search_pubmed(search.query)
        seen = set(Finding.objects.filter(pmid__in=pmids).values_list("pmid", flat=True))
        seen |= {str(pmid) for pmid in Reference.objects.filter(pmid__in=pmids).values_list("pmid", flat=True)}
        records = registries.pubmed_records([pmid for pmid in pmids if pmid not in seen])
    except ReferenceLookupError as error:
        SavedSearch.objects.filter(pk=search.pk).update(last_run_at=now, last_error=str(error)[:500])
        raise
    in_library = {
        doi.lower()
        for doi in Reference.objects.filter(
            doi__in=[fields["doi"] for fields in records.values() if fields.get("doi")]
        ).values_list("doi", flat=True)
    }
    new = 0
    for pmid, fields in records.items():
        if fields.get("doi") and fields["doi"].lower() in in_library:
            continue  # the library has it, without its PMID
        _, created = Finding.objects.get_or_create(
            key=f"pubmed:{normalise_pmid(pmid)}",
            defaults={
                "kind": Finding.Kind.NEW_STUDY,
                "title": (fields.get("title") or f"PubMed record {pmid}")[:500],
                "detail": _describe(fields)[:1000],
                "pmid": str(pmid),
                "doi": fields.get("doi") or "",
                "fields": _storable(fields),
                "search": search,
            },
        )
        new += created
    SavedSearch.objects.filter(pk=search.pk).update(last_run_at=now, last_count=count, last_new=new, last_error="")
    return new


def run_searches(searches=None):
    """Run each active saved search (or these); a failing one does not stop the others."""
    searches = SavedSearch.objects.filter(active=True) if searches is None else searches
    return _each(searches, run_search, lambda search: search.name)


def _each(items, check, name):
    """``check`` each item and add up what they found; one that fails does not stop the others, and
    ChecksFailed then names each failure."""
    found, failed = 0, []
    for item in items:
        try:
            found += check(item)
        except ReferenceLookupError as error:
            failed.append(f"{name(item)}: {error}")
    if failed:
        raise ChecksFailed("; ".join(failed))
    return found


TRIAL_CHANGES = (
    # (field, the finding's key part, what it says)
    ("results_posted", "results", "Results posted on ClinicalTrials.gov{when}"),
    ("overall_status", "status", "Registry status now {value}"),
)


def check_trial(study):
    """Fetch the study's ClinicalTrials.gov record and keep it; a change since the last check (results
    posted, a new status) becomes a finding. The first check only records where the trial stands."""
    now = timezone.now()
    nct_id = study.registry_id
    try:
        status = registries.trial_status(nct_id)
    except ReferenceLookupError as error:
        # What the registry said last stays as it was: the next answer is compared with that.
        TrialRecord.objects.update_or_create(
            study=study, defaults={"nct_id": nct_id, "failed_at": now, "error": str(error)[:500]}
        )
        raise
    with transaction.atomic():
        record = TrialRecord.objects.select_for_update().filter(study=study).first()
        before = {name: getattr(record, name) for name, _, _ in TRIAL_CHANGES} if record and record.checked_at else None
        if record is not None and record.nct_id != nct_id:
            before = None  # the study's registry ID changed: a new baseline
        values = {
            "nct_id": nct_id,
            "title": status.title,
            "overall_status": status.overall_status,
            "enrolment": status.enrolment,
            "enrolment_type": status.enrolment_type,
            "completion_date": status.completion_date,
            "results_posted": status.results_posted,
            "last_update_posted": status.last_update_posted,
            "checked_at": now,
            "failed_at": None,
            "error": "",
        }
        record, _ = TrialRecord.objects.update_or_create(study=study, defaults=values)
        changes = 0
        for name, part, words in TRIAL_CHANGES if before is not None else ():
            value = getattr(record, name)
            if value and value != before[name]:
                when = f" on {value}" if value[:1].isdigit() else ""
                _, created = Finding.objects.get_or_create(
                    key=f"trial:{nct_id}:{part}:{value}"[:300],
                    defaults={
                        "kind": Finding.Kind.TRIAL,
                        "title": f"{study.title} ({nct_id})"[:500],
                        "detail": words.format(when=when, value=record.status_text),
                        "study": study,
                    },
                )
                changes += created
    return changes


def check_trials(studies=None):
    """Check every study with a ClinicalTrials.gov number (or these); a failing one does not stop the others."""
    studies = Study.objects.filter(registry_id__startswith="NCT") if studies is None else studies
    return _each(studies, check_trial, lambda study: study.registry_id)


def _unseen(updates, reference):
    """The notices among ``updates`` the reference does not keep yet (one an editor set aside is kept)."""
    kept = {notice_key(update) for update in reference.updates}
    return [update for update in updates if notice_key(update) not in kept]


def check_updates(references=None):
    """Ask Crossref for notices about every reference with a DOI (or these); record new ones on the
    reference (saved with a version saying so) and put each in the triage queue."""
    references = Reference.objects.exclude(doi=None) if references is None else references
    references = {reference.doi: reference for reference in references.only("doi", "updates") if reference.doi}
    found = registries.crossref_updates(list(references))
    changes = 0
    for doi, updates in found.items():
        reference = references[doi]
        new = _unseen(updates, reference)
        if not new:
            continue
        with transaction.atomic(), reversion.create_revision():
            reference = Reference.objects.select_for_update().get(pk=reference.pk)
            new = _unseen(updates, reference)
            if not new:
                continue
            reference.updates = [*reference.updates, *new]
            reversion.set_comment("Crossref: " + "; ".join(f"{u['label']} ({u['doi']})" for u in new))
            reference.save()
            for update in new:
                retraction = update["type"] in {"retraction", "withdrawal", "removal"}
                _, created = Finding.objects.get_or_create(
                    key=f"update:{update['doi']}:{doi.lower()}:{update['type']}"[:300],
                    defaults={
                        "kind": Finding.Kind.RETRACTION if retraction else Finding.Kind.CORRECTION,
                        "title": reference.title[:500],
                        "detail": f"{update['label']}"
                        + (f" on {update['date']}" if update["date"] else "")
                        + f" (notice: doi.org/{update['doi']}"
                        + (", from Retraction Watch" if update["source"] == "retraction-watch" else "")
                        + ")",
                        "doi": update["doi"],
                        "reference": reference,
                    },
                )
                changes += created
    return changes
