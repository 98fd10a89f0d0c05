"""What shows what, in one place: the map every derived thing is kept by.

Each public page carries keys: its subject's ("article:12", "tag:3", "reference:40", …), or the list it
is ("articles", "authors", "tags", "references", "studies", "conditions"). ``describe_page`` gives them
for a request, with the query parameters the page reads. ``CHANGES`` gives, for a save or delete of a
row of each model, the keys of every page that shows the row, and the pieces and references whose
search entries hold it. ``articles.signals`` applies it: the search entries in the same transaction,
the page cache (and any front cache) once the change commits. No other list of models exists.

A save's pages are worked out once it commits, from the rows as committed (a piece's reference list
is rewritten after the piece itself is saved); a delete's, just before it, while its links exist. A
row that can move (a byline to another author) names the pages of where it was too: its old links
are read before the save (``Depends.moves``).

A card of a piece (in lists, on tag, author, reference, study and condition pages, in feeds) shows its
title, summary, date, authors and tags; so a change to any of those reaches every page that lists it.
"""

from dataclasses import dataclass, field

from django.db.models import CharField, Value
from django.utils import timezone
from taggit.models import Tag

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

from .models import Article, Author, Byline, ChangeNote, Citation, Series, TaggedArticle

LISTS = ("articles", "authors", "tags", "references", "studies", "conditions")


def key(model, pk):
    """The key of one object's pages: ``article:12``."""
    return f"{model._meta.model_name}:{pk}"


def keys(model, pks):
    return {key(model, pk) for pk in pks}


# Pages: what each shows, and the query parameters it reads.


def _subject(model, field, argument="slug"):
    """A page about one object, found by its ``field`` in the URL's ``argument`` (its key, or None if there is none)."""

    def subject(**url):
        pk = model.objects.filter(**{field: url[argument]}).values_list("pk", flat=True).first()
        return {key(model, pk)} if pk is not None else None

    return subject


PAGES = {
    # URL name: (what the page shows, from the URL's arguments; the query parameters it reads)
    "home": (lambda **url: {"articles", "tags", "conditions", "studies"}, ()),
    "articles:list": (lambda **url: {"articles", "tags"}, ("page", "tag")),
    "articles:detail": (_subject(Article, "slug"), ()),
    "articles:tags": (lambda **url: {"tags", "articles"}, ()),
    "articles:tag": (_subject(Tag, "slug"), ("page",)),
    "articles:authors": (lambda **url: {"authors", "articles"}, ("page",)),
    "articles:author": (_subject(Author, "slug"), ("page",)),
    "articles:series": (_subject(Series, "slug"), ()),
    "articles:feed_rss": (lambda **url: {"articles"}, ()),
    "articles:feed_atom": (lambda **url: {"articles"}, ()),
    "articles:tag_feed_rss": (_subject(Tag, "slug"), ()),
    "articles:tag_feed_atom": (_subject(Tag, "slug"), ()),
    "api:articles": (lambda **url: {"articles"}, ("page", "page_size", "tag", "author")),
    "api:article": (_subject(Article, "slug"), ()),
    "api:authors": (lambda **url: {"authors", "articles"}, ("page", "page_size")),
    "api:author": (_subject(Author, "slug"), ()),
    "api:tags": (lambda **url: {"tags", "articles"}, ("page", "page_size")),
    "references:list": (lambda **url: {"references"}, ("page", "kind", "year")),
    "references:detail": (_subject(Reference, "key", "key"), ()),
    "references:studies": (
        lambda: {"studies", "conditions"},
        ("page", "condition", "design", "dose", "year", "risk", "sort"),
    ),
    "references:study": (_subject(Study, "slug"), ()),
    "references:conditions": (lambda **url: {"conditions", "studies"}, ()),
    "references:condition": (_subject(Condition, "slug"), ()),
    "api:references": (lambda **url: {"references"}, ("page", "page_size", "kind", "year", "doi", "pmid")),
    "api:reference": (_subject(Reference, "key", "key"), ()),
    "sitemap-index": (lambda **url: set(LISTS), ()),
    "django.contrib.sitemaps.views.sitemap": (lambda **url: set(LISTS), ("p",)),
}


def describe_page(request):
    """(keys, query parameters) of the page answering ``request``, or None for a page not to keep
    (searches, downloads, previews, anything not listed above)."""
    match = request.resolver_match
    if match is None or match.view_name not in PAGES:
        return None
    shows, parameters = PAGES[match.view_name]
    page_keys = shows(**match.kwargs)
    return (page_keys, parameters) if page_keys else None


def next_publication():
    """When the next scheduled piece goes public (a Unix time), or None: pages listing pieces change then."""
    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else None


# Changes: what a save or delete of one row touches.


def _public(piece_ids):
    return set(Article.objects.published_or_scheduled().filter(pk__in=piece_ids).values_list("pk", flat=True))


