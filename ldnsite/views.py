"""Site-wide answers that belong to no app: the health check and the error page for a server fault."""

import sys
import time

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 60


def health(request):
    """The database and the cache, each checked with one round trip: 200 when both answer, 503 when not.

    A cache turned off (``CACHE_URL=dummy://``) is reported as "off" and is no fault.
    """
    checks = {}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as error:
        checks["database"] = f"error: {error.__class__.__name__}"
    if isinstance(caches["default"], DummyCache):
        checks["cache"] = "off"  # CACHE_URL=dummy:// turns caching off on purpose: nothing to reach
    else:
        try:
            cache.set("healthz", started, 30)
            checks["cache"] = "ok" if cache.get("healthz") == started else "error: value not kept"
        except Exception as error:  # any backend's own connection error: the check must answer, not fail
            checks["cache"] = f"error: {error.__class__.__name__}"
    healthy = all(value in ("ok", "off") for value in checks.values())
    response = JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **checks,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """The 500 page; or, when the database is out of reach, the 503 page with a time to come back."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(render_to_string("500.html"))
