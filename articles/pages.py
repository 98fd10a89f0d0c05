"""A published piece's page, rendered once and kept in the database until something on it changes.

An article page (the byline, the tags, the evidence at a glance, the text, the
numbered references and the JSON-LD that lists them) takes six queries and most
of the time a request spends, yet changes only when an editor saves something it
shows. So the first request after such a change renders the whole page and
stores it in ``ArticlePage``; later requests read it with the article, in one
query, and fill in the two things that differ from reader to reader: the host
they asked for (in absolute addresses) and the CSP nonce.

Each article carries a ``page_token`` that changes (within the editor's own
transaction) whenever anything its page shows is saved or deleted: the piece,
its bylines, tags and citations, a tag's or author's name, a reference it cites,
a study at a glance or one of its reports. A stored page is used only while it
was rendered under the article's current token, the current code, templates and
static files (``render_version``) and the same "review overdue" notice, which
changes with the date. The token is read in the same query as the stored page,
before anything the page is rendered from, so a page stored under a token is
never older than that token; one stored late, under a token already replaced, is
simply rendered again.

This works with the page cache turned off and beneath it when it is on; staff
previews are rendered afresh every time and never stored.
"""

import datetime
import hashlib
import logging
import uuid
from functools import cache
from pathlib import Path

import django
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, models
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from references.models import Reference, Study, StudyReport
from references.views import download_links

from .structured_data import article_ld

logger = logging.getLogger(__name__)

# Stand-ins, in a stored page, for what each reader's request fills in. Neither HTML nor JSON
# escaping changes them, and ORIGIN is a reserved name (RFC 2606) no real address uses.
ORIGIN = "https://origin.invalid"
NONCE = "stored-page-csp-nonce"
TEMPLATE = "articles/article_detail.html"


def new_token():
    return uuid.uuid4().hex


@cache
def render_version():
    """A hash of what a stored page was rendered by: the site's code and templates, its static files'
    names, Django, and the settings the page reads. A deploy that changes any of them makes every
    stored page stale, to be rendered again on its next request."""
    digest = hashlib.sha256()
    for line in (
        django.__version__,
        settings.TIME_ZONE,
        settings.LANGUAGE_CODE,
        settings.MEDIA_URL,
        settings.STATIC_URL,
        getattr(staticfiles_storage, "manifest_hash", ""),  # collectstatic's hashed names
    ):
        digest.update(f"{line}\n".encode())
    for app in ("articles", "references", "ldnsite"):
        root = Path(settings.BASE_DIR) / app
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(article):
    """What a page stored for ``article`` must have been rendered under to be served now."""
    return f"{article.page_token}:{render_version()}:{int(article.review_overdue)}"


def page_context(article, request):
    """What the article page's template needs beside the article (fetched with ``with_page``)."""
    return {
        "studies": Study.objects.behind(article),
        "downloads": download_links("articles:references", slug=article.slug),
        "structured_data": article_ld(article, request.build_absolute_uri),
    }


def public_page(slug, request):
    """The HTML of the published piece at ``slug`` for this reader, as stored, or rendered and stored.

    One query reads the piece's token and its stored page; only when the page must
    be rendered again is the rest fetched.
    """
    from .models import Article

    row = _lookup(slug)
    if row is None:
        raise Http404("No such piece.")
    pk, last_reviewed, token, stored_key, html = row
    article = Article(pk=pk, last_reviewed=last_reviewed, page_token=token)
    key = page_key(article)
    if stored_key != key:
        # Fetched after the token was read, so at least as new as the content the token stands for.
        article = Article.objects.with_page().filter(pk=pk).first()
        if article is None:  # deleted a moment ago
            raise Http404("No such piece.")
        anyone = _AnyReader(request)
        html = render_to_string(
            TEMPLATE, {"article": article, "request": anyone, "preview": False, **page_context(article, anyone)}
        )
        _store(article, key, html)
    origin = request.build_absolute_uri("/")[:-1]
    return html.replace(ORIGIN, origin).replace(NONCE, str(request.csp_nonce))


# Stand-ins for the two values of the lookup that change from request to request.
_SLUG = "\x00slug"
_MOMENT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@cache
def _lookup_statement():
    """The SQL of the stored-page lookup, compiled by the ORM once per process, and its parameters.

    Compiling ``published().filter(slug=…)`` took as long as running it: 0.3 of the 1.0 ms a
    reader's request spent in Django (bench/RESULTS.md, third round). The SQL is the ORM's, from
    the one public rule; only the slug and the moment that rule judges by change, and they are
    compiled as stand-ins, to be replaced on each request.
    """
    from .models import Article

    queryset = (
        Article.objects.published(at=_MOMENT)
        .filter(slug=_SLUG)
        .order_by()
        .values_list("pk", "last_reviewed", "page_token", "page__key", "page__html")
    )
    sql, params = queryset.query.sql_with_params()
    moment = connection.ops.adapt_datetimefield_value(_MOMENT)
    params = [_SLUG if value == _SLUG else _MOMENT if value == moment else value for value in params]
    if params.count(_SLUG) != 1 or _MOMENT not in params:
        raise ImproperlyConfigured("The stored-page lookup no longer finds its slug and moment in the public rule.")
    return sql, params


