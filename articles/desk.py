"""The editors' desk: the admin's front page says what needs someone now. Each section shows only to an
account whose role may see what it lists (the same model permissions the admin's own pages ask)."""

import datetime

from django.conf import settings
from django.db.models import Count, F, Max, Prefetch, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ldnsite.background.models import Schedule
from ldnsite.background.schedule import scheduled
from references.models import Finding, Reference, SavedSearch, TrialRecord

from . import workflow
from .models import Article
from .newsletter.models import Issue
from .review import flagged, flagged_kinds

SHOWN = 10  # rows per section (the triage queue links to its full list)
FAILED_WITHIN = datetime.timedelta(days=7)


def _may(user, *perms):
    return all(user.has_perm(perm) for perm in perms)


def desk_for(user):
    today = timezone.localdate()
    now = timezone.now()
    desk = {"today": today}
    if _may(user, "references.view_finding"):
        waiting = Finding.objects.filter(status=Finding.Status.NEW).select_related("study", "reference", "search")
        counts = dict(waiting.order_by().values_list("kind").annotate(n=Count("pk")))
        desk["triage"] = {
            "count": sum(counts.values()),
            "counts": [(label, counts.get(kind, 0)) for kind, label in Finding.Kind.choices if counts.get(kind)],
            "shown": list(waiting[:SHOWN]),
            "may_decide": _may(user, "references.change_finding"),
            "may_add": _may(user, "references.add_reference"),
        }
    if _may(user, "articles.view_article"):
        # Only the pieces this account may open (the article admin's own rule, articles.workflow).
        pieces = Article.objects.filter(workflow.visible_to(user))
        soon = today + datetime.timedelta(days=settings.REVIEW_DUE_SOON_DAYS)
        due = (
            pieces.exclude(status=Article.Status.ARCHIVED)
            .filter(Q(next_review_due__lte=soon) | Q(last_reviewed=None, status=Article.Status.PUBLISHED))
            .select_related("medical_reviewer")
            .order_by(F("next_review_due").asc(nulls_first=True), "title")
        )
        desk["due"] = {"count": due.count(), "shown": list(due[:SHOWN]), "soon_days": settings.REVIEW_DUE_SOON_DAYS}
        evidence = flagged(pieces.exclude(status=Article.Status.ARCHIVED)).filter(new_evidence=True)
        desk["new_evidence"] = [
            (piece, flagged_kinds(piece)) for piece in evidence.only("title", "last_reviewed").order_by("title")
        ]
        desk["scheduled"] = list(
            pieces.filter(status=Article.Status.PUBLISHED, published_at__gt=now).order_by("published_at")[:SHOWN]
        )
    if _may(user, "references.view_reference"):
        # Each retracted work still cited, with every piece citing it that this account may open.
        citing = Article.objects.filter(workflow.visible_to(user)).only("title").order_by("title")
        desk["retracted"] = list(
            Reference.objects.exclude(retraction_notice="")
            .annotate(pieces=Count("citations", distinct=True))
            .filter(pieces__gt=0)
            .prefetch_related(Prefetch("articles", queryset=citing, to_attr="citing"))
            .order_by("-retracted_on")
        )
    if _may(user, "newsletter.view_issue"):
        desk["newsletters"] = list(Issue.objects.filter(status=Issue.Status.SCHEDULED).order_by("send_at")[:SHOWN])
    if _may(user, "django_tasks_database.view_dbtaskresult"):
        desk["failed_tasks"] = failing_tasks(now - FAILED_WITHIN)
    if _may(user, "references.view_savedsearch") or _may(user, "references.view_trialrecord"):
        desk["jobs"] = jobs()
        desk["search_errors"] = list(SavedSearch.objects.filter(active=True).exclude(last_error=""))
        desk["trial_errors"] = list(TrialRecord.objects.exclude(error="").select_related("study"))
    return desk


def _latest_runs(results):
    """{task path: its latest finished run} among ``results``. Two queries."""
    latest = dict(
        results.filter(finished_at__isnull=False)
        .values("task_path")
        .annotate(last=Max("finished_at"))
        .values_list("task_path", "last")
    )
    ended = results.filter(task_path__in=latest, finished_at__in=set(latest.values()))
    return {result.task_path: result for result in ended if latest[result.task_path] == result.finished_at}


def failing_tasks(since):
    """Each task whose latest run since ``since`` failed (one that failed and then ran well is not listed):
    its last failure, what it said, and how often it failed since. Three queries."""
    recent = DBTaskResult.objects.filter(finished_at__gte=since)
    failed = sorted(
        (result for result in _latest_runs(recent).values() if result.status == TaskResultStatus.FAILED),
        key=lambda result: result.finished_at,
        reverse=True,
    )
    times = dict(
        recent.filter(status=TaskResultStatus.FAILED, task_path__in=[result.task_path for result in failed])
        .values("task_path")
        .annotate(n=Count("pk"))
        .values_list("task_path", "n")
    )
    return [
        {
            "result": result,
            "error": _last_line(result.traceback) or result.exception_class_path,
            "times": times.get(result.task_path, 1),
        }
        for result in failed[:SHOWN]
    ]


def _last_line(traceback):
    """What a task's traceback ends with: the exception and its message ("ChecksFailed: PubMed could not…")."""
    lines = [line for line in (traceback or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def jobs():
    """Each scheduled job: how often, when next, and how its last run ended."""
    paths = scheduled()
    due = dict(Schedule.objects.filter(task_path__in=paths).values_list("task_path", "next_run_at"))
    ended = _latest_runs(DBTaskResult.objects.filter(task_path__in=paths))
    return [
        {
            "name": path.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
            "every_hours": every.total_seconds() / 3600,
            "next_run_at": due.get(path),
            "last": ended.get(path),
        }
        for path, every in paths.items()
    ]
