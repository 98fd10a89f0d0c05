"""Settings for the LDN evidence site.

Every value an operator may change is read from the environment here, in one
place, with defaults that suit a laptop. With DEBUG off, the values production
cannot guess (SECRET_KEY, ALLOWED_HOSTS) must be set, or start-up stops with a
message saying which.
"""

import datetime
import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")


def env_hours(name, default):
    """A number of hours (a ``timedelta``) from the environment; 0 means never."""
    value = os.environ.get(name, "").strip() or str(default)
    try:
        hours = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of hours (0 turns it off); got {value!r}.") from None
    if hours < 0:
        raise ImproperlyConfigured(f"{name} must be a number of hours, 0 or more; got {value!r}.")
    return datetime.timedelta(hours=hours)


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


def env_required(name, why):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable: {why} (or set DEBUG=1 on a laptop).")
    return value


DEBUG = env_bool("DEBUG", default=False)

# The public address, e.g. https://evidence.example.org: it gives the default host and trusted origin.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if SITE_URL and not urlsplit(SITE_URL).hostname:
    raise ImproperlyConfigured(
        f"SITE_URL must be a full address such as https://evidence.example.org; got {SITE_URL!r}."
    )
_site_host = urlsplit(SITE_URL).hostname if SITE_URL else None

if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-only"
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env_required("SECRET_KEY", "a long random string that signs sessions and tokens")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[_site_host] if _site_host else ()) or [
        env_required("ALLOWED_HOSTS", "a comma-separated list of the host names the site answers to")
    ]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL] if SITE_URL else ())

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so that runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "axes",
    "reversion",
    "reversion_compare",
    "taggit",
    "ninja",  # the API's browsable docs (its templates and Swagger UI's static files)
    "django_tasks",
    "django_tasks_db",
    "ldnsite.background",
    "references",
    "articles",
    "articles.newsletter",
]

MIDDLEWARE = [
    "ldnsite.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ldnsite.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETags and 304s, for fresh and kept pages alike.
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous readers' pages, kept whole with the headers everything inside it adds (ldnsite.page_cache).
    "ldnsite.page_cache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that a lockout answers before the admin's login view runs.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "ldnsite.urls"
WSGI_APPLICATION = "ldnsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The site-wide layout (base page, error pages); each app keeps its own templates.
        "DIRS": [BASE_DIR / "ldnsite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The laptop's SQLite is shared by the web server and a worker. A transaction that reads and then
    # writes fails at once ("database is locked") if another process wrote in between, whatever the
    # timeout; taking the write lock when it begins makes it wait its turn instead (up to 20 s).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# An address typed without a scheme (example.org/page) is taken as https in every form, the admin's
# included: Django 6.0's default, chosen now through its transitional setting, whose notice that it
# will go with 6.0 is expected and so not shown.
FORMS_URLFIELD_ASSUME_HTTPS = True
warnings.filterwarnings("ignore", "The FORMS_URLFIELD_ASSUME_HTTPS transitional setting is deprecated.")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "ldnsite" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (after collectstatic); plain files on a laptop.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

TAGGIT_CASE_INSENSITIVE = True
# ASCII tag slugs, so every tag page has an address the <slug:> URL pattern accepts.
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

# Logs go to standard output. In production each record is one JSON line (a traceback
# included), for a log collector; on a laptop, readable text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}.")
# The same variable sets gunicorn's level (gunicorn.conf.py), which is written in lower case.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL must be debug, info, warning, error or critical; got {LOG_LEVEL.lower()!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT}},
    "filters": {"as_warning": {"()": "ldnsite.logs.AsWarning"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # django-axes reports every successful sign-in at INFO; lockouts are warnings.
        "axes": {"level": "WARNING"},
        # A request for a host the site does not serve: a warning on the console, not an e-mail a request.
        "django.security.DisallowedHost": {"handlers": ["console"], "filters": ["as_warning"], "propagate": False},
    },
}

# The cache, shared by every process on every machine: the database's own (Django's database cache,
# the default, nothing to install) or Redis (CACHE_URL=redis://…, faster). locmem:// keeps one per
# process, which a change in one process does not reach (`check --deploy` warns); dummy:// turns it off.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "db://"
_cache_scheme = urlsplit(CACHE_URL).scheme
if _cache_scheme in {"redis", "rediss"}:
    # django-redis keeps one client per connection pool, where Django's own backend builds one per
    # command, which shows in every page's get_many (bench/choices.py).
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL}}
elif _cache_scheme == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ldnsite_cache",  # made by `manage.py createcachetable` (make run and make serve do it)
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "50000"))},
        }
    }
