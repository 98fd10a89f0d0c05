"""The newsletter end to end, as production runs it: a real SMTP server on loopback (aiosmtpd) and
the site's own worker (``manage.py worker``) in other processes, on the test database."""

import io
import json
import os
import re
import signal
import time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.newsletter.models import Delivery, Issue, IssuePiece, MailingList, Subscriber

from .mail import Mailbox, SMTPServer, html_part, start_worker, text_part
from .serving import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def environment(smtp, **extra):
    env = {name: value for name, value in os.environ.items() if name not in ("CACHE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="warning",
        TASK_WORKER_HEARTBEAT="0.5",
        TASK_WORKER_LOST_AFTER="2",
        TASK_RETRY_DELAY="0.5",
        NEWSLETTER_SENDING_LOST_AFTER="1",
        **smtp.environment(),
        **extra,
    )
    return env


def wait_for(condition, timeout=60, what="the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"Gave up waiting for {what} after {timeout} s")


def stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(10)
        except Exception:
            worker.kill()
            worker.wait()


@pytest.fixture
def published_piece(editorial_groups, make_article, make_reference, make_author):
    make_reference(key="younger2013", doi="10.1186/1471-2474-14-26", pmid="23339396")
    return make_article(
        title="Low-dose naltrexone for fibromyalgia",
        body="## Findings\n\nPain fell by 28.8% on LDN against 18.0% on placebo [@younger2013].",
        authors=[make_author(name="Jarred Younger", slug="younger", bio="A neuroscientist.")],
    )


def new_issue(piece, subject):
    issue = Issue.objects.create(
        subject=subject,
        slug=re.sub(r"\W+", "-", subject.lower()),
        mailing_list=MailingList.objects.get(slug="newsletter"),
    )
    IssuePiece.objects.create(issue=issue, article=piece)
    return issue


def test_a_reader_subscribes_confirms_receives_one_issue_and_leaves_with_one_click(published_piece, people):
    mailbox = Mailbox()
    with SMTPServer(mailbox) as smtp, override_settings(**smtp.settings(), NEWSLETTER_FORM_MIN_SECONDS=0):
        worker = start_worker(environment(smtp))
        try:
            reader = Client()
            page = reader.get("/newsletter/").content.decode()
            started = re.search(r'name="started" value="([^"]+)"', page).group(1)
            list_id = MailingList.objects.get(slug="newsletter").pk
            reader.post("/newsletter/", {"email": "reader@example.org", "lists": [list_id], "started": started})
            (confirmation,) = wait_for(lambda: mailbox.to("reader@example.org"), what="the confirmation")
            link = re.search(r"http://\S+/newsletter/confirm/\S+/", text_part(confirmation)).group(0)
            # Nothing of an address is kept before its owner confirms: not even the queue's record.
            wait_for(lambda: "reader@example.org" not in json.dumps(list(DBTaskResult.objects.values("args_kwargs"))))
            reader.post("/" + link.split("/", 3)[3])
            assert Subscriber.objects.filter(email="reader@example.org").exists()

            _, editor = people["editor"]
            issue = new_issue(published_piece, "What is new in LDN")
            assert editor.post(f"/admin/newsletter/issue/{issue.pk}/send/").status_code == 302
            wait_for(lambda: Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENT).exists(), what="the send")
            received = mailbox.to("reader@example.org")[1:]
            assert len(received) == 1
            (message,) = received
            assert message["Subject"] == "What is new in LDN"
            unsubscribe = message["List-Unsubscribe"].strip("<>")
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert "28.8%" in text_part(message) and "10.1186/1471-2474-14-26" in text_part(message)
            assert "https://doi.org/10.1186/1471-2474-14-26" in html_part(message)

            # The mail client's one-click unsubscribe: a bare POST, no cookie, no CSRF token.
            response = Client(enforce_csrf_checks=True).post(
                "/" + unsubscribe.split("/", 3)[3],
                "List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code == 200
            assert not Subscriber.objects.filter(email="reader@example.org").exists()

            second = new_issue(published_piece, "The next issue")
            Subscriber.objects.create(email="stays@example.org", confirmed_at=timezone.now(), consent="test").lists.add(
                second.mailing_list
            )
            editor.post(f"/admin/newsletter/issue/{second.pk}/send/")
            wait_for(
                lambda: Issue.objects.filter(pk=second.pk, status=Issue.Status.SENT).exists(), what="the second send"
            )
            assert len(mailbox.to("stays@example.org")) == 1
            assert len(mailbox.to("reader@example.org")) == 2, "after leaving, nothing more arrives"
        finally:
            stop(worker)


def test_a_worker_killed_mid_send_leaves_every_recipient_with_exactly_one_copy(published_piece):
    """1,000 recipients; the worker is killed while the mail server holds the 400th message; another
    worker takes over once the first is known lost. Nobody gets two copies: the one in the mail
    server's hands at the moment of death is marked "interrupted" (it did arrive here), not resent."""
    issue = new_issue(published_piece, "A thousand readers")
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n:04}@example.org", confirmed_at=timezone.now(), consent="test") for n in range(1000)
    )
    issue.mailing_list.subscribers.add(*subscribers)
    mailbox = Mailbox(hold_at=400)
    with SMTPServer(mailbox) as smtp:
        env = environment(smtp)
        first = start_worker(env)
        try:
            with override_settings(**smtp.settings()):
                issue.status, issue.send_at = Issue.Status.SCHEDULED, timezone.now()
                issue.save()
                from articles.newsletter.tasks import deliver_issue

                deliver_issue.enqueue(issue.pk)
            assert mailbox.holding.wait(120), "the send never reached the 400th message"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            mailbox.release()
            second = start_worker(env)
            try:
                wait_for(
                    lambda: Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENT).exists(),
                    timeout=180,
                    what="the send to finish",
                )
            finally:
                stop(second)
        finally:
            stop(first)
    counts = {}
    for recipients, _ in mailbox.messages:
        for address in recipients:
            counts[address] = counts.get(address, 0) + 1
    assert len(counts) == 1000 and set(counts.values()) == {1}, "every recipient got exactly one copy"
    states = dict(issue.deliveries.values_list("state").annotate(n=Count("pk")))
    assert states == {Delivery.State.SENT: 999, Delivery.State.INTERRUPTED: 1}
    interrupted = issue.deliveries.get(state=Delivery.State.INTERRUPTED).subscriber.email
    assert counts[interrupted] == 1


