"""Start-up configuration: production refuses to guess its secrets, and says which one is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


SETTINGS_VARIABLES = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CACHE_URL", "REDIS_URL", "LOG_FORMAT"}
SETTINGS_VARIABLES |= {"LOG_LEVEL"}
# Set by the browser tests for Playwright's sake; a deployment never has it.
SETTINGS_VARIABLES |= {"DJANGO_ALLOW_ASYNC_UNSAFE"}
# A key as `python -c "import secrets; print(secrets.token_urlsafe(50))"` makes one.
GOOD_KEY = "Vq3n8-example-only-9fJk2LmPz7RtYw4XcB6dN1sA0eHgUoQiKjZ5vT"


def manage(*command, **env):
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    base["DJANGO_SETTINGS_MODULE"] = "ldnsite.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60
    )


def manage_check(**env):
    return manage("check", **env)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 50}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "CACHE_URL": "memcached://x"}, "CACHE_URL"),
        ({"DEBUG": "1", "SITE_URL": "evidence.example.org"}, "SITE_URL"),
        ({"DEBUG": "1", "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"DEBUG": "1", "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
def test_production_start_up_stops_with_one_line_naming_the_missing_setting(env, named):
    result = manage_check(**env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:") and named in lines[0]


def test_production_starts_when_its_settings_are_given():
    result = manage_check(SECRET_KEY="s" * 50, ALLOWED_HOSTS="evidence.example.org")
    assert result.returncode == 0, result.stderr


def test_a_laptop_needs_no_settings_at_all():
    assert manage_check(DEBUG="1").returncode == 0


def test_log_level_is_read_in_gunicorns_lower_case_too():
    assert manage_check(DEBUG="1", LOG_LEVEL="warning").returncode == 0


def test_site_url_gives_the_host_and_trusted_origin():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ALLOWED_HOSTS, settings.CSRF_TRUSTED_ORIGINS)",
        SECRET_KEY=GOOD_KEY,
        SITE_URL="https://evidence.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['evidence.example.org'] ['https://evidence.example.org']"


def test_production_settings_pass_the_deployment_check():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="evidence.example.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_default_cache_is_the_database_every_process_shares():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="evidence.example.org",
    )
    assert result.stdout.strip().splitlines()[-1] == "django.core.cache.backends.db.DatabaseCache", result.stderr


@pytest.mark.parametrize("cache_url", ["locmem://", "redis://127.0.0.1:6379/3", ""])
def test_check_deploy_warns_when_each_process_keeps_its_own_cache(cache_url):
    result = manage("check", "--deploy", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="evidence.example.org", CACHE_URL=cache_url)
    assert ("ldnsite.W001" in result.stdout + result.stderr) is (cache_url == "locmem://")


def test_redis_cache_url_selects_the_redis_backend():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DEBUG="1",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.stdout.strip().splitlines()[-1] == "django_redis.cache.RedisCache", result.stderr


def test_production_logs_are_one_json_line_per_record():
    import json

    result = manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('ldnsite').error('boom', exc_info=ValueError('x'))",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="evidence.example.org",
    )
    lines = [line for line in result.stdout.splitlines() if '"boom"' in line]
    assert len(lines) == 1, result.stdout
    record = json.loads(lines[0])
    assert record["level"] == "ERROR" and record["message"] == "boom" and "ValueError: x" in record["exc_info"]
