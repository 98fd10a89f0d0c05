"""Tasks that run on a schedule: ``settings.TASK_SCHEDULE`` maps a task's import path to how often it
runs (a ``timedelta``; zero or missing turns it off). No separate scheduler process: each worker's
heartbeat (``heartbeat.Heartbeat``) calls ``enqueue_due``, and a conditional UPDATE of the task's
``Schedule`` row decides which worker enqueues it, in the same transaction as the task itself, so a
due task is enqueued once however many workers, on however many machines, look at the same moment.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Schedule

logger = logging.getLogger(__name__)


def scheduled():
    """{task path: interval} of the tasks that run on a schedule."""
    return {path: every for path, every in settings.TASK_SCHEDULE.items() if every and every.total_seconds() > 0}


def enqueue_due(now=None):
    """Enqueue each scheduled task whose time has come; return the paths enqueued."""
    now = now or timezone.now()
    tasks = scheduled()
    # A task new to the schedule is due at once; rows already there are left as they are.
    Schedule.objects.bulk_create([Schedule(task_path=path, next_run_at=now) for path in tasks], ignore_conflicts=True)
    enqueued = []
    for path, every in tasks.items():
        with transaction.atomic():
            taken = Schedule.objects.filter(task_path=path, next_run_at__lte=now).update(
                next_run_at=now + every, last_enqueued_at=now
            )
            if taken:
                import_string(path).enqueue()
                enqueued.append(path)
    for path in enqueued:
        logger.info("Scheduled task %s enqueued", path)
    return enqueued
