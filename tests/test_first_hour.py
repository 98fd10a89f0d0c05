"""A newcomer's first hour: signing in as each role from a fresh clone, and the small things that got in the way."""

import io
import logging
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from articles.models import Article

ROOT = Path(__file__).resolve().parent.parent


def signed_in(username, password):
    """A client signed in through the admin's login form, as a person signs in."""
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def demo_accounts():
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    return dict(re.findall(r"^\s+(\w+)\s+(\S+)\s", out.getvalue(), re.M))


def test_demo_accounts_give_one_signed_in_account_per_role(editorial_groups, settings):
    settings.DEBUG = True
    passwords = demo_accounts()
    assert set(passwords) == {"amy", "rita", "ed"}
    for username, group in (("amy", "Authors"), ("rita", "Medical reviewers"), ("ed", "Editors")):
        user = get_user_model().objects.get(username=username)
        assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [group]
        assert signed_in(username, passwords[username]).get("/admin/").status_code == 200
    # The reviewer's approval names her to readers: her account is linked to her author profile.
    assert get_user_model().objects.get(username="rita").author_profile.display_name == "Rita Reviewer, MD"


def test_demo_accounts_take_a_piece_from_draft_to_published(editorial_groups, settings, client):
    from .test_roles import form

    settings.DEBUG = True
    passwords = demo_accounts()
    clients = {username: signed_in(username, password) for username, password in passwords.items()}
    add = "/admin/articles/article/add/"
    assert clients["amy"].post(add, form(slug="tried", title="Tried", status="review")).status_code == 302
    piece = Article.objects.get(slug="tried")
    change = f"/admin/articles/article/{piece.pk}/change/"
    data = form(slug="tried", title="Tried", status="review", approve_review="on", opened_revision=piece.revision)
    assert clients["rita"].post(change, data).status_code == 302
    piece.refresh_from_db()
    published = form(slug="tried", title="Tried", status="published", opened_revision=piece.revision)
    assert clients["ed"].post(change, published).status_code == 302
    assert client.get("/articles/tried/").status_code == 200


def test_demo_accounts_run_again_give_new_passwords(editorial_groups, settings):
    settings.DEBUG = True
    first, second = demo_accounts(), demo_accounts()
    assert first["amy"] != second["amy"]
    assert get_user_model().objects.filter(username__in=["amy", "rita", "ed"]).count() == 3


def test_demo_accounts_are_refused_without_debug(editorial_groups, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_accounts", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="amy").exists()


def test_make_superuser_works_without_a_terminal():
    dry_run = subprocess.run(
        ["make", "-n", "superuser", "DJANGO_SUPERUSER_PASSWORD=x"], cwd=ROOT, capture_output=True, text=True
    )
    assert "createsuperuser --noinput" in dry_run.stdout


def test_a_refused_next_address_after_signing_in_goes_to_the_editors_desk(client, admin_user):
    response = client.post(
        "/admin/login/?next=https://elsewhere.example.com/",
        {"username": admin_user.username, "password": "password", "next": "https://elsewhere.example.com/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_bad_host_header_is_a_warning_not_an_error_email(client, settings):
    settings.ADMINS = [("Admin", "admin@example.org")]
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(handler)
    try:
        response = client.get("/", HTTP_HOST="attacker.example.com")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 400
    assert records and {record.levelname for record in records} == {"WARNING"}
    assert mail.outbox == []
