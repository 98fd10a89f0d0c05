"""``manage.py worker``: runs background tasks (django-tasks-db's ``db_worker``, with a heartbeat).

Takes the same options as ``db_worker``; run one or more per machine (see README, "Workers").
"""

from django_tasks_db.management.commands import db_worker

from ldnsite.background.heartbeat import Heartbeat


class Command(db_worker.Command):
    help = "Run background tasks (e-mail, imports), with a heartbeat so that a lost worker's tasks are retried."

    def handle(self, *args, **options):
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
