"""The site at scale: generated content, pagination that stays cheap, and pages whose queries do not grow.

The timings live in bench/ (``make bench``); these tests hold the behaviour that
makes them possible: what ``generate_content`` writes, and a fixed number of SQL
queries per public page whatever the size of the site.
"""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from articles.models import Article, Author, Byline, Citation
from ldnsite.generating import PREFIX
from ldnsite.pagination import KeysFirstPaginator
from references.models import Reference, Study, StudyReport

MAX_QUERIES = 8


def generate(articles, references, *extra):
    out = io.StringIO()
    call_command(
        "generate_content",
        f"--articles={articles}",
        f"--references={references}",
        "--jobs=1",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def fingerprint():
    return (
        list(
            Article.objects.order_by("slug").values_list("slug", "title", "summary", "body", "status", "published_at")
        ),
        list(Reference.objects.order_by("key").values_list("key", "title", "authors", "doi", "ama_html")),
        list(Citation.objects.order_by("article__slug", "position").values_list("article__slug", "reference__key")),
        list(Byline.objects.order_by("article__slug", "position").values_list("article__slug", "author__slug")),
        list(Study.objects.order_by("slug").values_list("slug", "design", "dose_mg")),
    )


def delete_everything():
    Article.objects.all().delete()
    StudyReport.objects.all().delete()
    Study.objects.all().delete()
    Reference.objects.all().delete()
    Author.objects.all().delete()


def test_generate_content_writes_what_a_grown_site_holds(db):
    out = generate(40, 200)
    assert "Generated 40 pieces" in out and "200 references" in out
    assert Article.objects.count() == 40 and Reference.objects.count() == 200
    assert Article.objects.published().count() >= 30  # most pieces are published
    assert Study.objects.exists() and StudyReport.objects.filter(is_main=True).count() == Study.objects.count()
    for article in Article.objects.with_page():
        citations = list(article.citations.all())
        assert 5 <= len(citations) <= 15, article.slug
        assert [c.position for c in citations] == list(range(1, len(citations) + 1))
        assert all(c.times_cited >= 1 for c in citations)  # every listed work is cited in the text
        assert 3 <= len(article.tags.all()) <= 8
        assert 1 <= len(article.credited_authors) <= 4
        assert article.slug.startswith(PREFIX)
        # Written through the models' own derivations: numbered citation links, the search text.
        assert 'href="#ref-1"' in article.body_html
        assert all(tag.name in article.search_text for tag in article.tags.all())
    kinds = set(Reference.objects.values_list("kind", flat=True))
    assert {"journal", "abstract", "news"} <= kinds
    assert all(reference.ama_html and reference.vancouver_html for reference in Reference.objects.all())
    # Some works are cited far more often than others, as in a real library.
    most = max(Reference.objects.all(), key=lambda reference: reference.citations.count())
    assert most.citations.count() >= 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_article_search_vectors_are_kept_in_the_row(db):
    # Out of the row (TOAST), a broad search fetched each matching piece's vector twice.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'articles_article'::regclass"
            " AND attname = 'search_vector'"
        )
        assert cursor.fetchone() == ("m",)


def test_the_same_seed_gives_the_same_content(db):
    generate(15, 60, "--seed=7")
    first = fingerprint()
    delete_everything()
    generate(15, 60, "--seed=7")
    assert fingerprint() == first
    delete_everything()
    generate(15, 60, "--seed=8")
    assert fingerprint() != first


def test_generated_content_passes_the_models_own_validation(db):
    generate(12, 40)
    for reference in Reference.objects.all():
        reference.full_clean()
    for article in Article.objects.all():
        article.full_clean()
    for study in Study.objects.all():
        study.full_clean()


def test_generate_content_refuses_a_database_with_content(db, make_article):
    make_article(title="A real piece", slug="a-real-piece")
    with pytest.raises(CommandError, match="already holds content") as refused:
        generate(5, 20)
    assert "--force" in str(refused.value)
    assert Article.objects.count() == 1 and not Reference.objects.filter(key__contains="-g").exists()

    generate(5, 20, "--force")
    assert Article.objects.count() == 6
    assert Article.objects.get(slug="a-real-piece").title == "A real piece"


def test_generate_content_on_an_unmigrated_database_says_to_migrate(db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    unapplied = MigrationExecutor.migration_plan  # the real plan, with one migration left to apply
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: unapplied(self, targets) + ["0007"])
    with pytest.raises(CommandError, match="run `python manage.py migrate` first"):
        generate(5, 20)
    assert not Article.objects.exists()


