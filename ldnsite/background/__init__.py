"""Work done away from the request: sending e-mail, and later large imports and registry checks.

The site uses Django's own task API (``@task``, ``.enqueue()``), through the django-tasks backport of
what Django 6 ships, with tasks kept in the site's database (django-tasks-db). Nothing else to install
or run on a laptop: SQLite holds the queue there, PostgreSQL in production, where any number of
workers on any number of machines take tasks from it (row locks, ``SKIP LOCKED``). A task is enqueued
in the same transaction as the change that asks for it, so it exists exactly when the change does.

django-tasks-db runs each task once and records how it ended. What a newsletter needs besides, this
package adds, on top of that library's public API:

- ``retried``: a task that raises runs again later, after a growing delay, up to a number of attempts;
  the last failure stays in the admin's task list with its error (``django_tasks_db``'s admin).
- ``manage.py worker`` (the library's ``db_worker`` with a heartbeat): a task whose worker stopped
  mid-way (killed, machine lost) is marked failed and retried like any other failure, once no
  heartbeat has come from that worker for ``TASK_WORKER_LOST_AFTER`` seconds.

Tasks must therefore be idempotent: a retry may follow a run that did part of the work.
"""

import datetime
import functools
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def retried(*, attempts=5, first_delay=None, **options):
    """Make a task (``@task(**options)``) that, when it raises, is enqueued again after ``first_delay``
    seconds (``TASK_RETRY_DELAY`` by default), then twice that, and so on, until ``attempts`` runs
    have failed."""

    def decorate(function):
        @functools.wraps(function)
        def run(*args, attempt=1, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as error:
                retry_later(the_task, args, kwargs, attempt, error)
                raise

        run.attempts = attempts
        run.first_delay = first_delay
        the_task = task(**options)(run)
        return the_task

    return decorate


def retry_later(the_task, args, kwargs, attempt, reason):
    """Enqueue ``the_task`` again for its next attempt, or say that it has given up. Returns the new
    task result, or None."""
    kwargs = {name: value for name, value in kwargs.items() if name != "attempt"}
    attempts = getattr(the_task.func, "attempts", 1)
    if attempt >= attempts:
        logger.error("Task %s gave up after %d attempts: %s", the_task.name, attempt, reason)
        return None
    delay = (the_task.func.first_delay or settings.TASK_RETRY_DELAY) * 2 ** (attempt - 1)
    logger.warning(
        "Task %s failed (attempt %d of %d), retrying in %d s: %s", the_task.name, attempt, attempts, delay, reason
    )
    later = the_task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    return later.enqueue(*args, attempt=attempt + 1, **kwargs)