elif _cache_scheme == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ldnsite"}}
elif _cache_scheme == "dummy":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis://, rediss://, db://, locmem:// or dummy://; got {CACHE_URL!r}."
    )
# The page cache (ldnsite.page_cache): how long an anonymous reader's page may be kept, here and in a
# front cache; a change drops the pages showing it as soon as it commits.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_PAGES = "articles.dependencies.describe_page"
PAGE_CACHE_CLOCK = "articles.dependencies.next_publication"
# Front caches (Varnish with the xkey module, see deploy/varnish/) to purge after each change, e.g.
# http://127.0.0.1:6081/ ; and how long after to purge again, for a page that was on its way there.
FRONT_CACHE_PURGE_URLS = env_list("FRONT_CACHE_PURGE_URLS")
FRONT_CACHE_REPURGE_SECONDS = float(os.environ.get("FRONT_CACHE_REPURGE_SECONDS", "2"))

# E-mail: error reports to ADMINS and, later, editors' notifications. Printed to the console on a laptop.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LDN Evidence <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Site admin", address) for address in env_list("ADMINS")]
# Seconds to wait for the mail server before giving up (the send is then retried), so a worker never hangs.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))

# Background work (ldnsite.background): Django's task API, tasks kept in the database and run by
# `manage.py worker` processes, as many as wanted, on any machine that reaches the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker writes a heartbeat this often; a task whose worker has been silent for TASK_WORKER_LOST_AFTER
# seconds is taken as lost with it, and retried.
TASK_WORKER_HEARTBEAT = float(os.environ.get("TASK_WORKER_HEARTBEAT", "5"))
TASK_WORKER_LOST_AFTER = float(os.environ.get("TASK_WORKER_LOST_AFTER", "60"))
# A failed task's first retry waits this many seconds; each later one twice as long as the one before.
TASK_RETRY_DELAY = float(os.environ.get("TASK_RETRY_DELAY", "30"))

