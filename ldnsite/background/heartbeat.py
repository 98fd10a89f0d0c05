"""Which workers are alive, what to do with the tasks of those that are not, and which scheduled tasks are due."""

import datetime
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import retry_later, schedule
from .models import Worker

logger = logging.getLogger(__name__)


class WorkerStopped(Exception):
    """The worker running a task stopped before the task ended."""


def beat(worker_id, started_at):
    now = timezone.now()
    Worker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at, "seen_at": now},
    )


def lost_before():
    return timezone.now() - datetime.timedelta(seconds=settings.TASK_WORKER_LOST_AFTER)


def recover_abandoned():
    """Mark failed each running task whose worker has sent no heartbeat for ``TASK_WORKER_LOST_AFTER``
    seconds, and retry it. Any number of workers may do this at once: each task is taken by one."""
    lost = lost_before()
    alive = set(Worker.objects.filter(seen_at__gte=lost).values_list("worker_id", flat=True))
    recovered = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=lost):
        claimant = result.worker_ids[-1] if result.worker_ids else None
        if claimant in alive:
            continue
        error = WorkerStopped(f"Worker {claimant} stopped while running this task; it is retried.")
        taken = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
            traceback=f"{WorkerStopped.__qualname__}: {error}\n",
        )
        if not taken:
            continue  # another worker got there first
        recovered += 1
        logger.warning("Task %s (%s): %s", result.pk, result.task_path, error)
        arguments = result.args_kwargs
        retry_later(result.task, arguments["args"], arguments["kwargs"], arguments["kwargs"].get("attempt", 1), error)
    Worker.objects.filter(seen_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    return recovered


class Heartbeat(threading.Thread):
    """Beats for its worker every ``TASK_WORKER_HEARTBEAT`` seconds, and looks for lost tasks."""

    def __init__(self, worker_id):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self):
        try:
            while True:
                try:
                    close_old_connections()
                    beat(self.worker_id, self.started_at)
                    recover_abandoned()
                    schedule.enqueue_due()
                except Exception:
                    logger.exception("Worker %s could not send its heartbeat", self.worker_id)
                if self.stopping.wait(settings.TASK_WORKER_HEARTBEAT):
                    break
            Worker.objects.filter(worker_id=self.worker_id).delete()
        finally:
            connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)
