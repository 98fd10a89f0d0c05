"""The editorial workflow so far: archived pieces, staff previews, and the medical review readers are shown."""

import datetime
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article

TODAY = timezone.localdate()


@pytest.fixture
def staff_client(client, editorial_groups):
    """An editor: previews follow the role (a staff account with none previews nothing, see test_trust)."""
    from django.contrib.auth.models import Group

    editor = get_user_model().objects.create_user("staffer", "s@example.org", "pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def test_an_archived_piece_is_gone_for_the_public(client, make_article):
    archived = make_article(title="Old news", slug="old-news", status=Article.Status.ARCHIVED)
    assert client.get(archived.get_absolute_url()).status_code == 404
    assert "Old news" not in client.get("/articles/").content.decode()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"status": Article.Status.DRAFT, "published_at": None}, "it is draft"),
        ({"status": Article.Status.IN_REVIEW}, "it is in review"),
        ({"published_at": timezone.now() + datetime.timedelta(days=2)}, "it is scheduled for"),
    ],
)
def test_staff_preview_unpublished_pieces_with_a_banner_and_the_public_gets_404(
    client, staff_client, make_article, fields, says
):
    piece = make_article(title="Not yet", slug="not-yet", **fields)
    from django.test import Client

    assert Client().get(piece.get_absolute_url()).status_code == 404
    response = staff_client.get(piece.get_absolute_url())
    html = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert '<p class="preview-banner" role="status"><strong>Preview.</strong>' in html and says in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_published_piece_has_no_preview_banner_for_staff(staff_client, make_article):
    assert "preview-banner" not in staff_client.get(make_article().get_absolute_url()).content.decode()


def test_the_medical_review_is_shown_with_credentials_and_in_json_ld(client, make_article, make_author):
    reviewer = make_author(name="Jane Doe", slug="jane-doe", credentials="MD, PhD")
    piece = make_article(medical_reviewer=reviewer, last_reviewed=TODAY - datetime.timedelta(days=30))
    html = client.get(piece.get_absolute_url()).content.decode()
    assert 'Medically reviewed by <a href="/authors/jane-doe/">Jane Doe, MD, PhD</a>' in html
    assert "article__review-due" not in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert data["reviewedBy"]["name"] == "Jane Doe" and data["reviewedBy"]["honorificSuffix"] == "MD, PhD"
    assert data["lastReviewed"] == (TODAY - datetime.timedelta(days=30)).isoformat()


@pytest.mark.parametrize(
    ("last_reviewed", "message"),
    [
        (None, "has not had a medical review yet"),
        (TODAY - datetime.timedelta(days=400), "due for its next medical review"),
    ],
)
def test_readers_are_told_when_a_review_is_missing_or_overdue(
    client, make_article, make_author, last_reviewed, message
):
    reviewer = make_author() if last_reviewed else None
    piece = make_article(medical_reviewer=reviewer, last_reviewed=last_reviewed)
    assert message in client.get(piece.get_absolute_url()).content.decode()


def test_review_overdue_queryset_and_admin_filter(admin_client, make_article, make_author):
    reviewer = make_author()
    current = make_article(title="Current", medical_reviewer=reviewer, last_reviewed=TODAY)
    # Due a year after the review, give or take two weeks: 400 days on, it is due whatever the stagger.
    stale = make_article(title="Stale", medical_reviewer=reviewer, last_reviewed=TODAY - datetime.timedelta(days=400))
    never = make_article(title="Never")
    assert set(Article.objects.review_overdue()) == {stale, never}
    overdue = admin_client.get("/admin/articles/article/", {"review": "overdue"}).context["cl"].result_list
    assert set(overdue) == {stale, never}
    fresh = admin_client.get("/admin/articles/article/", {"review": "current"}).context["cl"].result_list
    assert list(fresh) == [current]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"last_reviewed": TODAY + datetime.timedelta(days=1)}, "last_reviewed"),
        ({"last_reviewed": TODAY}, "medical_reviewer"),
    ],
)
def test_review_fields_are_validated(make_article, fields, field):
    piece = make_article()
    for name, value in fields.items():
        setattr(piece, name, value)
    with pytest.raises(ValidationError) as caught:
        piece.full_clean()
    assert field in caught.value.message_dict