def test_a_second_forced_run_adds_to_the_first(db):
    generate(5, 20)
    generate(5, 20, "--force")
    assert Article.objects.count() == 10 and Reference.objects.count() == 40
    assert Tag.objects.filter(slug="fibromyalgia").count() == 1  # the topics are shared, not duplicated


@pytest.mark.parametrize("arguments", [["--articles=-1"], ["--articles=5", "--references=2"], ["--jobs=0"]])
def test_generate_content_rejects_impossible_sizes(db, arguments):
    with pytest.raises(CommandError):
        call_command("generate_content", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Article.objects.exists()


def test_keys_first_pagination_gives_the_same_pages(db):
    generate(45, 60)
    articles = Article.objects.published().with_cards()
    plain, keys_first = Paginator(articles, 7, orphans=2), KeysFirstPaginator(articles, 7, orphans=2)
    assert keys_first.num_pages == plain.num_pages > 3
    for number in keys_first.page_range:
        assert list(keys_first.page(number)) == list(plain.page(number))


def test_a_deep_page_reads_only_keys_past_the_earlier_rows(db):
    generate(45, 60)
    paginator = KeysFirstPaginator(Article.objects.published().with_cards(), 5)
    paginator.count  # noqa: B018 (counted once, as a page does)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(paginator.num_pages)
        assert [article.credited_authors for article in page]
    keys, rows = queries.captured_queries[0]["sql"], queries.captured_queries[1]["sql"]
    # The offset is taken over the primary keys alone; the rows are fetched by key.
    assert re.match(r'SELECT "articles_article"\."id"( AS "pk")? FROM', keys) and "OFFSET" in keys
    assert "OFFSET" not in rows and " IN (" in rows


def test_a_piece_withdrawn_between_the_keys_and_the_rows_is_left_out(db, monkeypatch):
    generate(12, 20)
    articles = Article.objects.published().with_cards()
    paginator = KeysFirstPaginator(articles, 5)
    first_page_keys = [article.pk for article in Paginator(articles, 5).page(1)]
    in_bulk = type(articles).in_bulk

    def withdraw_then_fetch(queryset, keys):
        Article.objects.filter(pk=keys[1]).update(status=Article.Status.DRAFT)  # an editor, just then
        return in_bulk(queryset, keys)

    monkeypatch.setattr(type(articles), "in_bulk", withdraw_then_fetch)
    page = paginator.page(1)
    assert [article.pk for article in page] == first_page_keys[:1] + first_page_keys[2:]


def public_pages():
    """Every public page type, found in whatever the database holds (deep pages are the last ones)."""
    # A piece whose references report a study, so that its "evidence at a glance" is built too.
    article = Article.objects.published().filter(citations__reference__study_reports__isnull=False).first()
    published = Article.objects.published().count()
    tag = Tag.objects.filter(articles_taggedarticle_items__content_object__in=Article.objects.published()).first()
    author = Author.objects.with_published_articles().first()
    reference = Reference.objects.filter(citations__article__in=Article.objects.published()).first()
    study = Study.objects.filter(reports__reference__citations__article=article).first()
    condition = study.conditions.first()
    return [
        "/",
        "/articles/",
        f"/articles/?page={-(-published // 20)}",
        "/tags/",
        f"/tags/{tag.slug}/",
        "/authors/",
        author.get_absolute_url(),
        article.get_absolute_url(),
        "/references/",
        f"/references/?page={-(-Reference.objects.count() // 25)}",
        reference.get_absolute_url(),
        "/studies/",
        study.get_absolute_url(),
        "/conditions/",
        condition.get_absolute_url(),
        "/search/?q=naltrexone+pain",
        "/feeds/articles.rss",
        f"/tags/{tag.slug}/feed.atom",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-references.xml",
        "/api/articles/",
        "/api/references/",
    ]


def count_queries(client, urls):
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_public_pages_run_the_same_few_queries_at_any_size(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # build every page
    generate(10, 50)
    small = count_queries(client, public_pages())
    generate(90, 400, "--force")
    large = count_queries(client, public_pages())
    assert max(large.values()) <= MAX_QUERIES, large
    # The same page type costs the same at 10 pieces as at 100 (the addresses differ: deep pages are deeper).
    assert list(small.values()) == list(large.values()), (small, large)
