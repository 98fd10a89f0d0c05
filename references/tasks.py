"""Importing a confirmed reference file: during the request for a small one, on a worker for a large one.

Both run ``run_job``: plan the file again (the library may have changed since the preview), ask the
admin's rule about every reference it would update, for the account that confirmed it, then save.
On a worker the references are saved a hundred at a time, each hundred committed with the progress
the admin page shows; a worker that stops part-way is replaced (``ldnsite.background``) and the
retry, planning the file again, finds the references already saved unchanged and goes on.
"""

import functools
import logging
from types import SimpleNamespace

from django.contrib import admin
from django.db.models import F
from django.utils import timezone

from ldnsite.background import retried

from .importing import PlannedImport, ReferenceFileError, apply_import, parse, plan_import
from .models import ImportJob, Reference

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # references saved, and progress committed, at a time on a worker


def may_import(user):
    return (
        user is not None
        and user.is_active
        and user.has_perms(["references.add_reference", "references.change_reference"])
    )


def update_refusal(user):
    """``refuse_update(reference)`` for ``user``: the reference admin's own rule (it asks only who is asking)."""
    model_admin = admin.site.get_model_admin(Reference)
    return functools.partial(model_admin.import_refusal, SimpleNamespace(user=user))


def run_job(job, *, in_batches=False):
    """Import ``job``'s file; return the job as it ended. Raises only what is not the file's fault."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=F("attempts") + 1)
    if not may_import(job.user):
        return _finish(
            job,
            ImportJob.Status.FAILED,
            problems=["the account that started this import may no longer import references"],
        )
    try:
        plans = plan_import(
            parse(job.text, job.filename, job.format), partial=job.partial, refuse_update=update_refusal(job.user)
        )
        ImportJob.objects.filter(pk=job.pk).update(to_save=sum(plan.saves for plan in plans), saved=0)

        def progress(saved, to_save):
            ImportJob.objects.filter(pk=job.pk).update(saved=saved)

        counts = apply_import(
            plans,
            f"Imported from {job.filename}",
            job.user,
            batch_size=BATCH_SIZE if in_batches else None,
            progress=progress,
        )
    except ReferenceFileError as error:
        return _finish(job, ImportJob.Status.FAILED, problems=error.problems)
    left_out = [
        {"where": plan.entry.where, "problems": plan.problems, "source": plan.entry.source}
        for plan in plans
        if plan.action == PlannedImport.INVALID
    ]
    return _finish(job, ImportJob.Status.DONE, counts=dict(counts), left_out=left_out)


def _finish(job, status, **outcome):
    # The file's text is no longer needed; what was left out keeps its own.
    ImportJob.objects.filter(pk=job.pk).update(status=status, text="", finished_at=timezone.now(), **outcome)
    job.refresh_from_db()
    return job


@retried(attempts=3)
def import_file(job_id):
    job = ImportJob.objects.filter(pk=job_id).select_related("user").first()
    if job is None or job.finished:
        return "nothing to import"
    try:
        job = run_job(job, in_batches=True)
    except Exception:
        if job.attempts + 1 >= import_file.func.attempts:
            logger.exception("Import of %s failed for good", job.filename)
            _finish(
                job, ImportJob.Status.FAILED, problems=["the import stopped on an error in the site; try again later"]
            )
        raise
    return f"{job.filename}: {job.get_status_display().lower()}"
