"""Sending an issue to its list, once per address, whatever fails along the way.

Each recipient's ``Delivery`` moves forward only, each step a compare-and-set: waiting → being handed
to the mail server → sent (or refused). The "being handed" step is committed before the message goes
to the mail server. So a retried send, or a second worker, never takes a recipient that another has
begun, and a recipient whose worker died in the very moment of sending is marked "interrupted: may
not have arrived" and is not sent again: the site cannot know whether the server took the message,
and a reader getting an issue twice is the failure we rule out. Editors see those recipients, if any.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from . import emails
from .models import Delivery, Issue, Subscriber

logger = logging.getLogger(__name__)

BATCH = 200  # recipients read at a time


class MailServerUnavailable(Exception):
    """The mail server could not be reached, or asked us to come back later: the send is retried."""


def start(issue_id):
    """Begin sending a scheduled issue whose time has come (or one an editor sent now): list its
    recipients, the confirmed subscribers of its list at this moment. Returns the issue, or None if
    there is nothing to send (it was unscheduled, rescheduled or is already sending)."""
    now = timezone.now()
    with transaction.atomic():
        issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
        if issue is None or issue.status != Issue.Status.SCHEDULED or issue.send_at > now:
            return None
        if problems := issue.problems():
            issue.status, issue.send_at = Issue.Status.DRAFT, None
            issue.problem = f"Not sent on {now:%d %b %Y %H:%M}: " + " ".join(problems)
            issue.save(update_fields=["status", "send_at", "problem", "updated_at"])
            logger.warning("Newsletter issue %s not sent: %s", issue.pk, issue.problem)
            return None
        subscribers = Subscriber.objects.filter(lists=issue.mailing_list).values_list("pk", flat=True)
        Delivery.objects.bulk_create(
            [Delivery(issue=issue, subscriber_id=pk) for pk in subscribers.iterator()],
            batch_size=1000,
            ignore_conflicts=True,
        )
        issue.status, issue.sent_at, issue.problem = Issue.Status.SENDING, now, ""
        issue.recipients = issue.deliveries.count()
        issue.save(update_fields=["status", "sent_at", "problem", "recipients", "updated_at"])
    return issue


def _move(delivery_id, frm, to, error=""):
    """Compare-and-set one delivery's state; True if this call made the change."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=frm).update(
            state=to, changed_at=timezone.now(), error=error[:500]
        )
    )


def _refused(delivery, error):
    _move(delivery.pk, Delivery.State.SENDING, Delivery.State.REFUSED, error)
    refusals = Delivery.objects.filter(subscriber_id=delivery.subscriber_id, state=Delivery.State.REFUSED).count()
    if refusals >= settings.NEWSLETTER_BOUNCE_LIMIT:
        Subscriber.objects.filter(pk=delivery.subscriber_id).delete()
        logger.warning("Removed subscriber %s: the mail server refused %d issues", delivery.subscriber_id, refusals)


def _interrupt_lost(issue):
    """Recipients left "being handed to the mail server" by a worker that stopped."""
    lost = timezone.now() - datetime.timedelta(seconds=settings.NEWSLETTER_SENDING_LOST_AFTER)
    issue.deliveries.filter(state=Delivery.State.SENDING, changed_at__lt=lost).update(
        state=Delivery.State.INTERRUPTED,
        changed_at=timezone.now(),
        error="The worker stopped while handing this message to the mail server.",
    )


def send_pending(issue):
    """Send to every recipient still waiting. Raises MailServerUnavailable if some must wait for a retry."""
    _interrupt_lost(issue)
    rendered = None
    deferred = set()  # asked to come back later: left waiting, for the retry
    connection = get_connection()
    try:
        while True:
            batch = list(
                issue.deliveries.filter(state=Delivery.State.PENDING)
                .exclude(pk__in=deferred)
                .select_related("subscriber")
                .order_by("pk")[:BATCH]
            )
            if not batch:
                break
            rendered = rendered or emails.render_issue(issue)
            on_list = set(
                issue.mailing_list.subscribers.filter(pk__in=[d.subscriber_id for d in batch]).values_list(
                    "pk", flat=True
                )
            )
            for delivery in batch:
                if delivery.subscriber_id not in on_list:
                    _move(delivery.pk, Delivery.State.PENDING, Delivery.State.SKIPPED)
                    continue
                if not _move(delivery.pk, Delivery.State.PENDING, Delivery.State.SENDING):
                    continue  # another worker has it
                message = emails.issue_message(issue, rendered, delivery.subscriber.email, connection)
                try:
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as error:
                    codes = [code for code, _ in error.recipients.values()]
                    if all(code >= 500 for code in codes):
                        _refused(delivery, _describe(error.recipients))
                    else:
                        _move(delivery.pk, Delivery.State.SENDING, Delivery.State.PENDING, _describe(error.recipients))
                        deferred.add(delivery.pk)
                except smtplib.SMTPResponseException as error:
                    if error.smtp_code >= 500:
                        _refused(delivery, _describe_one(error))
                    else:
                        _move(delivery.pk, Delivery.State.SENDING, Delivery.State.PENDING, _describe_one(error))
                        deferred.add(delivery.pk)
                except (smtplib.SMTPException, OSError) as error:
                    _move(delivery.pk, Delivery.State.SENDING, Delivery.State.PENDING)
                    raise MailServerUnavailable(f"The mail server could not be reached: {error}") from error
                else:
                    _move(delivery.pk, Delivery.State.SENDING, Delivery.State.SENT)
    finally:
        connection.close()
    if deferred:
        raise MailServerUnavailable(f"The mail server asked to try {len(deferred)} recipient(s) again later.")


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe_one(error):
    return f"{error.smtp_code} {_text(error.smtp_error)}"


def _describe(recipients):
    return "; ".join(f"{code} {_text(message)}" for code, message in recipients.values())


def finish(issue):
    """Mark the issue sent once no recipient is waiting or being sent to; True if it is done."""
    if issue.deliveries.filter(state__in=[Delivery.State.PENDING, Delivery.State.SENDING]).exists():
        return False
    delivered = issue.deliveries.filter(state=Delivery.State.SENT).count()
    Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENDING).update(
        status=Issue.Status.SENT, finished_at=timezone.now(), delivered=delivered
    )
    return True
