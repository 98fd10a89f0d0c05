"""What operators rely on: the health check, and a 503 page (not a traceback) when the database is away."""

import pytest
from django.db import OperationalError, connection


@pytest.fixture
def database_down(db):
    """Every query fails as with the server gone; undone before the test database is cleaned up."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    connection.cursor = refuse
    yield
    del connection.cursor


LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = "django_redis.cache.RedisCache"


def test_health_check_reports_database_and_cache(client, db, settings):
    settings.CACHES = LOCAL_CACHE
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert (data["status"], data["database"], data["cache"]) == ("ok", "ok", "ok")


def test_health_check_answers_any_host_and_plain_http(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200


def test_health_check_is_503_when_the_database_is_down(client, db, database_down, settings):
    settings.CACHES = LOCAL_CACHE
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "error: OperationalError",
        "cache": "ok",
        "ms": response.json()["ms"],
    }


def test_health_check_is_503_when_the_cache_is_down(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"].startswith("error: ")


def test_health_check_with_the_cache_turned_off(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "off"


def test_health_check_with_redis(client, db, settings):
    settings.CACHES = {"default": {"BACKEND": REDIS, "LOCATION": "redis://127.0.0.1:6379/5"}}
    assert client.get("/healthz").json()["cache"] == "ok"


@pytest.mark.parametrize("url", ["/", "/articles/some-piece/", "/studies/", "/search/?q=ldn"])
def test_public_gets_a_503_page_when_the_database_is_down(client, db, database_down, url):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "The site is briefly unavailable" in html and "Traceback" not in html


def test_other_server_faults_get_the_500_page(client, db, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.HomeView, "get_context_data", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_gunicorn_serves_the_site_with_its_config_and_logs_json(tmp_path):
    """What `make serve` ends with: gunicorn, from gunicorn.conf.py, with production settings."""
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "SECRET_KEY": "Vq3n8-example-only-9fJk2LmPz7RtYw4XcB6dN1sA0eHgUoQiKjZ5vT",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "SECURE_SSL_REDIRECT": "0",
    }
    # As `make serve` does before starting gunicorn: the database cache needs its table.
    subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=root, env=env, check=True)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py"], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.load(response)["status"] == "ok"
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer /healthz")
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0  # a graceful stop
    access = [json.loads(line) for line in output.splitlines() if '"gunicorn.access"' in line]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == 200


@pytest.mark.django_db(transaction=True)
def test_two_processes_writing_to_sqlite_wait_their_turn_instead_of_failing():
    """The laptop's web server and worker share one SQLite file: a transaction that reads, then writes,
    while another holds the write lock must wait for it, not fail with "database is locked"."""
    import threading

    from django.db import connection, connections, transaction

    from references.living.models import SavedSearch

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking")
    read, wrote, errors = threading.Event(), threading.Event(), []

    def reader_then_writer():
        try:
            with transaction.atomic():
                SavedSearch.objects.count()
                read.set()
                wrote.wait(1)  # the other transaction has written, or is waiting for this one
                SavedSearch.objects.create(name="first", query="a")
        except Exception as error:  # noqa: BLE001 - the failure under test
            errors.append(error)
        finally:
            connections.close_all()

    def writer():
        try:
            read.wait(5)
            with transaction.atomic():
                SavedSearch.objects.create(name="second", query="b")
                wrote.set()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
            wrote.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reader_then_writer), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert SavedSearch.objects.count() == 2
