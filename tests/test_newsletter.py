"""The newsletter as readers and editors meet it: subscribing (double opt-in), managing and leaving,
and issues made, previewed, tested and sent, once per address.

Tasks here run by calling them as the worker would (``run_queued``); tests/test_newsletter_delivery.py
sends through a real worker process and a real SMTP server.
"""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from articles.newsletter import tokens
from articles.newsletter.models import Delivery, Issue, IssuePiece, MailingList, Subscriber
from articles.newsletter.tasks import deliver_issue

pytestmark = pytest.mark.django_db

NOW = override_settings(NEWSLETTER_FORM_MIN_SECONDS=0)


def run_queued():
    """Run every task waiting in the queue, as a worker would, until none is left."""
    ran = 0
    while result := DBTaskResult.objects.ready().order_by("enqueued_at").first():
        result.claim("test")
        try:
            arguments = result.args_kwargs
            result.set_successful(result.task.call(*arguments["args"], **arguments["kwargs"]))
        except Exception as error:
            result.set_failed(error)
        ran += 1
    return ran


def the_list():
    return MailingList.objects.get(slug="newsletter")


def subscribe(client, email, **extra):
    page = client.get("/newsletter/")
    started = re.search(r'name="started" value="([^"]+)"', page.content.decode()).group(1)
    return client.post("/newsletter/", {"email": email, "lists": [the_list().pk], "started": started, **extra})


def link_in(message, path):
    return re.search(rf"https?://[^\s]+{path}[^\s]+/", message.body).group(0)


def subscriber(email="reader@example.org", lists=None):
    reader = Subscriber.objects.create(email=email, confirmed_at="2026-01-01T00:00:00Z", consent="test")
    reader.lists.set(lists or [the_list()])
    return reader


@NOW
def test_subscribing_keeps_nothing_until_the_e_mailed_link_is_pressed(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, "  Reader@Example.ORG ")
    assert response.status_code == 302 and response["Location"] == "/newsletter/check-your-inbox/"
    assert not Subscriber.objects.exists()
    assert run_queued() == 1
    (confirmation,) = mail.outbox
    assert confirmation.to == ["Reader@example.org"]
    url = link_in(confirmation, "/newsletter/confirm/")
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and b"Yes, subscribe me" in page.content
    assert not Subscriber.objects.exists(), "a mail scanner following the link must not subscribe anyone"
    response = client.post(f"/{path}")
    assert response.status_code == 302
    reader = Subscriber.objects.get()
    assert reader.email == "Reader@example.org" and list(reader.lists.all()) == [the_list()]
    assert "confirmed by the link" in reader.consent


@NOW
def test_the_form_says_the_same_whether_or_not_an_address_is_subscribed(django_capture_on_commit_callbacks):
    subscriber("known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = subscribe(Client(), "KNOWN@example.org")
        unknown = subscribe(Client(), "new@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    run_queued()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "already subscribed" in by_address["KNOWN@example.org"].subject
    assert "Confirm" in by_address["new@example.org"].subject
    assert Subscriber.objects.count() == 1


@NOW
def test_a_bot_filling_the_hidden_field_is_told_the_same_and_sent_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(Client(), "bot@example.org", website="http://spam.example")
    assert response.status_code == 302
    assert not DBTaskResult.objects.exists()


def test_a_form_sent_back_at_once_is_refused_with_a_reason():
    response = subscribe(Client(), "quick@example.org")
    assert response.status_code == 200
    assert b"very quick" in response.content
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not an address", "lists": ["1"]},
        {"email": "a@example.org", "lists": ["99999"]},
        {"email": "a@example.org", "lists": ["x"], "started": "forged:token"},
        {"email": "a@example.org"},
        {},
    ],
)
def test_bad_subscriptions_get_form_errors_not_500s(data):
    response = Client().post("/newsletter/", data)
    assert response.status_code == 200
    assert b'class="field-error"' in response.content


def test_subscriptions_from_one_address_are_limited(settings):
    # One way of changing settings only: override_settings restores the settings it found, so mixed
    # with the settings fixture it would leave this cache in place for the tests after this one.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.NEWSLETTER_FORM_MIN_SECONDS = 0
    settings.NEWSLETTER_SUBSCRIBE_RATE = "3/h"
    client = Client()
    codes = [subscribe(client, f"reader{n}@example.org").status_code for n in range(5)]
    assert codes == [302, 302, 302, 429, 429]


def test_forged_or_expired_links_are_404_pages():
    for path in ("/newsletter/confirm/nonsense/", "/newsletter/preferences/nonsense/", "/newsletter/unsubscribe/x/"):
        assert Client().get(path).status_code == 404
    expired = tokens.confirmation("reader@example.org", [the_list().pk])
    with override_settings(NEWSLETTER_CONFIRM_DAYS=-1):
        assert Client().post(f"/newsletter/confirm/{expired}/").status_code == 404
    assert not Subscriber.objects.exists()