def _listing_citers(reference_ids):
    """The pages that list the pieces citing these references: the references' own, and the pages of
    the studies they report and of those studies' conditions."""
    studies = set(StudyReport.objects.filter(reference__in=reference_ids).values_list("study_id", flat=True))
    return keys(Reference, reference_ids) | keys(Study, studies) | _conditions_of(studies)


def _conditions_of(study_ids):
    links = Study.conditions.through.objects.filter(study__in=study_ids)
    return keys(Condition, links.values_list("condition_id", flat=True))


def _glances_showing(study_ids):
    """The public pieces whose "evidence at a glance" shows one of these studies."""
    return keys(Article, _public(Reference.objects.filter(study_reports__study__in=study_ids).citing_pieces()))


def _linked(rows, model, field):
    """(model name, id) for each row of ``rows`` linking to a ``model`` by ``field``: one arm of a UNION."""
    return rows.order_by().values_list(Value(model._meta.model_name, output_field=CharField()), field)


def showing_pieces(piece_ids):
    """Every page that shows one of these public pieces, whole or as a card: its own page, the lists,
    and the pages of its authors, tags and series, and of the references it cites with their studies
    and conditions."""
    if not piece_ids:
        return set()
    cited = Citation.objects.filter(article__in=piece_ids)
    links = [
        _linked(Byline.objects.filter(article__in=piece_ids), Author, "author_id"),
        _linked(TaggedArticle.objects.filter(content_object__in=piece_ids), Tag, "tag_id"),
        _linked(Article.objects.filter(pk__in=piece_ids, series__isnull=False), Series, "series_id"),
        _linked(cited, Reference, "reference_id"),
        _linked(StudyReport.objects.filter(reference__citations__in=cited), Study, "study_id"),
        _linked(
            Study.conditions.through.objects.filter(study__reports__reference__citations__in=cited),
            Condition,
            "condition_id",
        ),
    ]
    rows = links[0].union(*links[1:], all=True)  # one query
    return keys(Article, piece_ids) | {"articles", "authors", "tags"} | {f"{name}:{pk}" for name, pk in rows}


def _before(row, attname):
    """The value ``attname`` had before this save (read by ``articles.signals``), or its value now."""
    return getattr(row, "values_before_save", {}).get(attname, getattr(row, attname))


def _in_series(series_ids):
    """The pages of series and of every piece in them: each part names its neighbours and the next one due."""
    series_ids = {pk for pk in series_ids if pk is not None}
    if not series_ids:
        return set()
    return keys(Series, series_ids) | keys(
        Article, Article.objects.filter(series__in=series_ids).values_list("pk", flat=True)
    )


def _article(article):
    # Whether or not readers see it now, they may have a moment ago (an unpublishing, a restored draft).
    series = {article.series_id, _before(article, "series_id")}
    return {key(Article, article.pk)} | showing_pieces({article.pk}) | _in_series(series)


def _series(series):
    return _in_series({series.pk})


def _byline(byline):
    if not _public({byline.article_id}):
        return set()
    return showing_pieces({byline.article_id}) | keys(Author, {byline.author_id, _before(byline, "author_id")})


def _citation(citation):
    if not _public({citation.article_id}):
        return set()
    return {key(Article, citation.article_id)} | _listing_citers(
        {citation.reference_id, _before(citation, "reference_id")}
    )


def _tagging(tagging):
    if not _public({tagging.content_object_id}):
        return set()
    return showing_pieces({tagging.content_object_id}) | keys(Tag, {tagging.tag_id, _before(tagging, "tag_id")})


def _tag(tag):
    tagged = TaggedArticle.objects.filter(tag=tag).values_list("content_object_id", flat=True)
    return {key(Tag, tag.pk), "tags"} | showing_pieces(_public(tagged))


def _author(author):
    credited = Byline.objects.filter(author=author).values_list("article_id", flat=True)
    reviewed = Article.objects.filter(medical_reviewer=author).values_list("pk", flat=True)
    return {key(Author, author.pk), "authors"} | showing_pieces(_public(credited)) | keys(Article, _public(reviewed))


def _reference(reference):
    citing = Reference.objects.filter(pk=reference.pk).citing_pieces()
    studies = set(StudyReport.objects.filter(reference=reference).values_list("study_id", flat=True))
    touched = {key(Reference, reference.pk), "references"} | keys(Article, _public(citing))
    if studies:  # the year and the citation its studies' pages, rows and glances show
        touched |= {"studies"} | keys(Study, studies) | _conditions_of(studies) | _glances_showing(studies)
    return touched


def _pieces_about(study_ids):
    """The public pieces whose subject (the conditions of the studies they cite) includes one of these studies'
    conditions: each says when new evidence has reached its subject since its last review."""
    return _pieces_about_conditions(Study.conditions.through.objects.filter(study__in=study_ids).values("condition_id"))


def _pieces_about_conditions(conditions):
    pieces = Citation.objects.filter(
        reference__study_reports__study__conditions__in=conditions, article__last_reviewed__isnull=False
    ).values_list("article_id", flat=True)
    return keys(Article, _public(pieces))


