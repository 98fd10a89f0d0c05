"""Stored article pages (articles/pages.py): rendered once, served with one query, never out of date.

The page cache is turned off here, so every request reaches the view and the stored page.
"""

import datetime
import json
import logging
import re

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles import pages
from articles.models import Article, ArticlePage, ArticleQuerySet, Byline
from references.models import StudyReport


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def piece(make_article, make_author, make_reference, make_study):
    cited = make_reference(title="Naltrexone and glial cells", key="glia2020")
    study = make_study(title="The glia trial", report={"reference": cited, "participants": 31})
    article = make_article(
        title="Naltrexone at low doses",
        slug="naltrexone-at-low-doses",
        authors=[make_author(name="Ada Writer")],
        references=[cited],
        tags=["Fibromyalgia"],
    )
    return article, cited, study


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def queries_for(client, article):
    with CaptureQueriesContext(connection) as queries:
        page(client, article)
    return len(queries)


def test_the_first_reader_stores_the_page_and_the_next_read_it_in_one_query(client, piece):
    article, _, _ = piece
    first = page(client, article)
    assert ArticlePage.objects.filter(article=article).exists()
    assert queries_for(client, article) == 1
    assert re.sub(r'nonce="[^"]+"', "", page(client, article)) == re.sub(r'nonce="[^"]+"', "", first)


def _retitle_reference(article, cited, study):
    cited.title = "Glia, renamed"
    cited.save()
    return "Glia, renamed"


def _rename_tag(article, cited, study):
    tag = Tag.objects.get(name="Fibromyalgia")
    tag.name = "Chronic widespread pain"
    tag.save()
    return "Chronic widespread pain"


def _add_tag(article, cited, study):
    article.tags.add("Sleep")
    return ">Sleep<"


def _rename_author(article, cited, study):
    author = article.bylines.get().author
    author.name = "Ada Renamed"
    author.save()
    return "Ada Renamed"


def _add_byline(article, cited, study):
    from articles.models import Author

    Byline.objects.create(article=article, author=Author.objects.create(name="Bo Second", slug="bo"), position=2)
    return "Bo Second"


def _edit_study(article, cited, study):
    study.title = "The glia trial, retitled"
    study.save()
    return "The glia trial, retitled"


def _edit_report(article, cited, study):
    report = StudyReport.objects.get(study=study)
    report.participants = 77
    report.save()
    return ">77 women<"


def _edit_article(article, cited, study):
    article.title = "Naltrexone at low doses, revised"
    article.body = "## Findings\n\nSleep improved [@glia2020]."
    article.save()
    return "Sleep improved"


def _review(article, cited, study):
    from articles.models import Author

    article.medical_reviewer = Author.objects.create(name="Dr Cleo Reviewer", slug="cleo")
    article.last_reviewed = timezone.localdate()
    article.save()
    return "Medically reviewed by"


@pytest.mark.parametrize(
    "edit",
    [
        _edit_article,
        _review,
        _add_byline,
        _rename_author,
        _add_tag,
        _rename_tag,
        _retitle_reference,
        _edit_study,
        _edit_report,
    ],
)
def test_an_edit_to_anything_the_page_shows_is_on_the_next_request(client, piece, edit):
    article, cited, study = piece
    page(client, article)
    expected = edit(article, cited, study)
    assert expected in page(client, article)
    assert queries_for(client, article) == 1  # and stored again


def test_a_study_no_longer_reported_by_a_cited_work_leaves_the_glance(client, piece):
    article, _, study = piece
    assert "The glia trial" in page(client, article)
    StudyReport.objects.filter(study=study).delete()
    assert "The glia trial" not in page(client, article)


def test_an_edit_to_another_piece_leaves_this_page_stored(client, piece, make_article):
    article, _, _ = piece
    other = make_article(title="Another piece")
    page(client, article)
    other.title = "Another piece, edited"
    other.save()
    assert queries_for(client, article) == 1


def test_the_review_notice_appears_when_the_year_runs_out_without_an_edit(client, piece, make_author, monkeypatch):
    article, _, _ = piece
    article.medical_reviewer = make_author()
    article.last_reviewed = timezone.localdate() - datetime.timedelta(days=364)
    article.save()
    assert "last medically reviewed more than a year ago" not in page(client, article)
    later = timezone.localdate() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert "last medically reviewed more than a year ago" in page(client, article)