def test_one_click_unsubscribe_needs_no_cookie_or_token_and_a_get_changes_nothing():
    reader = subscriber()
    url = f"/newsletter/unsubscribe/{tokens.manage(reader.email)}/"
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200
    assert Subscriber.objects.exists()
    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert client.post(url).status_code == 200  # a second click: still a calm page


def test_the_preferences_page_changes_lists_and_leaving_deletes_the_address():
    updates = MailingList.objects.create(name="Fibromyalgia updates", slug="fibromyalgia")
    reader = subscriber()
    client = Client()
    url = f"/newsletter/preferences/{tokens.manage(reader.email)}/"
    assert b"reader@example.org" in client.get(url).content
    client.post(url, {"lists": [updates.pk]})
    assert list(reader.lists.all()) == [updates]
    response = client.post(url, {})
    assert b"You have left" in response.content
    assert not Subscriber.objects.exists()


@pytest.fixture
def issue(make_article, make_reference, make_author):
    author = make_author(name="Jarred Younger", slug="younger", bio="Studies **pain** and inflammation.")
    make_reference(key="younger2013", doi="10.1186/1471-2474-14-26", pmid="23339396")
    piece = make_article(
        title="Low-dose naltrexone for fibromyalgia",
        body="## Findings\n\nPain fell [@younger2013], as [the trial](/studies/) showed.",
        authors=[author],
    )
    issue = Issue.objects.create(
        subject="What's new in LDN", slug="whats-new", mailing_list=the_list(), intro="Hello *all*."
    )
    IssuePiece.objects.create(issue=issue, article=piece)
    return issue


def send(issue):
    issue.status, issue.send_at = Issue.Status.SCHEDULED, "2026-01-01T00:00:00Z"
    issue.save()
    return deliver_issue.call(issue.pk)


def test_an_issue_reaches_each_subscriber_of_its_list_once_with_the_piece_and_its_references(issue):
    readers = [subscriber(f"r{n}@example.org") for n in range(3)]
    other = subscriber("other@example.org", lists=[MailingList.objects.create(name="Other", slug="other")])
    send(issue)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(reader.email for reader in readers)
    message = mail.outbox[0]
    assert message.subject == "What's new in LDN"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://[^>]+/newsletter/unsubscribe/[^/]+/>", unsubscribe)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0].content
    assert "https://doi.org/10.1186/1471-2474-14-26" in html
    assert "/articles/" in html and 'href="/' not in html, "every link in an e-mail is absolute"
    assert "<style" not in html.split("<body", 1)[1] and 'style="' in html, "the CSS is inlined"
    assert "Studies <strong>pain</strong>" in html, "the author's bio closes the piece"
    assert "Medical information, not medical advice" in message.body
    assert "1. " in message.body and "10.1186/1471-2474-14-26" in message.body
    assert unsubscribe[1:-1] in message.body
    issue.refresh_from_db()
    assert (issue.status, issue.recipients, issue.delivered) == (Issue.Status.SENT, 3, 3)
    mail.outbox.clear()
    deliver_issue.call(issue.pk)
    send_again = Client()
    assert not mail.outbox and other.deliveries.count() == 0 and send_again


def test_a_reader_who_leaves_before_their_turn_is_skipped(issue):
    reader = subscriber()
    leaver = subscriber("leaver@example.org")
    issue.status, issue.send_at = Issue.Status.SCHEDULED, "2026-01-01T00:00:00Z"
    issue.save()
    from articles.newsletter import delivery

    delivery.start(issue.pk)
    leaver.lists.clear()
    delivery.send_pending(issue)
    assert [message.to for message in mail.outbox] == [[reader.email]]
    assert Delivery.objects.get(subscriber=leaver).state == Delivery.State.SKIPPED


def test_an_issue_whose_piece_was_unpublished_is_not_sent_and_says_why(issue):
    subscriber()
    issue.ordered_pieces()[0].__class__.objects.update(status="draft")
    send(issue)
    issue.refresh_from_db()
    assert not mail.outbox
    assert issue.status == Issue.Status.DRAFT and "is not published" in issue.problem


@pytest.mark.parametrize("role", ["author", "reviewer", "staff"])
def test_no_role_but_an_editors_opens_any_door_of_an_issue(issue, people, role):
    _, client = people[role]
    base = f"/admin/newsletter/issue/{issue.pk}"
    for path in ("change/", "preview/", "preview.txt", "history/"):
        assert client.get(f"{base}/{path}").status_code == 403, path
    for path in ("send/", "test/", "schedule/", "unschedule/", "delete/"):
        assert client.post(f"{base}/{path}", {"post": "yes"}).status_code == 403, path
    assert client.get("/admin/newsletter/subscriber/").status_code == 403
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and not DBTaskResult.objects.exists()


