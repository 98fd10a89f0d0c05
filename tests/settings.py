"""Settings for the test suite: production's settings, with the two values production must be given.

DATABASE_URL passes through, so ``DATABASE_URL=postgres://… make test`` runs the same suite on PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ["DEBUG"] = "0"

from ldnsite.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# The test client speaks plain HTTP to a server that is not behind a proxy.
SECURE_SSL_REDIRECT = False
# No page cache in ordinary tests: pages are dropped when a change commits, and most tests never commit
# (each runs in a transaction that is rolled back). tests/test_page_cache*.py turn a real one on.
if not os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# Hashing passwords slowly protects real accounts, not test ones.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files straight from the apps, as in development; nothing is collected in tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A file, not SQLite's in-memory default: the browser tests' live server answers from other
# threads, and each must open its own connection, as the real server does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"ldnsite-tests-{os.getpid()}.sqlite3")}  # noqa: F405

# No scheduled tasks in the workers the tests start, unless a test asks for them (tests/test_living_evidence.py):
# the registries they call are outside the machine.
if not os.environ.get("TEST_TASK_SCHEDULE"):
    TASK_SCHEDULE = {}  # noqa: F811
