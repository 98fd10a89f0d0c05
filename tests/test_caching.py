"""The public page cache: fast repeats for readers, never a stale page after an edit, fresh pages for staff."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Author
from references.models import Reference, Study

ARTICLE = "/articles/low-dose-naltrexone-for-fibromyalgia-pain/"


def test_a_repeated_page_comes_from_the_cache_without_queries(client, demo, django_assert_num_queries):
    first = client.get(ARTICLE)
    assert "X-Cache" not in first
    with django_assert_num_queries(0):
        again = client.get(ARTICLE)
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]  # the JSON-LD's nonce still holds


@pytest.mark.parametrize(
    ("url", "edit", "expect"),
    [
        (
            ARTICLE,
            lambda: _save(Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain"), title="Edited"),
            "Edited",
        ),
        (
            "/",
            lambda: _save(Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain"), dek="New summary."),
            "New summary.",
        ),
        (ARTICLE, lambda: _save(Author.objects.get(slug="jacob-teitelbaum"), name="Renamed Author"), "Renamed Author"),
        (
            ARTICLE,
            lambda: Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain").tags.add("brand new tag"),
            "brand new tag",
        ),
        (
            "/references/",
            lambda: _save(Reference.objects.get(key="younger2009"), title="Retitled work"),
            "Retitled work",
        ),
        (
            "/studies/",
            lambda: _save(Study.objects.get(registry_id="NCT00568555"), title="Renamed trial"),
            "Renamed trial",
        ),
        (
            "/feeds/articles.rss",
            lambda: _save(Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain"), title="Feed edit"),
            "Feed edit",
        ),
        (
            "/articles/",
            lambda: Article.objects.filter(slug="low-dose-naltrexone-for-fibromyalgia-pain").get().delete(),
            None,
        ),
    ],
)
def test_an_edit_is_on_the_next_page_a_reader_gets(client, demo, url, edit, expect):
    before = client.get(url).content.decode()
    assert client.get(url)["X-Cache"] == "hit"
    edit()
    after = client.get(url)
    assert "X-Cache" not in after
    if expect:
        assert expect not in before and expect in after.content.decode()
    else:
        assert "Low-Dose Naltrexone for Fibromyalgia Pain" in before
        assert "Low-Dose Naltrexone for Fibromyalgia Pain" not in after.content.decode()


def _save(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


def test_staff_always_get_a_fresh_page(client, demo, django_assert_max_num_queries):
    client.get(ARTICLE)
    client.force_login(get_user_model().objects.create_superuser("editor", "e@example.org", "pw"))
    response = client.get(ARTICLE)
    assert "X-Cache" not in response
    assert client.get(ARTICLE).get("X-Cache") is None


def test_a_scheduled_piece_appears_when_its_time_comes_without_a_save(client, demo, make_article, monkeypatch):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    make_article(title="Scheduled piece", slug="scheduled", published_at=soon)
    assert "Scheduled piece" not in client.get("/articles/").content.decode()
    assert client.get("/articles/")["X-Cache"] == "hit"

    later = soon + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr("articles.caching.time.time", lambda: later.timestamp())
    assert "Scheduled piece" in client.get("/articles/").content.decode()


def test_errors_drafts_and_downloads_are_not_cached(client, demo, make_article):
    make_article(title="Draft", slug="a-draft", status=Article.Status.DRAFT, published_at=None)
    client.get("/articles/a-draft/")
    assert client.get("/articles/a-draft/").status_code == 404
    assert "X-Cache" not in client.get("/articles/a-draft/")
    client.get("/studies/studies.csv")
    assert "X-Cache" not in client.get("/studies/studies.csv")


def test_pages_carry_etag_and_last_modified_and_answer_revalidation_with_304(client, demo):
    first = client.get(ARTICLE)
    assert first["Cache-Control"] == "public, no-cache"
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(ARTICLE, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(ARTICLE, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    _save(Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain"), title="Changed again")
    changed = client.get(ARTICLE, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and "Changed again" in changed.content.decode()


@pytest.mark.parametrize("url", ["/", "/articles/", "/tags/fibromyalgia/", "/feeds/articles.atom", "/studies/"])
def test_lists_and_feeds_answer_conditional_requests(client, demo, url):
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_cache_works_through_redis(client, demo, settings):
    settings.CACHES = {"default": {"BACKEND": "ldnsite.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/6"}}
    from django.core.cache import cache

    cache.clear()
    client.get(ARTICLE)
    assert client.get(ARTICLE)["X-Cache"] == "hit"
    _save(Article.objects.get(slug="low-dose-naltrexone-for-fibromyalgia-pain"), title="Via Redis")
    assert "Via Redis" in client.get(ARTICLE).content.decode()
    cache.clear()


def test_the_redis_backend_keeps_one_client_for_its_pool(settings):
    settings.CACHES = {"default": {"BACKEND": "ldnsite.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/6"}}
    from django.core.cache import cache

    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True)
    cache.set("one-client", [1, 2], 30)
    assert cache.get_many(["one-client", "missing"]) == {"one-client": [1, 2]}
    cache.delete("one-client")
