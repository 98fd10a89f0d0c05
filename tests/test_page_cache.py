"""The one response cache, in one process: what it stores, what it serves, and that every edit reaches readers.

The same cache across gunicorn's workers and other processes is ``test_page_cache_processes.py``;
through Varnish, ``test_front_cache.py``. Edits here commit (``transactional_db``), because pages are
dropped when a change commits, not before.
"""

import datetime
import os
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Byline, ChangeNote, Citation, Series
from references.models import (
    Certainty,
    Condition,
    Outcome,
    OutcomeResult,
    Reference,
    RiskOfBias,
    Study,
    StudyReport,
    TrialRecord,
)

PIECE = "low-dose-naltrexone-for-fibromyalgia-pain"
ARTICLE = f"/articles/{PIECE}/"
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ldnsite_cache"}}
# A Redis database of its own for each test process (pytest-xdist's gw0, gw1, …): 6, 7, …
REDIS_DB = 6 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_CACHE = {
    "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:6379/{REDIS_DB}"}
}


@pytest.fixture(params=["database", "redis"])
def shared_cache(request, settings, transactional_db):
    """The production default (Django's database cache, shared through the database) and Redis."""
    from django.core.management import call_command

    settings.CACHES = DATABASE_CACHE if request.param == "database" else REDIS_CACHE
    call_command("createcachetable")
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def site(transactional_db, shared_cache):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)


def hit(response):
    return response.get("X-Cache") == "hit"


def piece():
    return Article.objects.get(slug=PIECE)


def test_a_repeated_page_is_served_from_the_cache(client, site, django_assert_max_num_queries):
    first = client.get(ARTICLE)
    assert not hit(first)
    with django_assert_max_num_queries(0 if site == "redis" else 3):
        again = client.get(ARTICLE)
    assert hit(again) and again.content == first.content


# Every edit, on every page: after it commits, the page a reader gets is the page a fresh render gives.

PAGES = [
    "/",
    ARTICLE,
    "/articles/ldn-fibromyalgia-randomised-trial-2013/",  # the next part of ARTICLE's series
    "/series/ldn-and-fibromyalgia-pain/",
    "/articles/",
    "/tags/",
    "/tags/fibromyalgia/",
    "/authors/",
    "/authors/jacob-teitelbaum/",
    "/references/",
    "/references/younger2009/",
    "/studies/",
    "/studies/?condition=fibromyalgia",
    "/studies/stanford-ldn-fibromyalgia-pilot-2009/",
    "/studies/stanford-ldn-fibromyalgia-crossover-trial/",
    "/conditions/",
    "/conditions/fibromyalgia/",
    "/feeds/articles.rss",
    "/tags/fibromyalgia/feed.atom",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/api/articles/",
    f"/api/articles/{PIECE}/",
    "/api/authors/jacob-teitelbaum/",
    "/api/tags/",
    "/api/references/younger2009/",
]


def _rename(model, lookup, **fields):
    def edit():
        obj = model.objects.get(**lookup)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.save()

    return edit


def _unpublish():
    article = piece()
    article.status = Article.Status.DRAFT
    article.save()


def _retag():
    piece().tags.add("brand new topic")


def _untag():
    piece().tags.remove("fibromyalgia")


def _drop_byline():
    Byline.objects.filter(article=piece()).first().delete()


def _drop_citation():
    Citation.objects.get(article=piece(), reference__key="younger2009").delete()


def _report_figure():
    report = StudyReport.objects.filter(is_main=True).first()
    report.participants = 99
    report.save()


def _outcome_data():
    result = OutcomeResult.objects.get(outcome__slug="pain")
    result.reported = "Pain fell by about a tenth more on naltrexone."
    result.save()


def _risk_judged_again():
    judgement = RiskOfBias.objects.get()
    judgement.overall = RiskOfBias.RobinsJudgement.CRITICAL
    judgement.save()


def _certainty_rated():
    rating = Certainty.objects.get()
    rating.effect = Certainty.Effect.NO_DIFFERENCE
    rating.save()


def _condition_of_study():
    Study.objects.first().conditions.add(Condition.objects.create(name="Long COVID", slug="long-covid"))


def _delete_piece():
    piece().delete()


def _leave_series():
    article = piece()
    article.series = None
    article.save()


def _schedule_next_part():
    import datetime

    from django.utils import timezone

    Article.objects.create(
        title="What's Causing Pain in Fibromyalgia?",
        slug="whats-causing-pain",
        summary="The next part.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() + datetime.timedelta(days=7),
        series=piece().series,
        series_part=3,
    )


def _delete_series():
    piece().series.delete()


