"""Site search over the published pieces and the reference library, on PostgreSQL or SQLite.

On PostgreSQL each article and reference keeps a weighted ``search_vector``
(title first, then summary, tags and authors, then the text), brought up to date
by signals whenever a piece, its tags or bylines, an author or a reference is
saved, and ranked with ``ts_rank`` under a GIN index. On SQLite, the laptop
default, every word of the query must appear in one of the same fields, and
the rank adds the same weights by hand; on the demo content both give the same
results in the same order. Snippets and highlighting are made here, in Python,
from the stored HTML with its tags removed, so both databases show the same.
"""

import re
from dataclasses import dataclass
from html import unescape

import nh3
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from references.identifiers import normalise_doi, normalise_pmid
from references.models import Reference

from .rendering import CITATION_OPEN

CONFIG = "english"
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# PostgreSQL's default weights for A, B, C and D, which the SQLite ranking copies.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
ARTICLE_FIELDS = {"title": "A", "dek": "B", "search_text": "B", "body": "C"}
REFERENCE_FIELDS = {"title": "A", "key": "A", "authors": "B", "container": "C", "note": "D"}
ARTICLE = "article"


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

    Written as one piece of SQL: as composed expressions, Django takes over a
    millisecond a row to compile them, over a minute of a 10,000-piece generation.
    """
    sql = " || ".join(["setweight(to_tsvector(%s::regconfig, %s), %s)"] * len(fields))
    params = [value for name, weight in fields.items() for value in (CONFIG, getattr(instance, name) or "", weight)]
    return RawSQL(sql, params, output_field=SearchVectorField())


def index_articles(ids):
    """Bring the search fields of the articles ``ids`` up to date: their tags' and authors' names, then the vector."""
    from .models import Article, Byline

    ids = set(ids)
    names = {pk: [] for pk in ids}
    tags = Article.tags.through.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag__name")
    authors = Byline.objects.filter(article_id__in=ids).values_list("article_id", "author__name")
    for article_id, name in tags.order_by().union(authors.order_by(), all=True):
        names[article_id].append(name)
    for pk, words in names.items():
        Article.objects.filter(pk=pk).update(search_text=" ".join(sorted(words)))
    if full_text():
        Article.objects.filter(pk__in=ids).update(search_vector=_vector(ARTICLE_FIELDS))


def index_references(references):
    if full_text():
        references.update(search_vector=_vector(REFERENCE_FIELDS))


def set_vectors(instances):
    """Give unsaved articles or references their search vector before a bulk insert (on PostgreSQL).

    An article's ``search_text`` (its tags' and authors' names) must be set already.
    """
    from .models import Article

    if full_text():
        for instance in instances:
            fields = ARTICLE_FIELDS if isinstance(instance, Article) else REFERENCE_FIELDS
            instance.search_vector = _vector_of(fields, instance)


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
    from .models import Article

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


@dataclass
class Hit:
    kind: str
    object: object
    rank: float
    title: str
    snippet: str

    @property
    def is_article(self):
        return self.kind == ARTICLE


def hits(rows, query):
    """The page's rows as Hits, with the objects fetched in two queries and the query's words highlighted."""
    from .models import Article

    rows = [(row["result_kind"], row["result_pk"], row["rank"]) for row in rows]
    article_ids = [pk for kind, pk, _ in rows if kind == ARTICLE]
    reference_ids = [pk for kind, pk, _ in rows if kind != ARTICLE]
    articles = Article.objects.with_snippets().in_bulk(article_ids) if article_ids else {}
    references = Reference.objects.in_bulk(reference_ids) if reference_ids else {}
    terms = words(query)
    found = []
    for kind, pk, rank in rows:
        if kind == ARTICLE:
            article = articles[pk]
            text = f"{article.dek} {_plain_text(article.body_html)}"
            found.append(Hit(kind, article, rank, highlight(article.title, terms), snippet(text, terms)))
        else:
            reference = references[pk]
            text = _plain_text(reference.ama_html) or reference.title
            found.append(Hit(kind, reference, rank, highlight(reference.title, terms), snippet(text, terms)))
    return found


# Keeps no tag at all, only their text: an HTML parser in Rust, four times as fast as
# Django's strip_tags on a long piece, which a page of results would run twenty times.
_text_only = nh3.Cleaner(tags=set())
# A citation mark, with the space before it: its "Reference 3" read out of context is
# noise in a snippet.
_CITATION_MARK = re.compile(r"\s*" + re.escape(CITATION_OPEN) + r".*?</sup>")


def _plain_text(html):
    """The text of rendered HTML, with a heading set off from the paragraph after it, and without citations."""
    html = _CITATION_MARK.sub("", re.sub(r"</h[2-6]>", ": ", html))
    return unescape(_text_only.clean(html))


def _pattern(terms):
    # A word that starts with a term, so "trial" marks "trials" as PostgreSQL's stemming finds it.
    return re.compile(r"\b(" + "|".join(re.escape(term) for term in terms) + r")\w*", re.IGNORECASE) if terms else None


def highlight(text, terms):
    """``text``, escaped, with the words that start with a query term in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above


def snippet(text, terms, length=240):
    """About ``length`` characters of ``text`` around its first match, highlighted; its start if none matches."""
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    # Only a window around the match is tidied up; doing it to the whole of twenty long pieces
    # costs more than the rest of the results page.
    origin = 0 if match is None else max(0, match.start() - length)
    cut_before, cut_after = origin > 0, origin + 4 * length < len(text)
    text = re.sub(r"\s+", " ", text[origin : origin + 4 * length]).strip()
    match = pattern.search(text) if pattern else None
    start = 0 if match is None else max(0, match.start() - length // 3)
    if start or cut_before:  # begin at a word
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + length)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    piece = highlight(text[start:end], terms)
    before = "… " if start or cut_before else ""
    after = " …" if end < len(text) or cut_after else ""
    return mark_safe(before + piece + after)  # noqa: S308 - highlight escapes the text
