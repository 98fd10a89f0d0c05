"""The page cache as production runs it: gunicorn with 3 workers and the production defaults, with the
change made by another process (an editor through the admin, or ``manage.py shell``).

Each test starts gunicorn on a free loopback port against the test database, with no CACHE_URL set,
as an operator following the README would; requests open a new connection each, so they land on
every worker.
"""

import re
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from articles.models import Article

from .serving import Server, manage, production_environment

REQUESTS_PER_PAGE = 24
TITLE = "Quixotic dosing note"
SLUG = "quixotic-dosing-note"


@pytest.fixture
def production(transactional_db, static_root, make_author):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    author = make_author(name="Quentin Quill", slug="quentin-quill")
    piece = Article.objects.create(
        title=TITLE, slug=SLUG, summary="A note on doses.", body="Quixotic text.", status=Article.Status.PUBLISHED
    )
    piece.bylines.create(author=author, position=1)
    piece.tags.add("quixotic topic")
    environment = production_environment(static_root)
    manage(environment, "createcachetable")
    server = Server(environment)
    yield server, piece
    server.stop()


PAGES = [
    f"/articles/{SLUG}/",
    "/",
    "/articles/",
    "/tags/quixotic-topic/",
    "/authors/quentin-quill/",
    "/feeds/articles.rss",
    "/sitemap-articles.xml",
    "/search/?q=quixotic",
    "/api/articles/",
    f"/api/articles/{SLUG}/",
]


def each_page(server):
    """(path, response) for REQUESTS_PER_PAGE requests to every page, several at a time, as readers send
    them: with every worker busy, the requests spread over all three."""
    paths = [path for path in PAGES for _ in range(REQUESTS_PER_PAGE)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(zip(paths, pool.map(server.get, paths), strict=True))


def warm(server):
    for path, response in each_page(server):
        assert response.status_code == 200, path


def stale_answers(server):
    """Every request, on every page, that still shows the piece."""
    return [path for path, response in each_page(server) if TITLE in response.content.decode()]


def gone_within_a_second(server):
    deadline = time.monotonic() + 1
    while True:
        stale = stale_answers(server)
        if not stale or time.monotonic() > deadline:
            return stale


def test_unpublishing_in_the_admin_reaches_every_worker(production):
    server, piece = production
    warm(server)
    cookies = {}

    def send(method, path, **data):
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": f"https://127.0.0.1:{server.port}",
            "Referer": f"https://127.0.0.1:{server.port}{path}",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        }
        response = httpx.request(method, server.url + path, headers=headers, data=data or None, timeout=10)
        for header in response.headers.get_list("set-cookie"):
            name, value = header.split(";")[0].split("=", 1)
            cookies[name] = value
        return response

    def token(response):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)

    # As an operator makes the first account (the test settings' fast password hasher is not production's).
    password = secrets.token_urlsafe(16)
    account = {**server.environment, "DJANGO_SUPERUSER_PASSWORD": password}
    manage(account, "createsuperuser", "--noinput", "--username", "ed", "--email", "ed@example.org")
    login = send("GET", "/admin/login/")
    signed_in = send(
        "POST",
        "/admin/login/",
        username="ed",
        password=password,
        csrfmiddlewaretoken=token(login),
    )
    changelist = send("GET", "/admin/articles/article/")
    assert (signed_in.status_code, changelist.status_code) == (302, 200)
    done = send(
        "POST",
        "/admin/articles/article/",
        action="unpublish_selected",
        _selected_action=str(piece.pk),
        csrfmiddlewaretoken=token(changelist),
    )
    assert done.status_code == 302
    piece.refresh_from_db()
    assert piece.status == Article.Status.DRAFT
    assert gone_within_a_second(server) == []


def test_unpublishing_from_another_process_reaches_every_worker(production):
    server, piece = production
    warm(server)
    code = f"from articles.models import Article; a = Article.objects.get(pk={piece.pk}); a.status = 'draft'; a.save()"
    manage(server.environment, "shell", "-c", code)
    assert gone_within_a_second(server) == []


def test_every_worker_gives_a_page_the_same_etag_and_answers_it_with_304(production):
    server, _ = production
    path = f"/articles/{SLUG}/"
    etags = {server.get(path).headers["etag"] for _ in range(REQUESTS_PER_PAGE)}
    assert len(etags) == 1
    (etag,) = etags
    assert {server.get(path, **{"If-None-Match": etag}).status_code for _ in range(REQUESTS_PER_PAGE)} == {304}


def test_head_is_answered_without_a_body(production):
    server, _ = production
    path = f"/articles/{SLUG}/"
    for _ in range(REQUESTS_PER_PAGE):
        server.get(path)
    for _ in range(6):  # from the cache, on whichever worker answers
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            request = (
                f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
            )
            sock.sendall(request.encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == b""
