"""The editorial roles, enforced by the server: each role against each action, allowed and refused."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article

from .test_admin import article_form

ADD = "/admin/articles/article/add/"
LIST = "/admin/articles/article/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def piece(make_article, owner, **fields):
    values = {"status": Article.Status.DRAFT, "published_at": None, "authors": [], "created_by": owner}
    return make_article(**(values | fields))


def form(**fields):
    data = article_form(**fields)
    for readonly in ("published_at_0", "published_at_1"):
        data.pop(readonly)
    return data


def test_an_author_creates_a_draft_and_owns_it(people):
    user, client = people["author"]
    assert client.post(ADD, form(title="Amy's draft", slug="amys-draft")).status_code == 302
    assert Article.objects.get(slug="amys-draft").created_by == user


@pytest.mark.parametrize("status", ["published", "archived"])
def test_an_author_cannot_publish_or_archive(people, status):
    _, client = people["author"]
    page = client.get(ADD).content.decode()
    assert f'<option value="{status}"' not in page  # not offered
    response = client.post(ADD, form(slug="sneaky", status=status))  # and refused when posted by hand
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Article.objects.filter(slug="sneaky").exists()


def test_an_author_submits_a_draft_for_review_then_cannot_change_it(people, make_article):
    user, client = people["author"]
    draft = piece(make_article, user, slug="mine")
    assert client.post(change_url(draft), form(slug="mine", status="review")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.IN_REVIEW
    assert client.post(change_url(draft), form(slug="mine", title="Sneaky edit", status="review")).status_code == 403
    draft.refresh_from_db()
    assert draft.title != "Sneaky edit"


def test_an_author_sees_only_their_own_pieces(people, make_article):
    user, client = people["author"]
    mine = piece(make_article, user, title="Mine", slug="mine")
    theirs = piece(make_article, people["other_author"][0], title="Theirs", slug="theirs")
    listed = list(client.get(LIST).context["cl"].result_list)
    assert listed == [mine]
    refused = client.get(change_url(theirs))
    assert refused.status_code == 403 and "Authors see the pieces they started" in refused.content.decode()
    assert b"Theirs" not in refused.content
    assert client.post(change_url(theirs), form(slug="theirs", title="Hijacked")).status_code == 403
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


def test_an_author_cannot_schedule_or_fake_a_review(people, make_article, make_author):
    user, client = people["author"]
    draft = piece(make_article, user, slug="mine")
    data = form(slug="mine") | {
        "published_at_0": "2030-01-01",
        "published_at_1": "09:00",
        "medical_reviewer": str(make_author().pk),
        "last_reviewed": "2026-01-01",
    }
    assert client.post(change_url(draft), data).status_code == 302  # read-only fields are ignored
    draft.refresh_from_db()
    assert (draft.published_at, draft.medical_reviewer, draft.last_reviewed) == (None, None, None)


@pytest.mark.parametrize("role", ["author", "reviewer"])
def test_only_editors_get_the_bulk_publish_actions(people, make_article, role):
    _, client = people[role]
    target = piece(make_article, people[role][0] if role == "author" else None, slug="bulk")
    response = client.post(LIST, {"action": "publish_selected", "_selected_action": [target.pk]})
    assert response.status_code in (200, 302)
    target.refresh_from_db()
    assert target.status == Article.Status.DRAFT


def test_a_reviewer_approves_a_piece_and_is_named_as_its_reviewer(people, make_article):
    _, client = people["reviewer"]
    submitted = piece(make_article, people["author"][0], slug="submitted", status=Article.Status.IN_REVIEW)
    page = client.get(change_url(submitted)).content.decode()
    assert 'name="approve_review"' in page
    assert (
        client.post(change_url(submitted), form(slug="submitted", status="review", approve_review="on")).status_code
        == 302
    )
    submitted.refresh_from_db()
    assert submitted.medical_reviewer.name == "Rita Reviewer"
    assert submitted.last_reviewed == timezone.localdate()
    assert submitted.status == Article.Status.IN_REVIEW  # an editor publishes


def test_a_reviewer_sends_a_piece_back_only_with_a_comment(people, make_article):
    _, client = people["reviewer"]
    submitted = piece(make_article, people["author"][0], slug="submitted", status=Article.Status.IN_REVIEW)
    refused = client.post(change_url(submitted), form(slug="submitted", status="draft"))
    assert "Say what needs to change" in refused.content.decode()
    data = form(slug="submitted", status="draft", review_note="The 2013 figures need their p-values.")
    assert client.post(change_url(submitted), data).status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_note) == ("draft", "The 2013 figures need their p-values.")


def test_a_reviewer_cannot_publish(people, make_article):
    _, client = people["reviewer"]
    submitted = piece(make_article, people["author"][0], slug="submitted", status=Article.Status.IN_REVIEW)
    response = client.post(change_url(submitted), form(slug="submitted", status="published"))
    assert "Select a valid choice" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Article.Status.IN_REVIEW


def test_a_reviewer_without_an_author_profile_cannot_approve(people, make_article):
    user, client = people["reviewer"]
    user.author_profile.delete()
    submitted = piece(make_article, people["author"][0], slug="submitted", status=Article.Status.IN_REVIEW)
    response = client.post(change_url(submitted), form(slug="submitted", status="review", approve_review="on"))
    assert "not linked to an author profile" in response.content.decode()


def test_an_author_cannot_approve_by_posting_the_box(people, make_article):
    user, client = people["author"]
    draft = piece(make_article, user, slug="mine")
    client.post(change_url(draft), form(slug="mine", status="review", approve_review="on"))
    draft.refresh_from_db()
    assert draft.medical_reviewer is None  # the box is not in an author's form at all


def test_an_editor_publishes_schedules_and_archives(people, make_article, client):
    _, editor = people["editor"]
    submitted = piece(make_article, people["author"][0], slug="ready", status=Article.Status.IN_REVIEW)
    assert editor.post(change_url(submitted), form(slug="ready", status="published")).status_code == 302
    assert client.get(submitted.get_absolute_url()).status_code == 200

    later = piece(make_article, None, slug="later")
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    data = form(slug="later", status="published") | {
        "published_at_0": tomorrow.strftime("%Y-%m-%d"),
        "published_at_1": tomorrow.strftime("%H:%M:%S"),
    }
    assert editor.post(change_url(later), data).status_code == 302
    assert client.get("/articles/later/").status_code == 404  # scheduled

    data = form(slug="ready", status="archived", opened_revision=str(Article.objects.get(slug="ready").revision))
    data |= {"published_at_0": "", "published_at_1": ""}
    assert editor.post(change_url(submitted), data).status_code == 302
    assert client.get(submitted.get_absolute_url()).status_code == 404


def test_an_editor_bulk_publishes_and_unpublishes(people, make_article):
    _, editor = people["editor"]
    drafts = [piece(make_article, None, slug=f"d{n}") for n in range(3)]
    editor.post(LIST, {"action": "publish_selected", "_selected_action": [d.pk for d in drafts]})
    assert Article.objects.published().count() == 3
    editor.post(LIST, {"action": "unpublish_selected", "_selected_action": [drafts[0].pk]})
    assert Article.objects.published().count() == 2
    from reversion.models import Version

    versions = Version.objects.get_for_object(drafts[0])
    assert [v.revision.comment for v in versions] == [
        "Status set to Draft (bulk action)",
        "Status set to Published (bulk action)",
    ]
    assert versions[0].revision.user == people["editor"][0]


@pytest.mark.parametrize(("role", "allowed"), [("author", False), ("reviewer", False), ("editor", True)])
def test_only_editors_delete_pieces(people, make_article, role, allowed):
    _, client = people[role]
    target = piece(make_article, people["author"][0], slug="target")
    client.post(f"/admin/articles/article/{target.pk}/delete/", {"post": "yes"})
    assert Article.objects.filter(slug="target").exists() is not allowed


def test_the_rules_refuse_a_status_even_when_offered(people):
    from articles.workflow import check_change

    author = people["author"][0]
    problems = check_change(author, None, Article(status=Article.Status.PUBLISHED))
    assert "Only editors can make a piece “Published”" in problems["status"]
    assert check_change(people["editor"][0], None, Article(status=Article.Status.PUBLISHED)) == {}
