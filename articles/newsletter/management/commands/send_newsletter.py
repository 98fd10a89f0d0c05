"""``manage.py send_newsletter ISSUE [--test ADDRESS]``: what the issue's admin page does, from a shell.

Sends in this process (no worker needed), with the same once-per-address rule as a worker: a send
interrupted here can be finished by running the command again, or by a worker.
"""

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.forms import ValidationError
from django.utils import timezone

from articles.newsletter import emails
from articles.newsletter.delivery import MailServerUnavailable
from articles.newsletter.models import Delivery, Issue
from articles.newsletter.tasks import deliver_issue


class Command(BaseCommand):
    help = "Send a newsletter issue (given by its id or slug) to its list, or a test of it to one address."

    def add_arguments(self, parser):
        parser.add_argument("issue", help="the issue's id or slug")
        parser.add_argument("--test", metavar="ADDRESS", help="send only a test copy, to this address")

    def handle(self, *args, issue, test=None, **options):
        found = Issue.objects.filter(pk=int(issue)) if issue.isdigit() else Issue.objects.filter(slug=issue)
        found = found.first()
        if found is None:
            raise CommandError(f"No newsletter issue has the id or slug {issue!r}.")
        if test is not None:
            try:
                validate_email(test)
            except ValidationError as error:
                raise CommandError(f"{test!r} is not an e-mail address.") from error
            emails.test_message(found, test).send()
            self.stdout.write(f"Sent a test of “{found}” to {test}.")
            return
        with transaction.atomic():
            found = Issue.objects.select_for_update().get(pk=found.pk)
            if found.status in (Issue.Status.DRAFT, Issue.Status.SCHEDULED):
                if problems := found.problems():
                    raise CommandError("Not sent: " + " ".join(problems))
                found.status, found.send_at = Issue.Status.SCHEDULED, timezone.now()
                found.save(update_fields=["status", "send_at", "updated_at"])
            elif found.status == Issue.Status.SENT:
                raise CommandError(f"“{found}” was sent on {found.sent_at:%d %B %Y}; it is not sent twice.")
        try:
            outcome = deliver_issue.call(found.pk)
        except MailServerUnavailable as error:
            raise CommandError(f"{error} A worker will try again; or run this command again later.") from error
        self.stdout.write(f"“{found}”: {outcome}.")
        found.refresh_from_db()
        for state, label in Delivery.State.choices:
            count = found.deliveries.filter(state=state).count()
            if count:
                self.stdout.write(f"  {label}: {count}")