def test_new_code_or_templates_render_every_page_again(client, piece, monkeypatch):
    article, _, _ = piece
    page(client, article)
    before = ArticlePage.objects.get(article=article).key
    monkeypatch.setattr(pages, "render_version", lambda: "a-new-deploy")
    assert queries_for(client, article) > 1
    assert ArticlePage.objects.get(article=article).key != before
    assert queries_for(client, article) == 1


def test_a_page_stored_under_an_old_token_is_not_served(client, piece):
    """A reader who rendered the page just before an edit, and stored it just after, stores it under the old token."""
    article, _, _ = piece
    page(client, article)
    stale = ArticlePage.objects.get(article=article)
    article.title = "Retitled while a reader was rendering"
    article.save()
    ArticlePage.objects.filter(pk=stale.pk).update(key=stale.key, html=stale.html)  # the late store
    assert "Retitled while a reader was rendering" in page(client, article)


def test_absolute_addresses_follow_the_host_the_reader_asked_for(client, piece):
    article, _, _ = piece
    page(client, article)  # stored
    html = client.get(article.get_absolute_url(), HTTP_HOST="localhost:8000").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["url"] == f"http://localhost:8000{article.get_absolute_url()}"
    assert data["citation"][0]["url"].startswith("http://localhost:8000/")
    assert pages.ORIGIN not in html and pages.NONCE not in html


def test_staff_previews_are_rendered_as_they_stand_and_never_stored(client, make_article):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, title="A draft")
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "pw"))
    assert "Preview." in page(client, draft)
    assert not ArticlePage.objects.filter(article=draft).exists()


def test_an_unpublished_piece_is_gone_though_its_page_is_stored(client, piece):
    article, _, _ = piece
    page(client, article)
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_token_is_not_part_of_a_pieces_history(piece):
    article, _, _ = piece
    with reversion.create_revision():
        article.save()
    assert "page_token" not in Version.objects.get_for_object(article).first().field_dict


@pytest.mark.django_db(transaction=True)
def test_a_page_that_cannot_be_stored_is_still_served(client, make_article, monkeypatch, caplog):
    article = make_article(title="Served anyway")
    monkeypatch.setattr(pages, "_upsert_sql", lambda: "INSERT INTO no_such_table VALUES (%s, %s, %s)")
    with caplog.at_level(logging.WARNING, logger="articles.pages"):
        assert "Served anyway" in page(client, article)
    assert "Could not store the rendered page" in caplog.text


def test_a_stored_page_carries_each_readers_own_nonce(client, piece):
    article, _, _ = piece
    nonces = []
    for _ in range(2):  # rendered, then stored
        response = client.get(article.get_absolute_url())
        nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert f'<script type="application/ld+json" nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_scheduled_piece_appears_at_its_time_with_its_page_stored_before(client, piece, monkeypatch):
    # The lookup's SQL is compiled once per process; the moment the public rule judges by is each request's own.
    article, _, _ = piece
    page(client, article)  # stored
    due = timezone.now() + datetime.timedelta(days=2)
    Article.objects.filter(pk=article.pk).update(published_at=due)
    assert client.get(article.get_absolute_url()).status_code == 404
    monkeypatch.setattr(timezone, "now", lambda: due + datetime.timedelta(minutes=1))
    assert "Naltrexone at low doses" in page(client, article)


def test_another_pieces_slug_or_an_unknown_one_is_not_this_page(client, piece, make_article):
    article, _, _ = piece
    other = make_article(title="Another piece", slug="another-piece")
    page(client, article)
    assert "Another piece" in page(client, other) and "Naltrexone at low doses" not in page(client, other)
    assert client.get("/articles/no-such-piece/").status_code == 404


def test_a_piece_deleted_between_the_lookup_and_the_rendering_is_a_404(client, piece, monkeypatch):
    article, _, _ = piece
    lookup = pages._lookup

    def then_deleted(slug):
        row = lookup(slug)
        Article.objects.filter(slug=slug).delete()
        return row

    monkeypatch.setattr(pages, "_lookup", then_deleted)
    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.fixture
def fresh_statement():
    pages._lookup_statement.cache_clear()
    yield
    pages._lookup_statement.cache_clear()


def test_the_lookup_refuses_a_public_rule_it_cannot_bind(fresh_statement, db, monkeypatch):
    # Were published() to stop judging by the moment it is given, the compiled lookup would
    # judge every request by its stand-in; it says so instead.
    rule = ArticleQuerySet.published
    monkeypatch.setattr(ArticleQuerySet, "published", lambda self, at=None: rule(self))
    with pytest.raises(ImproperlyConfigured, match="slug and moment"):
        pages._lookup("naltrexone-at-low-doses")