def _retracted():
    # What the retraction check writes (references.living.checks.check_updates).
    reference = Reference.objects.get(key="younger2009")
    reference.updates = [
        {"type": "retraction", "label": "Retraction", "date": "2026-11-02", "doi": "10.5555/n", "source": "publisher"}
    ]
    reference.save()


def _registry_checked():
    TrialRecord.objects.create(
        study=Study.objects.get(registry_id="NCT00568555"),
        nct_id="NCT00568555",
        overall_status="COMPLETED",
        results_posted="2026-11-20",
        checked_at=timezone.now(),
    )


def _change_logged():
    ChangeNote.objects.create(article=piece(), note="Added the 2013 trial; conclusion unchanged.")


EDITS = {
    "piece retitled": _rename(Article, {"slug": PIECE}, title="Retitled piece"),
    "piece unpublished": _unpublish,
    "piece deleted": _delete_piece,
    "piece leaves its series": _leave_series,
    "next part scheduled": _schedule_next_part,
    "series renamed": _rename(Series, {"slug": "ldn-and-fibromyalgia-pain"}, title="Renamed series"),
    "series deleted": _delete_series,
    "author renamed": _rename(Author, {"slug": "jacob-teitelbaum"}, name="Renamed Author"),
    "byline removed": _drop_byline,
    "tag renamed": _rename(Tag, {"slug": "fibromyalgia"}, name="Fibromyalgia (FMS)"),
    "tag added": _retag,
    "tag removed": _untag,
    "citation removed": _drop_citation,
    "reference retitled": _rename(Reference, {"key": "younger2009"}, title="Retitled pilot study"),
    "study retitled": _rename(Study, {"registry_id": "NCT00568555"}, title="Renamed trial"),
    "report figure": _report_figure,
    "condition renamed": _rename(Condition, {"slug": "fibromyalgia"}, name="Fibromyalgia syndrome"),
    "study gains a condition": _condition_of_study,
    "outcome renamed": _rename(Outcome, {"slug": "pain"}, name="Daily pain"),
    "outcome data": _outcome_data,
    "risk of bias judged again": _risk_judged_again,
    "certainty rated": _certainty_rated,
    "reference retracted": _retracted,
    "trial registry checked": _registry_checked,
    "change-log line added": _change_logged,
}


@pytest.mark.parametrize("edit", EDITS)
def test_after_an_edit_commits_every_cached_page_is_what_a_fresh_render_gives(client, site, edit):
    for url in PAGES:
        client.get(url)
    assert hit(client.get(ARTICLE))
    EDITS[edit]()
    served = {url: client.get(url) for url in PAGES}
    cache.clear()
    for url, response in served.items():
        fresh = client.get(url)
        assert (response.status_code, response.content) == (fresh.status_code, fresh.content), (edit, url)


def test_a_new_study_reaches_the_pages_of_reviewed_pieces_about_its_condition(client, site):
    Study.objects.update(created_at=timezone.now() - datetime.timedelta(days=60))  # there before the review
    article = piece()
    article.medical_reviewer = Author.objects.get(slug="jacob-teitelbaum")
    article.last_reviewed = timezone.localdate() - datetime.timedelta(days=30)
    article.save()
    before = client.get(ARTICLE)
    assert hit(client.get(ARTICLE)) and b"New research on this topic" not in before.content
    study = Study.objects.create(title="A newer trial", slug="a-newer-trial", design=Study.Design.RANDOMISED)
    study.conditions.add(Condition.objects.get(slug="fibromyalgia"))
    after = client.get(ARTICLE)
    assert not hit(after) and b"New research on this topic has appeared" in after.content


def test_an_edit_drops_only_the_pages_that_show_it(client, site, make_article):
    other = make_article(title="Another piece", slug="another-piece", authors=[], tags=["sleep"])
    for url in (ARTICLE, other.get_absolute_url(), "/references/younger2013/"):
        client.get(url)
    _rename(Reference, {"key": "younger2009"}, title="Retitled pilot study")()
    assert not hit(client.get(ARTICLE))  # cites it
    assert hit(client.get(other.get_absolute_url()))
    assert hit(client.get("/references/younger2013/"))


def test_a_scheduled_piece_appears_at_its_time_without_an_edit(client, site, make_article, monkeypatch):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    make_article(title="Scheduled piece", slug="scheduled", published_at=soon)
    listing = client.get("/articles/")
    assert "Scheduled piece" not in listing.content.decode()
    # Neither this cache nor a front cache may keep the list past the moment the piece goes public.
    assert 0 < int(listing["Cache-Control"].split("s-maxage=")[1].split(",")[0]) <= 300
    assert hit(client.get("/articles/"))
    later = soon + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    assert "Scheduled piece" in client.get("/articles/").content.decode()


