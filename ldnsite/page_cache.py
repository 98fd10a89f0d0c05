"""The one response cache: anonymous readers' public pages, kept whole in the cache every process shares,
and dropped by what they show once a change commits.

What is kept: a GET (or HEAD) without a session cookie, answered 200 by a page that
``settings.PAGE_CACHE_PAGES`` describes (``articles.dependencies.describe_page``: the keys of what the
page shows, such as "article:12" or "articles", and the query parameters it reads), setting no cookie,
with no query parameter the page does not read. Anything else is served as rendered and not kept.
The key is the scheme, host, path and query parameters in a fixed order, so ``?a=1&b=2`` and
``?b=2&a=1`` are one page.

How it goes: once a change commits, ``purge(keys)`` gives each key a new version in the cache, and
asks any front cache (Varnish with xkey, ``FRONT_CACHE_PURGE_URLS``) to drop its copies carrying
those keys. A kept page remembers its keys' versions and is served only while all are current; a
version the cache lost never matches, so a lost key costs a render, never a stale page.

The commit race: a page rendered from rows read before a commit must not be kept as current after
it. Every purge also replaces one "generation" token; the token is read before the page is
rendered and again before it is kept, and a page whose render overlapped a purge is served but not
kept, and marked private so that no front cache keeps it either.

Time: pages are kept at most ``PAGE_CACHE_SECONDS``, and never past the next scheduled change that
``settings.PAGE_CACHE_CLOCK`` names (a piece scheduled for publication), here or in a front cache
(``s-maxage``). Browsers revalidate every time (``max-age=0``) and get a 304 when the ETag, a hash
of the page, still matches: the same page has the same ETag from any worker on any machine.

A cache that fails costs speed, not pages: the page is rendered, and the failure logged.
"""

import hashlib
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, set_response_etag
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GENERATION = "page-cache:generation"
PAGE_PREFIX = "page-cache:page:"
VERSION_PREFIX = "page-cache:key:"
SURROGATE_KEY = "Surrogate-Key"
# Every kept page carries this key too, so that a deploy (or a bulk load) can drop them all at once.
EVERYTHING = "site"


def _token():
    return secrets.token_hex(8)


# Dropping pages


def purge(keys):
    """Drop every kept page, here and in the front caches, that shows any of ``keys``.

    Call it once the change is committed (``purge_after_commit`` does): before that, a reader could
    render the old rows and keep them under the new versions."""
    keys = sorted(set(keys))
    if not keys:
        return
    try:
        # The generation first: a render that read its versions before this line is not kept.
        cache.set(GENERATION, _token(), None)
        cache.set_many({VERSION_PREFIX + key: _token() for key in keys}, None)
    except Exception:
        logger.error(
            "The page cache could not drop the pages of %s: readers may see them until they expire.",
            keys,
            exc_info=True,
        )
    front_caches.purge(keys)


def purge_after_commit(keys, using=None):
    """``purge(keys)`` when the current transaction commits (at once outside one); nothing if it rolls back."""
    keys = frozenset(keys)
    if keys:
        transaction.on_commit(lambda: purge(keys), using=using)


def purge_everything():
    """Drop every kept page, here and in the front caches: after a deploy (`make serve` does it), or a
    bulk load that bypassed the models' saves."""
    purge([EVERYTHING])


class FrontCaches:
    """The front caches to purge (Varnish with the xkey module): ``PURGE`` requests carrying the keys.

    Each purge is sent again ``FRONT_CACHE_REPURGE_SECONDS`` later, the keys of that interval together:
    a page that left gunicorn just before the commit could reach a front cache just after the first
    purge, and would otherwise stay there until it expired."""

    def __init__(self):
        self._pending = set()
        self._lock = threading.Lock()
        self._timer = None

    def purge(self, keys):
        urls = settings.FRONT_CACHE_PURGE_URLS
        if not urls:
            return
        self._send(urls, keys)
        with self._lock:
            self._pending.update(keys)
            if self._timer is None:
                self._timer = threading.Timer(settings.FRONT_CACHE_REPURGE_SECONDS, self._repurge, [urls])
                self._timer.start()

    def _repurge(self, urls):
        with self._lock:
            keys, self._pending, self._timer = sorted(self._pending), set(), None
        self._send(urls, keys)

    @staticmethod
    def _send(urls, keys):
        for url in urls:
            try:
                response = httpx.request("PURGE", url, headers={"xkey-purge": " ".join(keys)}, timeout=2)
                response.raise_for_status()
            except httpx.HTTPError:
                logger.warning("The front cache at %s did not drop %s.", url, keys, exc_info=True)


front_caches = FrontCaches()


# Keeping and serving pages


