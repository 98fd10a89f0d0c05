"""Finding: the matching published pieces and references as one ranked list, on PostgreSQL or SQLite.

On PostgreSQL the query runs against the vectors ``index`` keeps, ranked with ``ts_rank``
under a GIN index. On SQLite, the laptop default, every word of the query must appear in one
of the same fields, and the rank adds the same weights by hand; on the demo content both give
the same results in the same order. A pasted DOI or PubMed ID finds its reference.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, FloatField, Q, Value, When

from references.identifiers import normalise_doi, normalise_pmid
from references.models import Reference

from .index import ARTICLE_FIELDS, CONFIG, REFERENCE_FIELDS, WEIGHTS, full_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
ARTICLE = "article"


def words(query):
    """The words of a query, as the highlighter and the SQLite search see them."""
    return [word for word in re.findall(r"\w+", query.lower()) if len(word) > 1][:MAX_TERMS]


def _sqlite_rank(fields, terms):
    """A rank like ts_rank's, by hand: each term scores the weight of every field it appears in."""
    rank = Value(0.0, output_field=FloatField())
    for term in terms:
        for name, weight in fields.items():
            rank += Case(
                When(**{f"{name}__icontains": term}, then=Value(WEIGHTS[weight])),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return rank


def _sqlite_match(fields, terms):
    match = Q()
    for term in terms:
        match &= Q(*(Q(**{f"{name}__icontains": term}) for name in fields), _connector=Q.OR)
    return match


def _identifier_match(query):
    """A pasted DOI or PubMed ID finds its reference, whatever the words around it."""
    match = Q(pk__in=[])
    doi, pmid = normalise_doi(query), normalise_pmid(query)
    if doi and doi.startswith("10."):
        match |= Q(doi=doi)
    if pmid and pmid.isdigit() and len(pmid) <= 9:
        match |= Q(pmid=pmid)
    return match


def ranked(query, kind="", tag=None):
    """(kind, pk, rank) rows of the matching published articles and references, best first.

    ``kind`` is "article", a reference kind ("journal", …) or "" for both; a
    ``tag`` keeps only the articles carrying it.
    """
    from ..models import Article

    query = query[:MAX_QUERY_LENGTH]
    terms = words(query)
    identifier = _identifier_match(query.strip())
    if full_text():
        search = SearchQuery(query, search_type="websearch", config=CONFIG)
        article_match, article_rank = Q(search_vector=search), SearchRank(F("search_vector"), search)
        reference_match, reference_rank = Q(search_vector=search), SearchRank(F("search_vector"), search)
    else:
        article_match = _sqlite_match(ARTICLE_FIELDS, terms) if terms else Q(pk__in=[])
        article_rank = _sqlite_rank(ARTICLE_FIELDS, terms)
        reference_match = _sqlite_match(REFERENCE_FIELDS, terms) if terms else Q(pk__in=[])
        reference_rank = _sqlite_rank(REFERENCE_FIELDS, terms)
    reference_rank = reference_rank + Case(When(identifier, then=Value(2.0)), default=Value(0.0))

    parts = []
    if kind in ("", ARTICLE):
        articles = Article.objects.published().filter(article_match)
        if tag is not None:
            articles = articles.tagged(tag)
        parts.append(articles.annotate(result_kind=Value(ARTICLE), result_pk=F("pk"), rank=article_rank))
    if tag is None and kind != ARTICLE:
        references = Reference.objects.filter(reference_match | identifier)
        if kind:
            references = references.filter(kind=kind)
        parts.append(references.annotate(result_kind=F("kind"), result_pk=F("pk"), rank=reference_rank))
    # The same three columns from each model, so the two can be one ranked, paginated list.
    parts = [part.order_by().values("result_kind", "result_pk", "rank") for part in parts]
    rows = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return rows.order_by("-rank", "result_kind", "result_pk")
