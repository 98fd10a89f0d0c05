"""The newsletter's background tasks (see ``ldnsite.background``); each may run more than once."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ldnsite.background import retried

from . import delivery, emails
from .models import Issue, MailingList, Subscriber


@retried(attempts=5)
def send_confirmation(email, list_ids):
    """The double opt-in's first half: a link to confirm, or, to an address already subscribed, a
    reminder of how to manage it (the form that asked says the same thing either way)."""
    if Subscriber.objects.with_address(email).exists():
        emails.already_subscribed_message(email).send()
        return "already subscribed"
    mailing_lists = list(MailingList.objects.filter(pk__in=list_ids))
    if not mailing_lists:
        return "no such list"
    emails.confirmation_message(email, mailing_lists).send()
    return "confirmation sent"


def forget_unconfirmed_address(sender, task_result, **kwargs):
    """Delete a finished confirmation task's record, which holds the address it was for: until its owner
    confirms, the site keeps nothing about them. Failures are logged without it."""
    if task_result.task.module_path == send_confirmation.module_path:
        DBTaskResult.objects.filter(pk=task_result.id).delete()


@retried(attempts=3)
def send_test(issue_id, email):
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None:
        return "no such issue"
    emails.test_message(issue, email).send()
    return f"test sent to {email}"


@retried(attempts=8)
def deliver_issue(issue_id):
    """Start sending an issue whose time has come, or go on with one a stopped worker left half-sent."""
    issue = delivery.start(issue_id) or Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).first()
    if issue is None:
        return "nothing to send"
    delivery.send_pending(issue)
    if not delivery.finish(issue):
        # Recipients another run was handing to the mail server: look again once they count as lost.
        later = timezone.now() + datetime.timedelta(seconds=settings.NEWSLETTER_SENDING_LOST_AFTER + 1)
        deliver_issue.using(run_after=later).enqueue(issue_id)
        return "waiting for recipients another run is sending to"
    return f"sent to {Issue.objects.get(pk=issue_id).delivered} of {issue.recipients}"
