"""The public pages' cache: whole responses for anonymous readers, dropped the moment the content changes.

Every cached page is stored with the site's current *content version*. Saving
or deleting anything a public page shows (a piece, its tags or bylines, an
author, a reference, a study, a condition) moves the version on, so every page
is rebuilt on its next request: one key to change, on every server sharing
the cache, and no list of pages to track. A piece scheduled for later moves the
version on when its time comes, without a save. Readers signed in to the admin
(anyone with a session cookie) always get a fresh page.

Responses say when the content last changed (Last-Modified) and carry an ETag,
hashed once when the page is stored, so a browser or proxy revalidating a page
gets a 304 (from Django's ConditionalGetMiddleware) without the page being rebuilt.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import set_response_etag
from django.utils.http import http_date

STATE_KEY = "pages:state"


def content_state(state=None):
    """The content version, when it last changed (a Unix time), and the next scheduled publication, if any.

    ``state`` is the value already read from the cache, when the caller fetched it with other keys.
    """
    state = cache.get(STATE_KEY) if state is None else state
    now = time.time()
    if state is None:
        state = _new_state(changed_at=now)
    elif state["next_publication"] is not None and now >= state["next_publication"]:
        # A scheduled piece has just gone public: that is a change to the content.
        state = _new_state(changed_at=state["next_publication"])
    return state


def _new_state(changed_at):
    from .models import Article

    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    state = {
        "version": f"{time.time_ns():x}",
        "changed_at": changed_at,
        "next_publication": upcoming.timestamp() if upcoming else None,
    }
    cache.set(STATE_KEY, state, None)
    return state


def content_changed(sender=None, **kwargs):
    """Signal receiver: something the public pages show was saved or deleted."""
    if kwargs.get("raw"):
        return
    _new_state(changed_at=time.time())


def connect_invalidation():
    from django.apps import apps

    from .models import Article

    watched = [
        apps.get_model(label)
        for label in (
            "articles.Article",
            "articles.Author",
            "articles.Byline",
            "articles.Citation",
            "articles.TaggedArticle",
            "taggit.Tag",
            "references.Reference",
            "references.Study",
            "references.StudyReport",
            "references.Condition",
        )
    ]
    for model in watched:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pages-{model._meta.label}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pages-{model._meta.label}-delete")
    for through in (Article.tags.through, apps.get_model("references.Study").conditions.through):
        m2m_changed.connect(content_changed, sender=through, dispatch_uid=f"pages-{through._meta.label}-m2m")


class PublicPageCacheMiddleware:
    """Serves anonymous GETs of public pages from the cache; stores the 200s they produce.

    Sits outside the CSP middleware, so a stored page keeps the policy header whose
    nonce its JSON-LD carries, and inside ConditionalGetMiddleware, so stored pages
    answer revalidation with 304s. A hit costs one round trip to the cache: the
    content state and the page are read together, and the page is used only if it
    was stored under the current version. With the cache turned off
    (``CACHE_URL=dummy://``) the middleware steps aside.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.skip_prefixes = ("/" + settings.ADMIN_URL, "/healthz")

    def __call__(self, request):
        if isinstance(caches["default"], DummyCache) or not self._cacheable_request(request):
            return self.get_response(request)
        key = self._key(request)
        found = cache.get_many([STATE_KEY, key])
        state = content_state(found.get(STATE_KEY))
        stored = found.get(key)
        if stored is not None and stored[0] == state["version"]:
            return self._response(stored)
        response = self.get_response(request)
        if self._cacheable_response(response):
            self._describe(response, state)
            cache.set(key, self._stored(response, state["version"]), settings.PAGE_CACHE_SECONDS)
        return response

    def _cacheable_request(self, request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.skip_prefixes)
        )

    @staticmethod
    def _cacheable_response(response):
        return (
            response.status_code == 200
            and not response.streaming
            # Only requests without a session cookie get here, so a page that varies on the
            # cookie (it looked at request.user) is the same for all of them; one that sets a
            # cookie is not.
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _describe(response, state):
        # Browsers and proxies may keep the page but must ask again each time; the answer
        # is usually a 304, so an edit reaches every reader at once.
        response.setdefault("Cache-Control", "public, no-cache")
        response.setdefault("Last-Modified", http_date(state["changed_at"]))
        # Hashed once here rather than by ConditionalGetMiddleware on every hit.
        set_response_etag(response)

    @staticmethod
    def _stored(response, version):
        """What the cache keeps of a page: the version it belongs to, its headers and its body."""
        return (version, response.status_code, list(response.items()), response.content)

    @staticmethod
    def _response(stored):
        _, status, headers, content = stored
        response = HttpResponse(content, status=status, headers=headers)
        response["X-Cache"] = "hit"
        return response

    @staticmethod
    def _key(request):
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        return f"pages:{request.method}:{hashlib.sha256(address.encode()).hexdigest()}"