class PageCacheMiddleware:
    """Serves anonymous readers' kept pages; keeps the pages it may. Sits inside ConditionalGetMiddleware
    (so kept pages answer revalidation with a 304) and outside everything that renders.

    A hit is one round trip to the cache: the page and the versions of the keys it carried last time
    this process saw it (``self.hints``, a guess about which versions to fetch, never what decides:
    the page's own recorded versions do, and a page whose keys differ costs a second round trip)."""

    HINTS = 10_000  # addresses whose keys a process remembers, most recently used first

    def __init__(self, get_response):
        self.get_response = get_response
        self.describe = import_string(settings.PAGE_CACHE_PAGES)
        self.clock = import_string(settings.PAGE_CACHE_CLOCK)
        self.never = ("/" + settings.ADMIN_URL, "/healthz")
        self.hints = OrderedDict()
        self.hints_lock = threading.Lock()

    def __call__(self, request):
        if not self._anonymous_read(request):
            return self.get_response(request)
        page_key = PAGE_PREFIX + hashlib.sha256(self._address(request).encode()).hexdigest()
        try:
            hinted = [VERSION_PREFIX + key for key in self.hints.get(page_key, ())]
            found = cache.get_many([page_key, GENERATION, *hinted])
            kept = found.get(page_key)
            if kept is not None and self._current(kept, found):
                self._remember(page_key, kept["versions"])
                return self._answer(kept, request)
        except Exception:
            logger.warning("The page cache did not answer: serving %s without it.", request.path, exc_info=True)
            return self.get_response(request)
        response = self.get_response(request)
        self._keep(request, response, page_key, found.get(GENERATION))
        return response

    def _anonymous_read(self, request):
        return (
            not isinstance(caches["default"], DummyCache)  # CACHE_URL=dummy:// turns the cache off: step aside
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.never)
        )

    @staticmethod
    def _address(request):
        query = sorted((name, value) for name, values in request.GET.lists() for value in values)
        return f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query)}"

    @staticmethod
    def _current(kept, found):
        """Whether all the kept page's keys still have the versions it was kept under (``found`` holds
        those fetched with the page; any others are fetched now)."""
        if kept["expires"] <= time.time():  # exact, whatever the backend's own expiry does to the second
            return False
        names = {VERSION_PREFIX + key: version for key, version in kept["versions"].items()}
        now = {name: found[name] for name in names if name in found}
        if missing := [name for name in names if name not in now]:
            now.update(cache.get_many(missing))
        return all(now.get(name) == version for name, version in names.items())

    def _remember(self, page_key, versions):
        with self.hints_lock:
            self.hints[page_key] = tuple(versions)
            self.hints.move_to_end(page_key)
            if len(self.hints) > self.HINTS:
                self.hints.popitem(last=False)

    @staticmethod
    def _answer(kept, request):
        response = HttpResponse(kept["content"] if request.method == "GET" else b"", headers=kept["headers"])
        response["X-Cache"] = "hit"
        return response

    def _keep(self, request, response, page_key, generation):
        description = self.describe(request) if self._keepable(response) else None
        if description is None:
            return
        keys, parameters = description
        if not keys or set(request.GET) - set(parameters):
            return  # a parameter the page does not read: a page anyone could vary without end
        keys = {*keys, EVERYTHING}
        seconds = self._seconds()
        response[SURROGATE_KEY] = " ".join(sorted(keys))
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
        set_response_etag(response)
        try:
            versions = self._versions(keys)
            if len(versions) < len(keys):
                return  # a key without a version could not drop the page: serve it, keep nothing
            if cache.get(GENERATION) != generation:
                # A change committed while this page was being rendered: it may show the rows before it.
                del response[SURROGATE_KEY]
                response["Cache-Control"] = "private, max-age=0"
                return
            headers = {name: value for name, value in response.items() if name != "X-Cache"}
            kept = {
                "versions": versions,
                "headers": headers,
                "content": response.content,
                "expires": time.time() + seconds,
            }
            cache.set(page_key, kept, seconds)
        except Exception:
            logger.warning("The page cache could not keep %s.", request.path, exc_info=True)

    @staticmethod
    def _keepable(response):
        control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in control
            and "no-store" not in control
        )

    def _seconds(self):
        """How long a page may be kept: the setting, or less if the content changes on a clock before then."""
        seconds = settings.PAGE_CACHE_SECONDS
        if (next_change := self.clock()) is not None:
            seconds = min(seconds, max(1, math.ceil(next_change - time.time())))
        return seconds

    @staticmethod
    def _versions(keys):
        """The current version of each key, giving one to a key that has none yet."""
        names = {VERSION_PREFIX + key: key for key in keys}
        found = cache.get_many(names)
        if missing := [name for name in names if name not in found]:
            for name in missing:
                cache.add(name, _token(), None)  # another process may give it one first; theirs stands
            found.update(cache.get_many(missing))
        return {names[name]: version for name, version in found.items()}


@register(Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Several workers (and several machines) must share the cache, or a purge reaches only one of them."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("LocMemCache", "FileBasedCache")):
        return [
            CheckWarning(
                "The cache is kept by each process (or on one machine's disk): a change reaches the pages of "
                "only the process that made it.",
                hint="Set CACHE_URL=redis://… (a cache every process shares), or unset it for the database cache.",
                id="ldnsite.W001",
            )
        ]
    return []