def _study(study):
    return (
        {key(Study, study.pk), "studies", "conditions"}
        | _conditions_of({study.pk})
        | _glances_showing({study.pk})
        | _pieces_about({study.pk})
    )


def _trial_record(record):
    """A study's registry record: its page, its conditions' pages (a trial without results is listed there),
    and the pieces about its conditions (results posted since their review)."""
    return keys(Study, {record.study_id}) | _conditions_of({record.study_id}) | _pieces_about({record.study_id})


def _change_note(note):
    """A line of a piece's public change log: on its page (and its JSON-LD's dateModified)."""
    return keys(Article, _public({note.article_id, _before(note, "article_id")}))


def _report(report):
    studies = {report.study_id, _before(report, "study_id")}
    references = {report.reference_id, _before(report, "reference_id")}
    citing = Reference.objects.filter(pk__in=references).citing_pieces()
    touched = {"studies", "conditions"} | keys(Study, studies) | _conditions_of(studies) | _glances_showing(studies)
    return touched | keys(Reference, references) | keys(Article, _public(citing))


def _condition(condition):
    studies = Study.objects.filter(conditions=condition).values_list("pk", flat=True)
    return {key(Condition, condition.pk), "conditions", "studies"} | keys(Study, studies) | _glances_showing(studies)


def _reported_studies(row):
    """The studies of the report a row (outcome data, a risk-of-bias judgement) belongs to, and belonged to."""
    reports = {row.report_id, _before(row, "report_id")}
    return set(StudyReport.objects.filter(pk__in=reports).values_list("study_id", flat=True))


def _outcome_result(result):
    """A study's data on an outcome: its study's page, and the pages of the study's conditions."""
    studies = _reported_studies(result)
    return keys(Study, studies) | _conditions_of(studies)


def _outcome(outcome):
    """An outcome's name, order and direction head its section on every page with data on it."""
    studies = set(StudyReport.objects.filter(outcome_results__outcome=outcome).values_list("study_id", flat=True))
    return keys(Study, studies) | _conditions_of(studies)


def _risk_of_bias(judgement):
    """A report's risk of bias: its study's page and its conditions' pages, and (for a main report) its
    study's row in the evidence table and in the glances of the pieces citing it."""
    studies = _reported_studies(judgement)
    return {"studies"} | keys(Study, studies) | _conditions_of(studies) | _glances_showing(studies)


def _certainty(certainty):
    """An outcome's certainty heads its section of its condition's page, and its row in the summary."""
    return keys(Condition, {certainty.condition_id, _before(certainty, "condition_id")})


def _nothing(row):
    return set()


@dataclass(frozen=True)
class Depends:
    """For one model: the keys of the pages a row shows on, and the search entries holding it."""

    pages: object  # row -> set of keys
    pieces_indexed: object = _nothing  # row -> ids of the pieces whose search entries hold it
    references_indexed: object = _nothing  # row -> ids of the references whose search entries hold it
    moves: tuple = field(default=())  # links whose old value names pages too (read before a save)


CHANGES = {
    Article: Depends(_article, pieces_indexed=lambda article: {article.pk}, moves=("series_id",)),
    Series: Depends(_series),
    Byline: Depends(_byline, pieces_indexed=lambda byline: {byline.article_id}, moves=("author_id",)),
    Citation: Depends(_citation, moves=("reference_id",)),
    TaggedArticle: Depends(_tagging, pieces_indexed=lambda tagging: {tagging.content_object_id}, moves=("tag_id",)),
    Tag: Depends(
        _tag,
        pieces_indexed=lambda tag: set(
            TaggedArticle.objects.filter(tag=tag).values_list("content_object_id", flat=True)
        ),
    ),
    Author: Depends(
        _author,
        pieces_indexed=lambda author: set(Byline.objects.filter(author=author).values_list("article_id", flat=True)),
    ),
    Reference: Depends(_reference, references_indexed=lambda reference: {reference.pk}),
    Study: Depends(_study),
    StudyReport: Depends(_report, moves=("study_id", "reference_id")),
    Condition: Depends(_condition),
    Outcome: Depends(_outcome),
    OutcomeResult: Depends(_outcome_result, moves=("report_id",)),
    RiskOfBias: Depends(_risk_of_bias, moves=("report_id",)),
    Certainty: Depends(_certainty, moves=("condition_id",)),
    TrialRecord: Depends(_trial_record),
    ChangeNote: Depends(_change_note, moves=("article_id",)),
}


def study_conditions_changed(study_ids, condition_ids):
    """The keys a change to which conditions studies are about touches (Study.conditions, added or removed)."""
    return (
        {"studies", "conditions"}
        | keys(Study, study_ids)
        | keys(Condition, condition_ids)
        | _glances_showing(study_ids)
        | _pieces_about_conditions(condition_ids)
    )
