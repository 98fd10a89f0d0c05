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
