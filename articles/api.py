"""The API's pieces, authors and tags: what the public pages show of them, as JSON.

The conventions (paging, errors, read-only) are in ``ldnsite/api.py``; the reference
library's endpoints are in ``references/api.py``.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from ldnsite.api import ERRORS, Page, PageQuery, date_time_field, endpoint, link_field, paginated
from references.api import ReferenceSummary, reference_summary

from .models import Article, Author, published_tags

router = Router(tags=["Pieces, authors and tags"])

SLUG = r"^[-a-zA-Z0-9_]*$"  # empty is the same as leaving the parameter out


class AuthorSummary(Schema):
    slug: str
    name: str
    credentials: str = Field(description="Degrees or titles after the name, e.g. MD; empty if none.")
    url: str = link_field("This author in the API.")
    html_url: str = link_field("The author's page on the site.")


class AuthorDetail(AuthorSummary):
    affiliation: str
    website: str
    bio_html: str = Field(description="A few sentences on who they are, as sanitised HTML.")
    published_articles: int = Field(description="How many published pieces credit them.")
    articles_url: str = link_field("Their published pieces in the API.")


class TagName(Schema):
    slug: str
    name: str


class TagSummary(TagName):
    articles: int = Field(description="How many published pieces carry the tag.")
    articles_url: str = link_field("The pieces carrying it, in the API.")
    html_url: str = link_field("The tag's page on the site.")


class ArticleSummary(Schema):
    slug: str
    title: str
    summary: str = Field(description="One short paragraph: what the piece tells the reader.")
    published_at: str = date_time_field("When it was published.")
    updated_at: str = date_time_field("When it last changed.")
    authors: list[AuthorSummary] = Field(description="In byline order.")
    tags: list[TagName] = Field(description="By name.")
    url: str = link_field("This piece in the API.")
    html_url: str = link_field("The piece's page on the site.")


class NumberedReference(ReferenceSummary):
    number: int = Field(description="The number the text's citation marks use.")


class ArticleDetail(ArticleSummary):
    body_html: str = Field(description="The text, as sanitised HTML, with numbered citation marks.")
    references: list[NumberedReference] = Field(description="The reference list, in the order of its numbers.")


class ArticlePage(Page):
    results: list[ArticleSummary]


class AuthorPage(Page):
    results: list[AuthorSummary]


class TagPage(Page):
    results: list[TagSummary]


class ArticleQuery(PageQuery):
    tag: str | None = Field(None, max_length=100, pattern=SLUG, description="Only pieces with this tag (its slug).")
    author: str | None = Field(None, max_length=200, pattern=SLUG, description="Only pieces by this author (slug).")


def _absolute(request, path):
    return request.build_absolute_uri(path)


def author_summary(request, author):
    return {
        "slug": author.slug,
        "name": author.name,
        "credentials": author.credentials,
        "url": _absolute(request, reverse("api:author", kwargs={"slug": author.slug})),
        "html_url": _absolute(request, author.get_absolute_url()),
    }


def article_summary(request, article):
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "published_at": article.published_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "authors": [author_summary(request, author) for author in article.credited_authors],
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in sorted(article.tags.all(), key=lambda t: t.name)],
        "url": _absolute(request, reverse("api:article", kwargs={"slug": article.slug})),
        "html_url": _absolute(request, article.get_absolute_url()),
    }


@endpoint(router, "/articles/", ArticleQuery, response={200: ArticlePage, **ERRORS})
def articles(request, query: Query[ArticleQuery]):
    """Published pieces, newest first; ``tag`` and ``author`` (slugs) narrow them."""
    pieces = Article.objects.published().with_cards()
    if query.tag:
        pieces = pieces.filter(tagged_items__tag__slug=query.tag)
    if query.author:
        pieces = pieces.filter(bylines__author__slug=query.author)
    return paginated(request, pieces, query, article_summary)


@endpoint(router, "/articles/{slug}/", response={200: ArticleDetail, **ERRORS})
def article(request, slug: str):
    """One published piece: its text and its numbered reference list."""
    piece = get_object_or_404(Article.objects.published().with_page(), slug=slug)
    return article_summary(request, piece) | {
        "body_html": piece.body_html,
        "references": [
            {"number": number} | reference_summary(request, citation.reference)
            for number, citation in enumerate(piece.citations.all(), 1)
        ],
    }


@endpoint(router, "/authors/", PageQuery, response={200: AuthorPage, **ERRORS})
def authors(request, query: Query[PageQuery]):
    """Authors of at least one published piece, by name."""
    people = Author.objects.with_published_articles().order_by("name", "pk")
    return paginated(request, people, query, author_summary)


@endpoint(router, "/authors/{slug}/", response={200: AuthorDetail, **ERRORS})
def author(request, slug: str):
    """One author of published pieces, with how many and where to find them."""
    person = get_object_or_404(Author.objects.with_published_articles(), slug=slug)
    articles_url = reverse("api:articles") + f"?author={person.slug}"
    return author_summary(request, person) | {
        "affiliation": person.affiliation,
        "website": person.website,
        "bio_html": person.bio_html,
        "published_articles": person.published_count,
        "articles_url": _absolute(request, articles_url),
    }


def tag_summary(request, tag):
    return {
        "slug": tag.slug,
        "name": tag.name,
        "articles": tag.published_count,
        "articles_url": _absolute(request, reverse("api:articles") + f"?tag={tag.slug}"),
        "html_url": _absolute(request, reverse("articles:tag", kwargs={"slug": tag.slug})),
    }


@endpoint(router, "/tags/", PageQuery, response={200: TagPage, **ERRORS})
def tags(request, query: Query[PageQuery]):
    """Tags on published pieces, most used first, with how many pieces carry each."""
    return paginated(request, published_tags(), query, tag_summary)