def _lookup(slug):
    """(pk, last_reviewed, page_token, stored key, stored HTML) of the published piece at ``slug``, or None."""
    sql, params = _lookup_statement()
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [slug if value is _SLUG else moment if value is _MOMENT else value for value in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


class _AnyReader:
    """The request, as a stored page's templates see it: the parts that are the same for every reader
    of the page, and stand-ins for the host and the CSP nonce."""

    csp_nonce = NONCE

    def __init__(self, request):
        self.resolver_match = request.resolver_match

    def build_absolute_uri(self, location):
        return ORIGIN + location


def _store(article, key, html):
    """Keep the page. One statement, opening no transaction; two readers storing the same page at once is
    not an error, and a database that refuses the write (read-only, locked) still lets the reader have it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(), [article.pk, key, html])
    except DatabaseError:
        if connection.in_atomic_block:
            raise  # the transaction around this request cannot go on; let it fail as it would have anyway
        logger.warning("Could not store the rendered page of article %s", article.pk, exc_info=True)


def _upsert_sql():
    """INSERT … ON CONFLICT DO UPDATE, which PostgreSQL and SQLite both speak."""
    from .models import ArticlePage

    quote = connection.ops.quote_name
    columns = ["article_id", "key", "html"]
    return (
        f"INSERT INTO {quote(ArticlePage._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({quote('article_id')}) DO UPDATE SET "
        + ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in columns[1:])
    )


# What changes a page: each receiver gives the articles whose pages show the saved or deleted object.


def outdate(articles):
    """Mark the stored pages of these articles (a queryset, or a list of ids) as out of date."""
    from .models import Article

    if not isinstance(articles, models.QuerySet):
        articles = Article.objects.filter(pk__in=list(articles))
    articles.update(page_token=new_token())


def _articles(**lookups):
    """The articles matching any one of ``lookups``."""
    from .models import Article

    return Article.objects.filter(models.Q(*lookups.items(), _connector=models.Q.OR))


def _on_article(instance, **kwargs):
    outdate([instance.pk])


def _on_article_part(instance, **kwargs):  # a byline or citation
    outdate([instance.article_id])


def _on_tagging(instance, **kwargs):
    outdate([instance.content_object_id])


def _on_tag(instance, **kwargs):
    outdate(_articles(tagged_items__tag=instance))


def _on_author(instance, **kwargs):
    outdate(_articles(bylines__author=instance, medical_reviewer=instance))


def _on_reference(instance, **kwargs):
    # Its entry in reference lists, and, where it is a study's main report, the study's year at a glance.
    studies = StudyReport.objects.filter(reference=instance).values("study")
    outdate(_articles(citations__reference=instance, citations__reference__study_reports__study__in=studies))


def _on_study(instance, **kwargs):
    outdate(_articles(citations__reference__study_reports__study=instance))


def _on_study_report(instance, **kwargs):
    # The articles citing its reference gain or lose the study; those behind the study may see new figures.
    outdate(
        _articles(
            citations__reference=instance.reference_id,
            citations__reference__study_reports__study=instance.study_id,
        )
    )


def _unless_raw(receiver):
    def receive(sender, raw=False, **kwargs):
        if not raw:  # loaddata: fixtures bring their own state
            receiver(**kwargs)

    return receive


def connect():
    """Connect the receivers. A piece's tags need no m2m_changed receiver: taggit adds and removes
    them by saving and deleting TaggedArticle rows, which the receivers below see."""
    from taggit.models import Tag

    from .models import Article, Author, Byline, Citation, TaggedArticle

    for model, receiver in (
        (Article, _on_article),
        (Byline, _on_article_part),
        (Citation, _on_article_part),
        (TaggedArticle, _on_tagging),
        (Tag, _on_tag),
        (Author, _on_author),
        (Reference, _on_reference),
        (Study, _on_study),
        (StudyReport, _on_study_report),
    ):
        receive = _unless_raw(receiver)
        for signal, action in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(receive, sender=model, weak=False, dispatch_uid=f"page-{model._meta.label}-{action}")