# The commit race


def test_a_page_rendered_before_a_commit_is_not_served_after_it(client, site):
    """A reader's request renders the piece while an editor's unpublishing is saved but not committed;
    once it commits, no reader gets the page that request rendered."""
    saved, release = threading.Event(), threading.Event()

    def editor():
        try:
            with transaction.atomic():
                _unpublish()
                saved.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=editor)
    thread.start()
    assert saved.wait(10)
    during = client.get(ARTICLE)  # the row is not committed: the old state, rightly
    assert during.status_code == 200
    release.set()
    thread.join(10)
    after = client.get(ARTICLE)
    assert after.status_code == 404


# What is stored, and how it is answered


def test_query_parameters_a_page_does_not_read_are_served_but_not_stored(client, site):
    client.get("/?utm_source=newsletter")
    assert not hit(client.get("/?utm_source=newsletter"))
    client.get("/articles/?page=1")
    assert hit(client.get("/articles/?page=1"))
    client.get("/studies/?sort=-year&condition=fibromyalgia")
    assert hit(client.get("/studies/?condition=fibromyalgia&sort=-year"))  # the same page, in any order


def test_a_page_carries_no_per_reader_value(client, site):
    """No CSP nonce (JSON-LD is a data block, which CSP does not govern): two readers get the same bytes,
    and the ETag a page gets is the same wherever it is rendered."""
    first = client.get(ARTICLE)
    cache.clear()
    second = Client().get(ARTICLE)
    assert first.content == second.content and first["ETag"] == second["ETag"]
    assert "nonce" not in first["Content-Security-Policy"] and "nonce" not in first.content.decode()
    assert "script-src 'self';" in first["Content-Security-Policy"] + ";"


def test_pages_may_be_kept_by_shared_caches_and_revalidated_by_browsers(client, site):
    response = client.get(ARTICLE)
    directives = {part.strip().split("=")[0] for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age", "s-maxage"} <= directives and "max-age=0" in response["Cache-Control"]
    assert client.get(ARTICLE, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert "Surrogate-Key" in response and f"article:{piece().pk}" in response["Surrogate-Key"].split()


def test_staff_errors_searches_and_downloads_are_not_stored(client, site, admin_user):
    client.get("/search/?q=naltrexone")
    assert not hit(client.get("/search/?q=naltrexone"))
    client.get("/articles/no-such-piece/")
    assert not hit(client.get("/articles/no-such-piece/"))
    client.get("/studies/studies.csv")
    assert not hit(client.get("/studies/studies.csv"))
    editor = Client()
    editor.force_login(admin_user)
    editor.get(ARTICLE)
    assert not hit(editor.get(ARTICLE))


def test_a_cache_that_is_down_costs_speed_not_pages(client, transactional_db, settings, caplog):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert client.get(ARTICLE).status_code == 200
    _unpublish()  # the purge fails too, and says so
    assert client.get(ARTICLE).status_code == 404


# What a save costs


@pytest.mark.parametrize("links", [3, 8])
def test_saving_a_piece_costs_the_same_few_queries_however_many_links_it_has(
    make_article, make_author, make_reference, links, django_capture_on_commit_callbacks
):
    from django.test.utils import CaptureQueriesContext

    for n in range(links):
        make_reference(key=f"cited{n}")
    body = " ".join(f"[@cited{n}]" for n in range(links))
    article = make_article(
        authors=[make_author() for _ in range(links)], tags=[f"t{n}" for n in range(links)], body=body
    )
    article.refresh_from_db()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        article.title = "Retitled"
        article.save()
    # The series it was in before the save (1), the row, its reference list (2), its search entry (3,
    # and the vector on PostgreSQL), and, once committed, one query for every page that shows it.
    assert len(queries) == (10 if connection.vendor == "postgresql" else 9)


def test_a_deploy_drops_every_kept_page(client, site):
    from django.core.management import call_command

    for url in PAGES:
        client.get(url)
    call_command("purge_pages", verbosity=0)
    assert not any(hit(client.get(url)) for url in PAGES)


def test_a_page_is_not_kept_unless_every_key_it_shows_has_a_version(client, transactional_db, settings, monkeypatch):
    """If the cache cannot hold a key's version (full, evicting), the page is served but not kept: kept
    without it, a later change to that key would not reach it."""
    from django.core.cache.backends.locmem import LocMemCache
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(LocMemCache, "add", lambda *args, **kwargs: False)  # never holds a new version
    assert client.get(ARTICLE).status_code == 200
    assert not hit(client.get(ARTICLE))
