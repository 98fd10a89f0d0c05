"""Review governance: when each piece is next due for its medical review, what new evidence has reached
its subject since the last one, and each reviewer's e-mail digest of both.

A piece's subject is the conditions of the studies its references report. New evidence since a review is:
a study of one of those conditions added to the evidence table after the review, a trial of one of them
posting results on its registry after it, and a reference the piece cites retracted (Crossref) after it.
"""

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import BooleanField, Case, CharField, Exists, OuterRef, Q, When
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone

from ldnsite.background import retried
from references.models import Reference, Study, TrialRecord

from .models import Article, Author
from .newsletter.emails import absolute, as_text

KINDS = {"study": "a new study", "results": "trial results posted", "retraction": "a cited work retracted"}


def rules(piece, reviewed):
    """The one statement of what counts as new evidence for a piece (``piece``: its id, or an OuterRef to
    it) reviewed on ``reviewed`` (a date, or an OuterRef to ``last_reviewed``): a queryset per kind of
    the rows that are new. Registry dates are compared as the registry writes them (ISO, "2026-11" or
    "2026-11-20"); a record with results but no date of their posting counts as new."""
    # The subject is a subquery inside each rule's query: an OuterRef to the piece reaches one level further.
    outer_piece = OuterRef(piece) if isinstance(piece, OuterRef) else piece
    subject = Study.conditions.through.objects.filter(study__reports__reference__citations__article=outer_piece).values(
        "condition_id"
    )
    return {
        "study": Study.objects.filter(conditions__in=subject, created_at__date__gt=reviewed).distinct(),
        "results": TrialRecord.objects.filter(study__conditions__in=subject)
        .exclude(results_posted="")
        .filter(results_posted__gt=Cast(reviewed, CharField()))
        .distinct(),
        "retraction": Reference.objects.filter(citations__article=piece)
        .exclude(retraction_notice="")
        .filter(Q(retracted_on=None) | Q(retracted_on__gt=reviewed))
        .distinct(),
    }


def flagged(pieces):
    """``pieces`` with ``new_<kind>`` booleans for each kind of new evidence since their review (in the
    same query), and ``new_evidence``: whether any is true. A piece never reviewed has none."""
    flags = {f"new_{kind}": Exists(rows) for kind, rows in rules(OuterRef("pk"), OuterRef("last_reviewed")).items()}
    return pieces.annotate(**flags).annotate(
        new_evidence=Case(
            When(
                Q(last_reviewed__isnull=False) & reduce(operator.or_, (Q(**{name: True}) for name in flags)), then=True
            ),
            default=False,
            output_field=BooleanField(),
        )
    )


def flagged_kinds(piece):
    """What kinds of new evidence a ``flagged`` piece has, in words."""
    return [words for kind, words in KINDS.items() if getattr(piece, f"new_{kind}", False)]


@dataclass(frozen=True)
class NewEvidence:
    kind: str  # a key of KINDS
    date: datetime.date | None
    text: str  # for editors
    url: str = ""


def new_evidence(piece):
    """[NewEvidence, …] of the piece since its review, with what each is (three queries; none if never reviewed)."""
    if piece.last_reviewed is None:
        return []
    found = rules(piece.pk, piece.last_reviewed)
    items = [
        NewEvidence(
            "study", timezone.localdate(study.created_at), f"New study: {study.title}", study.get_absolute_url()
        )
        for study in found["study"]
    ]
    items += [
        NewEvidence(
            "results",
            _registry_date(record.results_posted),
            f"Results posted for {record.study.title} ({record.nct_id})",
            record.study.get_absolute_url(),
        )
        for record in found["results"].select_related("study")
    ]
    items += [
        NewEvidence("retraction", reference.retracted_on, f"Retracted: {reference.key}, {reference.title}")
        for reference in found["retraction"]
    ]
    return sorted(items, key=lambda item: item.date or datetime.date.max)


def _registry_date(value):
    try:
        return datetime.date.fromisoformat(value if value.count("-") == 2 else f"{value}-01")
    except ValueError:
        return None


def digest_for(reviewer, today=None):
    """What a reviewer's digest says: their pieces due within ``REVIEW_DUE_SOON_DAYS`` (or overdue), and
    their pieces with new evidence since their review; None if there is nothing to say."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=settings.REVIEW_DUE_SOON_DAYS)
    # Their pieces, each flagged with whether new evidence has come since its review, in one query.
    pieces = list(
        flagged(Article.objects.filter(medical_reviewer=reviewer, last_reviewed__isnull=False))
        .exclude(status=Article.Status.ARCHIVED)
        .order_by("next_review_due", "title")
    )
    due = [piece for piece in pieces if piece.next_review_due and piece.next_review_due <= soon]
    evidence = [(piece, new_evidence(piece)) for piece in pieces if piece.new_evidence]
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
