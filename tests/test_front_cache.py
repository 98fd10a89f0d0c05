"""Varnish in front, with the VCL the repository ships (ldnsite/varnish.vcl): it keeps the pages the site
marks as shareable, and an editor's change reaches readers through it within a second.

A real varnishd on a loopback port, in front of gunicorn with the production settings; skipped, with
a message, where Debian's varnish and varnish-modules are not installed (.ci/run installs them).
"""

import time

import httpx
import pytest

from articles.models import Article
from ldnsite.page_cache import SURROGATE_KEY

from .serving import VARNISHD, Server, Varnish, free_port, manage, production_environment

SLUG = "low-dose-naltrexone-for-fibromyalgia-pain"
ARTICLE = f"/articles/{SLUG}/"

pytestmark = pytest.mark.skipif(
    VARNISHD is None, reason="No varnishd: apt-get install varnish varnish-modules (Debian's packages)."
)


@pytest.fixture
def front(transactional_db, static_root, tmp_path):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    port = free_port()
    # The site purges this Varnish, from gunicorn's workers and from any other process of the site.
    environment = production_environment(static_root) | {"FRONT_CACHE_PURGE_URLS": f"http://127.0.0.1:{port}/"}
    manage(environment, "createcachetable")
    server = Server(environment)
    varnish = Varnish(port, server.port, tmp_path)
    yield varnish, environment
    varnish.stop()
    server.stop()


def edit(environment, code):
    """An editor's change, made by another process, as the admin or a background worker would."""
    manage(environment, "shell", "-c", f"from articles.models import Article; {code}")


def served_within_a_second(varnish, path, check):
    started = time.monotonic()
    while time.monotonic() - started < 1:
        response = varnish.get(path)
        if check(response):
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def test_varnish_keeps_the_pages_the_site_marks_as_shareable(front):
    varnish, _ = front
    first, second = varnish.get(ARTICLE), varnish.get(ARTICLE)
    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert SURROGATE_KEY not in second.headers and "xkey" not in second.headers  # the keys stay inside
    assert second.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("path", ["/search/?q=naltrexone", "/studies/studies.csv", "/?utm_source=mail"])
def test_varnish_keeps_nothing_the_site_does_not_mark(front, path):
    varnish, _ = front
    varnish.get(path)
    assert varnish.get(path).headers["X-Cache"] == "MISS"


def test_signed_in_editors_go_past_varnish(front):
    varnish, _ = front
    varnish.get(ARTICLE)
    assert varnish.get(ARTICLE, Cookie="sessionid=anything").headers["X-Cache"] == "MISS"


def test_an_edit_is_served_through_varnish_within_a_second(front):
    varnish, environment = front
    for _ in range(3):
        varnish.get(ARTICLE), varnish.get("/articles/")
    assert varnish.get(ARTICLE).headers["X-Cache"] == "HIT"
    edit(environment, f"a = Article.objects.get(slug='{SLUG}'); a.title = 'Edited through Varnish'; a.save()")
    assert served_within_a_second(varnish, ARTICLE, lambda r: "Edited through Varnish" in r.text) is not None
    assert served_within_a_second(varnish, "/articles/", lambda r: "Edited through Varnish" in r.text) is not None


def test_an_unpublished_piece_is_gone_from_varnish_within_a_second(front):
    varnish, environment = front
    for _ in range(3):
        varnish.get(ARTICLE), varnish.get("/feeds/articles.rss")
    edit(environment, f"a = Article.objects.get(slug='{SLUG}'); a.status = 'draft'; a.save()")
    assert served_within_a_second(varnish, ARTICLE, lambda r: r.status_code == 404) is not None
    assert served_within_a_second(varnish, "/feeds/articles.rss", lambda r: SLUG not in r.text) is not None
    assert Article.objects.get(slug=SLUG).status == Article.Status.DRAFT


def test_only_the_sites_servers_may_purge(front):
    varnish, _ = front
    refused = httpx.request("PURGE", varnish.url + "/", timeout=5)
    assert refused.status_code == 400  # from loopback, allowed, but it must name the keys