def test_only_editors_send_and_only_once(issue, people):
    _, author = people["author"]
    _, editor = people["editor"]
    base = f"/admin/newsletter/issue/{issue.pk}"
    assert author.get(f"{base}/change/").status_code == 403
    assert author.get(f"{base}/preview/").status_code == 403
    assert author.post(f"{base}/send/").status_code == 403
    assert editor.get(f"{base}/send/").status_code == 403, "a GET sends nothing"
    page = editor.get(f"{base}/change/")
    assert b"Send now to" in page.content and b"Preview the e-mail" in page.content
    assert editor.post(f"{base}/send/").status_code == 302
    assert DBTaskResult.objects.count() == 1
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    run_queued()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert editor.post(f"{base}/send/").status_code == 403
    assert editor.post(f"{base}/change/", {"subject": "Changed", "slug": "x"}).status_code == 403
    assert editor.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert Client().get(issue.get_absolute_url()).status_code == 200


def test_the_preview_is_the_e_mail_and_a_test_goes_to_the_editor(issue, people):
    user, editor = people["editor"]
    base = f"/admin/newsletter/issue/{issue.pk}"
    preview = editor.get(f"{base}/preview/")
    assert preview.status_code == 200 and b"Low-dose naltrexone for fibromyalgia" in preview.content
    text = editor.get(f"{base}/preview.txt")
    assert text["Content-Type"].startswith("text/plain") and b"References" in text.content
    editor.post(f"{base}/test/")
    run_queued()
    (test,) = mail.outbox
    assert test.to == [user.email] and test.subject.startswith("[Test]")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_a_draft_issue_is_not_public(issue):
    assert Client().get(issue.get_absolute_url()).status_code == 404
    assert issue.subject.encode() not in Client().get("/newsletter/feed.rss").content


def test_the_archive_and_its_feed_list_sent_issues(issue):
    send(issue)
    archive = Client().get("/newsletter/")
    assert issue.subject.encode() in archive.content.replace(b"&#x27;", b"'")
    feed = Client().get("/newsletter/feed.rss")
    assert feed.status_code == 200 and b"whats-new" in feed.content


def test_the_footer_form_fills_in_the_newsletter_page():
    response = Client(enforce_csrf_checks=True).post("/newsletter/start/", {"email": "me@example.org"})
    assert response.status_code == 200
    assert b'value="me@example.org"' in response.content
    assert not Subscriber.objects.exists()


def test_an_editor_can_export_a_subscriber(people, issue):
    reader = subscriber()
    send(issue)
    _, editor = people["editor"]
    response = editor.post("/admin/newsletter/subscriber/", {"action": "export_data", "_selected_action": [reader.pk]})
    assert response["Content-Type"] == "application/json"
    assert b"reader@example.org" in response.content and b'"sent"' in response.content
    assert editor.get("/admin/newsletter/subscriber/add/").status_code == 403


def test_a_sent_issues_page_reads_the_same_number_of_queries_for_one_piece_or_five(
    issue, make_article, make_author, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_CACHE_SECONDS = 0
    send(issue)
    with CaptureQueriesContext(connection) as one:
        assert Client().get(issue.get_absolute_url()).status_code == 200
    for n in range(4):
        authors = [make_author(name=f"Writer {n} {m}", slug=f"writer-{n}-{m}") for m in range(2)]
        piece = make_article(title=f"Piece {n}", slug=f"piece-{n}", authors=authors)
        IssuePiece.objects.create(issue=issue, article=piece, position=n + 1)
    with CaptureQueriesContext(connection) as five:
        page = Client().get(issue.get_absolute_url())
    assert page.content.count(b'class="card__title"') == 5
    assert len(five) == len(one), [query["sql"] for query in five.captured_queries]


def test_a_retracted_reference_says_so_in_the_issue_too(issue):
    from articles.newsletter.emails import render_issue
    from references.models import Reference

    reference = Reference.objects.get(key="younger2013")
    reference.updates = [
        {"type": "retraction", "label": "Retraction", "date": "2026-11-02", "doi": "10.5555/n", "source": "publisher"}
    ]
    reference.save()
    rendered = render_issue(issue)
    assert "<strong>Retracted on 2 November 2026 — " in rendered.html
    assert '<a href="https://doi.org/10.5555/n"' in rendered.html
    assert "Retracted on 2 November 2026" in rendered.text
