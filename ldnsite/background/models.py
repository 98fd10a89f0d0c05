from django.db import models


class Worker(models.Model):
    """A running ``manage.py worker``: its heartbeat tells the others it is alive, and so which of the
    running tasks have lost theirs."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.host}:{self.pid}"


class Schedule(models.Model):
    """When a scheduled task (``settings.TASK_SCHEDULE``) is next due. Workers enqueue a task that is due,
    and move this on, in one transaction: of any number of workers, one enqueues it."""

    task_path = models.CharField(max_length=200, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task_path"]

    def __str__(self):
        return self.task_path
