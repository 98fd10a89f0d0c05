"""Review governance: when each piece is next due for its medical review, what new evidence has reached
its subject since the last one, and each reviewer's e-mail digest of both.

A piece's subject is the conditions of the studies its references report. New evidence since a review is:
a study of one of those conditions added to the evidence table after the review, a trial of one of them
posting results on its registry after it, and a reference the piece cites retracted (Crossref) after it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from ldnsite.background import retried
from references.models import Reference, Study, TrialRecord

from .models import Article, Author
from .newsletter.emails import absolute, as_text


@dataclass(frozen=True)
class NewEvidence:
    kind: str  # "study", "results", "retraction"
    date: datetime.date | None
    text: str  # for editors
    url: str = ""


def _conditions_of(piece_ids):
    """{piece id: {condition id, …}} through the studies its cited references report."""
    links = Study.conditions.through.objects.filter(
        study__reports__reference__citations__article__in=piece_ids
    ).values_list("study__reports__reference__citations__article", "condition_id")
    conditions = {}
    for piece_id, condition_id in links.distinct():
        conditions.setdefault(piece_id, set()).add(condition_id)
    return conditions


def new_evidence(pieces):
    """{piece id: [NewEvidence, …]} for pieces with a review on record and new evidence since it (four queries)."""
    reviewed = {piece.pk: piece.last_reviewed for piece in pieces if piece.last_reviewed}
    if not reviewed:
        return {}
    since = min(reviewed.values())
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    conditions = _conditions_of(list(reviewed))
    all_conditions = set().union(*conditions.values()) if conditions else set()
    found = {pk: [] for pk in reviewed}

    studies = {}  # study -> (its conditions, the date it was added)
    for study in Study.objects.filter(conditions__in=all_conditions, created_at__gte=start).distinct():
        studies[study.pk] = study
    study_conditions = {}
    for study_id, condition_id in Study.conditions.through.objects.filter(study__in=list(studies)).values_list(
        "study_id", "condition_id"
    ):
        study_conditions.setdefault(study_id, set()).add(condition_id)
    results = (
        TrialRecord.objects.filter(study__conditions__in=all_conditions)
        .exclude(results_posted="")
        .select_related("study")
        .distinct()
    )
    for pk, last in reviewed.items():
        mine = conditions.get(pk, set())
        for study in studies.values():
            if study_conditions.get(study.pk, set()) & mine and timezone.localdate(study.created_at) > last:
                found[pk].append(
                    NewEvidence(
                        "study",
                        timezone.localdate(study.created_at),
                        f"New study: {study.title}",
                        study.get_absolute_url(),
                    )
                )
    for record in results:
        posted = _registry_date(record.results_posted)
        record_conditions = set(record.study.conditions.values_list("pk", flat=True))
        for pk, last in reviewed.items():
            if record_conditions & conditions.get(pk, set()) and (posted is None or posted > last):
                found[pk].append(
                    NewEvidence(
                        "results",
                        posted,
                        f"Results posted for {record.study.title} ({record.nct_id})",
                        record.study.get_absolute_url(),
                    )
                )
    cited = Reference.objects.filter(citations__article__in=list(reviewed)).exclude(retraction_notice="")
    for reference in cited.values("key", "title", "retracted_on", "citations__article"):
        last = reviewed[reference["citations__article"]]
        if reference["retracted_on"] is None or reference["retracted_on"] > last:
            found[reference["citations__article"]].append(
                NewEvidence(
                    "retraction", reference["retracted_on"], f"Retracted: {reference['key']}, {reference['title']}"
                )
            )
    return {pk: sorted(items, key=lambda item: item.date or datetime.date.max) for pk, items in found.items() if items}


def _registry_date(value):
    try:
        return datetime.date.fromisoformat(value if value.count("-") == 2 else f"{value}-01")
    except ValueError:
        return None


def with_new_evidence(pieces=None):
    """(piece, [NewEvidence, …]) for each piece (public and not) with new evidence since its review."""
    pieces = list(
        pieces
        if pieces is not None
        else Article.objects.exclude(last_reviewed=None).only(
            "title", "slug", "status", "last_reviewed", "next_review_due", "medical_reviewer"
        )
    )
    found = new_evidence(pieces)
    return [(piece, found[piece.pk]) for piece in pieces if piece.pk in found]


def digest_for(reviewer, today=None):
    """What a reviewer's digest says: their pieces due within ``REVIEW_DUE_SOON_DAYS`` (or overdue), and
    their pieces with new evidence since their review; None if there is nothing to say."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=settings.REVIEW_DUE_SOON_DAYS)
    pieces = list(
        Article.objects.filter(medical_reviewer=reviewer, last_reviewed__isnull=False)
        .exclude(status=Article.Status.ARCHIVED)
        .order_by("next_review_due", "title")
    )
    due = [piece for piece in pieces if piece.next_review_due and piece.next_review_due <= soon]
    evidence = with_new_evidence(pieces)
    if not due and not evidence:
        return None
    return {"reviewer": reviewer, "due": due, "evidence": evidence, "today": today}


def digest_message(digest):
    for piece in digest["due"]:
        piece.admin_url = absolute(f"/admin/articles/article/{piece.pk}/change/")
    for piece, _ in digest["evidence"]:
        piece.admin_url = absolute(f"/admin/articles/article/{piece.pk}/change/")
    html = render_to_string("articles/email/review_digest.html", {**digest, "site_url": absolute("/")})
    subject = f"Reviews: {len(digest['due'])} due, {len(digest['evidence'])} with new evidence"
    message = EmailMultiAlternatives(subject, as_text(html), to=[digest["reviewer"].user.email])
    message.attach_alternative(html, "text/html")
    return message


@retried(attempts=5)
def send_review_digests():
    """E-mail each medical reviewer with an account and an address their digest, once per schedule period:
    a reviewer already sent one within the period is skipped, so a retry or a second run sends nothing more."""
    now = timezone.now()
    period = settings.TASK_SCHEDULE.get("articles.review.send_review_digests") or datetime.timedelta(days=7)
    sent = 0
    reviewers = Author.objects.filter(user__isnull=False, user__is_active=True).exclude(user__email="")
    for reviewer in reviewers.select_related("user"):
        with transaction.atomic():
            # Claim this reviewer's digest for the period before sending, in one conditional UPDATE.
            claimed = (
                Author.objects.filter(pk=reviewer.pk)
                .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - period * 0.9))
                .update(digest_sent_at=now)
            )
            if not claimed:
                continue
            digest = digest_for(reviewer)
            if digest is None:
                continue
            digest_message(digest).send()
            sent += 1
    return f"{sent} digests sent"
