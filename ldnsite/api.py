"""The read-only JSON API's plumbing, on django-ninja: the API object, its list envelope, its errors.

Each app declares its own endpoints on a router (``articles/api.py``, ``references/api.py``);
``ldnsite/urls.py`` mounts them here, at /api/, with the OpenAPI schema at /api/openapi.json
and browsable docs at /api/docs/. What a client can count on:

- Lists are paginated (``page``, ``page_size`` up to 100) in one envelope: count, page, pages,
  next, previous and results.
- A parameter that is not valid, or not one the address reads, is a 400 whose ``fields`` names
  each; an unknown item or page is a 404; any method but GET or HEAD is a 405. Every error is
  JSON: ``{"error": code, "message": sentence}``.
- Drafts never appear.
"""

import inspect
from functools import wraps

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import ValidationError
from ninja.renderers import JSONRenderer

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
READING = ["GET", "HEAD"]
REFUSED = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ApiError(Exception):
    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


class Error(Schema):
    error: str = Field(description="A code: bad_request, not_found or method_not_allowed.")
    message: str = Field(description="What went wrong, in a sentence.")
    fields: dict[str, list[str]] | None = Field(None, description="Each parameter that is not valid, and why.")


ERRORS = {400: Error, 404: Error}


class PageQuery(Schema):
    page: int = Field(1, ge=1, description="Which page of the list, from 1.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items a page, up to 100.")


class Page(Schema):
    count: int = Field(description="Items in the whole list.")
    page: int
    pages: int
    next: str | None = Field(description="The next page's address, or null on the last.")
    previous: str | None = Field(description="The previous page's address, or null on the first.")


def link_field(description):
    return Field(description=description, json_schema_extra={"format": "uri"})


def date_time_field(description):
    # Kept as the text Python writes (2012-08-10T09:00:00+00:00): the same JSON as before the schema.
    return Field(description=description, json_schema_extra={"format": "date-time"})


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # names and titles as written, not as \u escapes


api = NinjaAPI(
    title="LDN Evidence API",
    version="1",
    description=(
        "Read-only JSON over what the public pages show: published pieces, their authors and tags, "
        "and the reference library. Lists page with page and page_size; errors are JSON with an "
        "error code and a message."
    ),
    urls_namespace="api",
    renderer=Renderer(),
    docs_url="/docs/",
)


def _error(request, status, code, message, fields=None, headers=None):
    body = {"error": code, "message": message} | ({"fields": fields} if fields else {})
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request, error):
    headers = {"Allow": ", ".join(READING)} if error.status == 405 else None
    return _error(request, error.status, error.code, error.message, error.fields, headers)


@api.exception_handler(ValidationError)
def _invalid(request, error):
    fields = {}
    for problem in error.errors:
        where = list(problem.get("loc") or ())  # e.g. ("query", "page"): where the parameter was, its name
        name = str(where[1] if len(where) > 1 and where[0] in ("query", "path") else (where or ["query"])[0])
        fields.setdefault(name, []).append(problem["msg"])
    return _error(request, 400, "bad_request", "Some parameters are not valid.", fields)


@api.exception_handler(Http404)
def _not_found(request, error):
    return _error(request, 404, "not_found", "There is nothing published at this address.")


def endpoint(router: Router, path, query=None, **options):
    """Declare a read-only endpoint: GET (in the schema) and HEAD on ``path``, a 405 for writing.

    ``query`` is the Schema of the query parameters the endpoint reads; any other parameter is
    refused with a 400 rather than ignored, so a misspelt filter never looks like an empty result.
    """
    allowed = set(query.model_fields) if query else set()

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if unknown := sorted(set(request.GET) - allowed):
                fields = {name: ["Not a parameter of this address."] for name in unknown}
                raise ApiError(400, "bad_request", "Some parameters are not valid.", fields)
            return view(request, *args, **kwargs)

        router.get(path, url_name=view.__name__, **options)(checked)
        router.add_api_operation(path, ["HEAD"], checked, include_in_schema=False, url_name=view.__name__, **options)
        router.add_api_operation(path, REFUSED, _refusal(view, path), include_in_schema=False)
        return view

    return decorator


def _refusal(view, path):
    """A view answering any write to ``path`` with a 405; it takes the path's parameters, as ninja asks."""

    def refuse_writing(request, **kwargs):
        raise ApiError(405, "method_not_allowed", "This API is read-only: use GET.")

    parameters = inspect.signature(view).parameters.values()
    refuse_writing.__signature__ = inspect.Signature(
        [parameter for parameter in parameters if parameter.name == "request" or f"{{{parameter.name}}}" in path]
    )
    return refuse_writing


def paginated(request, queryset, query, serialise):
    """One page of ``queryset`` in the list envelope: count, pages, links and results."""
    paginator = Paginator(queryset, query.page_size)
    try:
        page = paginator.page(query.page)
    except EmptyPage:
        pages = f"{paginator.num_pages} page" + ("" if paginator.num_pages == 1 else "s")
        message = f"No such page: this list has {pages} of up to {query.page_size} items."
        raise ApiError(404, "not_found", message) from None

    def link(number):
        parameters = request.GET.copy()
        parameters["page"] = number
        return request.build_absolute_uri(f"{request.path}?{parameters.urlencode()}")

    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [serialise(request, item) for item in page.object_list],
    }


def not_found(request, rest=""):
    """Any other address under /api/: a 404 in JSON, not the HTML page."""
    return _error(
        request,
        404,
        "not_found",
        "No such API address. The lists are /api/articles/, /api/authors/, /api/tags/ and /api/references/; "
        "the schema is /api/openapi.json.",
    )
