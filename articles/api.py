"""A read-only JSON API over what the public pages show: published pieces, their authors and tags.

Plain Django views: four small read-only resources with a page and two filters
each do not need a framework. Lists are paginated (``page``, ``page_size`` up to
100); a parameter that is not valid is a 400 with a JSON error naming it, an
unknown item or page a 404, and anything but GET or HEAD a 405. Drafts never
appear. The reference library's endpoints are in ``references/api.py``.
"""

from functools import wraps

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .models import Article, Author, published_tags

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ApiError(Exception):
    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(status, code, message, fields=None):
    body = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def endpoint(view):
    """A GET/HEAD JSON view: its ``ApiError``s and 404s become JSON errors, other methods a 405."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = error_response(405, "method_not_allowed", "This API is read-only: use GET.")
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return JsonResponse(view(request, *args, **kwargs), json_dumps_params={"ensure_ascii": False})
        except ApiError as error:
            return error_response(error.status, error.code, error.message, error.fields)
        except Http404:
            return error_response(404, "not_found", "There is nothing published at this address.")

    return wrapped


class ListParameters(forms.Form):
    page = forms.IntegerField(required=False, min_value=1)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


def parameters(form_class, request):
    """The query string, validated by ``form_class``; a 400 naming each bad parameter otherwise."""
    unknown = sorted(set(request.GET) - set(form_class.base_fields))
    form = form_class(request.GET)
    if unknown or not form.is_valid():
        fields = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        fields |= {name: ["Not a parameter of this list."] for name in unknown}
        raise ApiError(400, "bad_request", "Some parameters are not valid.", fields)
    return form.cleaned_data


def paginated(request, queryset, data, serialise):
    """One page of ``queryset`` as the list envelope: count, pages, links and results."""
    size = data.get("page_size") or DEFAULT_PAGE_SIZE
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(data.get("page") or 1)
    except EmptyPage:
        pages = f"{paginator.num_pages} page" + ("" if paginator.num_pages == 1 else "s")
        raise ApiError(404, "not_found", f"No such page: this list has {pages} of up to {size} items.") from None

    def link(number):
        query = request.GET.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [serialise(request, item) for item in page.object_list],
    }


def _absolute(request, path):
    return request.build_absolute_uri(path)


def author_summary(request, author):
    return {
        "slug": author.slug,
        "name": author.name,
        "credentials": author.credentials,
        "url": _absolute(request, reverse("articles:api_author", kwargs={"slug": author.slug})),
        "html_url": _absolute(request, author.get_absolute_url()),
    }


def article_summary(request, article):
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.dek,
        "published_at": article.published_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "authors": [author_summary(request, author) for author in article.credited_authors],
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in sorted(article.tags.all(), key=lambda t: t.name)],
        "url": _absolute(request, reverse("articles:api_article", kwargs={"slug": article.slug})),
        "html_url": _absolute(request, article.get_absolute_url()),
    }


class ArticleParameters(ListParameters):
    tag = forms.SlugField(required=False, max_length=100)
    author = forms.SlugField(required=False, max_length=200)


@endpoint
def article_list(request):
    """Published pieces, newest first; ``tag`` and ``author`` (slugs) narrow them."""
    data = parameters(ArticleParameters, request)
    articles = Article.objects.published().with_cards()
    if data["tag"]:
        articles = articles.filter(tagged_items__tag__slug=data["tag"])
    if data["author"]:
        articles = articles.filter(bylines__author__slug=data["author"])
    return paginated(request, articles, data, article_summary)


@endpoint
def article_detail(request, slug):
    from references.api import reference_summary

    parameters(forms.Form, request)
    article = get_object_or_404(Article.objects.published().with_page(), slug=slug)
    return article_summary(request, article) | {
        "body_html": article.body_html,
        "references": [
            {"number": number} | reference_summary(request, citation.reference)
            for number, citation in enumerate(article.citations.all(), 1)
        ],
    }


@endpoint
def author_list(request):
    """Authors of at least one published piece, by name."""
    data = parameters(ListParameters, request)
    authors = Author.objects.with_published_articles().order_by("name", "pk")
    return paginated(request, authors, data, lambda request, author: author_summary(request, author))


@endpoint
def author_detail(request, slug):
    parameters(forms.Form, request)
    author = get_object_or_404(Author.objects.with_published_articles(), slug=slug)
    articles_url = reverse("articles:api_articles") + f"?author={author.slug}"
    return author_summary(request, author) | {
        "affiliation": author.affiliation,
        "website": author.website,
        "bio_html": author.bio_html,
        "published_articles": author.published_count,
        "articles_url": _absolute(request, articles_url),
    }


@endpoint
def tag_list(request):
    """Tags on published pieces, most used first, with how many pieces carry each."""
    data = parameters(ListParameters, request)

    def serialise(request, tag):
        articles_url = reverse("articles:api_articles") + f"?tag={tag.slug}"
        return {
            "slug": tag.slug,
            "name": tag.name,
            "articles": tag.published_count,
            "articles_url": _absolute(request, articles_url),
            "html_url": _absolute(request, reverse("articles:tag", kwargs={"slug": tag.slug})),
        }

    return paginated(request, published_tags(), data, serialise)


@endpoint
def not_found(request, rest=""):
    raise ApiError(
        404,
        "not_found",
        "No such API address. The lists are /api/articles/, /api/authors/, /api/tags/ and /api/references/.",
    )