# Tasks run on a schedule by the workers (ldnsite.background.schedule): hours between runs; 0 turns one off.
TASK_SCHEDULE = {
    # Each saved PubMed search (references.living): new records go to the editors' triage queue.
    "references.living.tasks.run_saved_searches": env_hours("LITERATURE_SEARCH_HOURS", 24),
    # ClinicalTrials.gov, for every study with an NCT number: status, enrolment, results posted.
    "references.living.tasks.check_trial_registries": env_hours("TRIAL_REGISTRY_CHECK_HOURS", 24 * 7),
    # Crossref (with Retraction Watch's data), for every reference with a DOI: retractions and corrections.
    "references.living.tasks.check_retractions": env_hours("RETRACTION_CHECK_HOURS", 24 * 7),
    # Each medical reviewer's e-mail of the pieces due for review and the new evidence touching them.
    "articles.review.send_review_digests": env_hours("REVIEW_DIGEST_HOURS", 24 * 7),
}
# Where the registries answer (a mirror or a recording can stand in for one).
NCBI_EUTILS_URL = os.environ.get("NCBI_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
CLINICALTRIALS_API_URL = os.environ.get("CLINICALTRIALS_API_URL", "https://clinicaltrials.gov/api/v2")
CROSSREF_API_URL = os.environ.get("CROSSREF_API_URL", "https://api.crossref.org")
# NCBI asks for no more than 3 requests a second without an API key, 10 with one.
NCBI_API_KEY = os.environ.get("NCBI_API_KEY", "")
NCBI_REQUESTS_PER_SECOND = float(os.environ.get("NCBI_REQUESTS_PER_SECOND", "10" if NCBI_API_KEY else "3"))
# A saved search brings at most this many of its newest records per run.
LITERATURE_SEARCH_MAX = int(os.environ.get("LITERATURE_SEARCH_MAX", "200"))
# A piece is due for review this many days after its last review (give or take two weeks, so that pieces
# reviewed the same week are not all due on the same day); a reviewer's digest lists what is due within
# REVIEW_DUE_SOON_DAYS.
REVIEW_INTERVAL_DAYS = int(os.environ.get("REVIEW_INTERVAL_DAYS", "365"))
REVIEW_DUE_SOON_DAYS = int(os.environ.get("REVIEW_DUE_SOON_DAYS", "30"))

# A confirmed reference import saving more references than this goes to a background worker, and the
# admin shows its progress; a smaller one is saved during the request (about 20 ms a reference).
REFERENCE_IMPORT_INLINE = int(os.environ.get("REFERENCE_IMPORT_INLINE", "200"))

# The newsletter (articles.newsletter).
NEWSLETTER_CONFIRM_DAYS = int(os.environ.get("NEWSLETTER_CONFIRM_DAYS", "7"))  # how long a confirmation link works
NEWSLETTER_FORM_MIN_SECONDS = float(os.environ.get("NEWSLETTER_FORM_MIN_SECONDS", "3"))  # quicker is a bot
NEWSLETTER_SUBSCRIBE_RATE = os.environ.get("NEWSLETTER_SUBSCRIBE_RATE", "20/h")  # subscriptions from one address
NEWSLETTER_ADDRESS_RATE = os.environ.get("NEWSLETTER_ADDRESS_RATE", "3/h")  # confirmation e-mails to one address
NEWSLETTER_BOUNCE_LIMIT = int(os.environ.get("NEWSLETTER_BOUNCE_LIMIT", "3"))  # refused issues before an address goes
# A recipient left "being handed to the mail server" this long by a stopped worker is "interrupted".
NEWSLETTER_SENDING_LOST_AFTER = float(os.environ.get("NEWSLETTER_SENDING_LOST_AFTER", str(2 * EMAIL_TIMEOUT)))
# The sender's postal address, printed at the foot of each issue where the law asks for one.
NEWSLETTER_POSTAL_ADDRESS = os.environ.get("NEWSLETTER_POSTAL_ADDRESS", "")
# Rate limits are counted in the cache (django-ratelimit); if it is down, the form stays open.
RATELIMIT_FAIL_OPEN = True

# HTTPS and browser protections. Behind a proxy that ends TLS, the proxy must set
# X-Forwarded-Proto; SECURE_SSL_REDIRECT=0 turns the redirect off where the proxy does it.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# No inline script anywhere (JSON-LD is a data block, which CSP does not govern), so nothing in a page
# differs from reader to reader. Inline styles stay allowed for the admin's widgets and the
# text-align of tables in article bodies.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username
# from one address, both are locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every start; lockouts are still logged
# Behind a proxy the client's address is in X-Forwarded-For; name how many proxies to trust.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Where the admin lives; a less guessable path keeps some bots off the login page.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
# After signing in, when the page asked for is not one to go back to: the editors' desk.
LOGIN_REDIRECT_URL = "admin:index"

# Filling in a reference from its DOI (Crossref) or PubMed ID (NCBI E-utilities).
# Crossref asks callers to give a contact address; requests without one are served more slowly.
REFERENCE_LOOKUP_TIMEOUT = float(os.environ.get("REFERENCE_LOOKUP_TIMEOUT", "5"))
REFERENCE_LOOKUP_CONTACT = os.environ.get("REFERENCE_LOOKUP_CONTACT", "")