def test_send_newsletter_sends_from_the_command_line_and_never_twice(published_piece):
    issue = new_issue(published_piece, "From the shell")
    reader = Subscriber.objects.create(email="shell@example.org", confirmed_at=timezone.now(), consent="test")
    reader.lists.add(issue.mailing_list)
    mailbox = Mailbox()
    with SMTPServer(mailbox) as smtp, override_settings(**smtp.settings()):
        call_command("send_newsletter", issue.slug, "--test", "editor@example.org", stdout=io.StringIO())
        assert mailbox.to("editor@example.org")[0]["Subject"] == "[Test] From the shell"
        call_command("send_newsletter", str(issue.pk), stdout=io.StringIO())
        assert len(mailbox.to("shell@example.org")) == 1
        with pytest.raises(Exception, match="not sent twice"):
            call_command("send_newsletter", issue.slug, stdout=io.StringIO())
    assert len(mailbox.to("shell@example.org")) == 1


def test_a_mail_server_that_refuses_an_address_three_times_removes_it(published_piece):
    reader = Subscriber.objects.create(email="gone@example.org", confirmed_at=timezone.now(), consent="test")
    keeper = Subscriber.objects.create(email="here@example.org", confirmed_at=timezone.now(), consent="test")
    mailbox = Mailbox(refuse=["gone@example.org"])
    with SMTPServer(mailbox) as smtp, override_settings(**smtp.settings()):
        for n in range(3):
            issue = new_issue(published_piece, f"Issue {n}")
            issue.mailing_list.subscribers.add(reader, keeper)
            call_command("send_newsletter", issue.slug, stdout=io.StringIO())
            if n < 2:
                assert issue.deliveries.get(subscriber=reader).state == Delivery.State.REFUSED
                assert "550" in issue.deliveries.get(subscriber=reader).error
    assert not Subscriber.objects.filter(pk=reader.pk).exists()
    assert len(mailbox.to("here@example.org")) == 3
