"""Keeping the search index: each piece's and reference's weighted ``search_vector`` on PostgreSQL.

The vector holds the title first, then the summary, tags and authors, then the text. Signals
(``articles/signals.py``) bring it up to date in the same transaction as any change to what it
holds; ``set_vectors`` gives rows written in bulk theirs before the insert. On SQLite there is
no vector: ``query`` matches the same fields directly.
"""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection
from django.db.models.expressions import RawSQL

CONFIG = "english"
# PostgreSQL's default weights for A, B, C and D, which the SQLite ranking copies.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
ARTICLE_FIELDS = {"title": "A", "summary": "B", "search_text": "B", "body": "C"}
REFERENCE_FIELDS = {"title": "A", "key": "A", "authors": "B", "container": "C", "note": "D"}


def full_text():
    """Whether the database is PostgreSQL, with full-text search."""
    return connection.vendor == "postgresql"


def _vector(fields):
    vectors = [SearchVector(name, weight=weight, config=CONFIG) for name, weight in fields.items()]
    total = vectors[0]
    for vector in vectors[1:]:
        total += vector
    return total


def _vector_of(fields, instance):
    """The vector ``_vector(fields)`` gives, from an unsaved ``instance``'s values, for a bulk insert.

    Written as one piece of SQL with the values as parameters: composed expressions cost Django
    far longer to compile, once per row of a bulk load (bench/choices.py).
    """
    sql = " || ".join(["setweight(to_tsvector(%s::regconfig, %s), %s)"] * len(fields))
    params = [value for name, weight in fields.items() for value in (CONFIG, getattr(instance, name) or "", weight)]
    return RawSQL(sql, params, output_field=SearchVectorField())


def search_text(names):
    """A piece's ``search_text``: the names of its tags and authors, so that searching for them finds it."""
    return " ".join(sorted(names))


def index_articles(ids):
    """Bring the search fields of the articles ``ids`` up to date: their tags' and authors' names, then the vector."""
    from ..models import Article, Byline

    ids = set(ids)
    names = {pk: [] for pk in ids}
    tags = Article.tags.through.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag__name")
    authors = Byline.objects.filter(article_id__in=ids).values_list("article_id", "author__name")
    for article_id, name in tags.order_by().union(authors.order_by(), all=True):
        names[article_id].append(name)
    for pk, words in names.items():
        Article.objects.filter(pk=pk).update(search_text=search_text(words))
    refresh_vectors(Article.objects.filter(pk__in=ids))


def refresh_vectors(rows):
    """Recompute the vectors of ``rows`` (a queryset of pieces or of references) from their stored fields."""
    from ..models import Article

    if full_text():
        rows.update(search_vector=_vector(ARTICLE_FIELDS if rows.model is Article else REFERENCE_FIELDS))


def set_vectors(instances):
    """Give unsaved articles or references their search vector before a bulk insert (on PostgreSQL).

    An article's ``search_text`` (its tags' and authors' names) must be set already.
    """
    from ..models import Article

    if full_text():
        for instance in instances:
            fields = ARTICLE_FIELDS if isinstance(instance, Article) else REFERENCE_FIELDS
            instance.search_vector = _vector_of(fields, instance)
