"""Settings for the results tracker.

Everything that differs between a laptop and production comes from the environment, read through
the small typed helpers below, which fail loudly on a value they cannot understand.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# openpyxl reads workbooks with defusedxml only when lxml is not used: python-docx brings lxml, and
# openpyxl would then parse a workbook's parts with lxml instead (and write text differently).
# Read before openpyxl is first imported, which is after the settings.
os.environ["OPENPYXL_LXML"] = "False"


def envbool(name: str, default: str = "False") -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envrate(name: str, default: str) -> str:
    """A rate limit as django-ninja reads it: "60/min", "1000/day", "5/10s"."""
    value = os.environ.get(name, "").strip() or default
    if not re.fullmatch(r"\d+/\d*(s|sec|m|min|h|hour|d|day)", value):
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per period, e.g. 60/min, not {value!r}"
        )
    return value


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DEBUG is off unless the environment turns it on (the development scripts do).
DEBUG = envbool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")
# A form refused by the CSRF check gets the app's page in the visitor's language.
CSRF_FAILURE_VIEW = "competitions.views.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "simple_history",
    "ninja",  # the read API's docs page from its own static files (no CDN)
    "config.apps.LoginLockoutsConfig",  # django-axes, with its name in the admin translated
    "students",
    "competitions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.security.RequestSizeLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "competitions.roles.RoleRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite in the project folder unless DATABASE_URL says otherwise,
# e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/results
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
KEPT_CONNECTIONS = DATABASES["default"]["CONN_MAX_AGE"] != 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DATABASE_PREPARED_STATEMENTS", str(KEPT_CONNECTIONS)
):
    # A page's joins cost PostgreSQL more to plan than to run (a history's seven tables: 1.1 ms to
    # plan, 0.13 ms to run: 1.76 ms a query as sent, 0.19 ms prepared; issue 13). On a kept
    # connection (DATABASE_CONN_MAX_AGE) a query asked a sixth time is prepared: parsed once, and
    # after five runs planned once where a generic plan is as good. That needs the parameters sent
    # apart from the SQL (server-side binding). On by default only for kept connections (a
    # connection per request keeps nothing); off behind a pooler that does not keep prepared
    # statements (PgBouncer in transaction mode without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions keep a second process from hitting "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is optional. With REDIS_URL every worker process and every server shares one cache (cached
# page parts, import progress); without it each process keeps its own in local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "results"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login throttling (django-axes) -----------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# out for LOGIN_COOLOFF_MINUTES, on the app's login and the admin's; other users and addresses are
# unaffected. The axes backend comes first: it refuses a locked-out pair before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# The client's address: REMOTE_ADDR, unless DJANGO_PROXY_COUNT reverse proxies stand in front
# (nginx alone: 1, with `proxy_set_header X-Forwarded-For $remote_addr;`). Then django-ipware reads
# X-Forwarded-For, which must hold exactly the client and the proxies before the last one (ipware's
# count leaves out the last proxy, the one REMOTE_ADDR names); anything else, such as an address a
# client put there itself, falls back to REMOTE_ADDR. Never count more proxies than there are.
DJANGO_PROXY_COUNT = envint("DJANGO_PROXY_COUNT", 0)
if DJANGO_PROXY_COUNT > 0:
    AXES_IPWARE_PROXY_COUNT = DJANGO_PROXY_COUNT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# --- end of login throttling ------------------------------------------------------------------

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "competitions:competition-list"
LOGOUT_REDIRECT_URL = "login"

# Chinese by default; English one click away.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# A list filter's empty choice (django-filter), in the visitor's language rather than "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers that hold in every environment; the HTTPS ones are switched on for deployment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES")
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD")
# Behind nginx, which ends TLS and sets X-Forwarded-Proto: without this, an HTTPS request looks
# like HTTP to Django and SECURE_SSL_REDIRECT redirects forever. Only when the proxy sets (and
# overwrites) that header: a client could otherwise claim HTTPS.
if envbool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health endpoint answers plain HTTP too, for a monitor on the machine itself.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Content-Security-Policy (Django's own middleware) ------------------------------------------
# Scripts, styles, images and fonts come from this site only: no inline script, no style
# attribute, no on* handler attribute, no eval (tests/test_security.py checks every template).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# --- end of Content-Security-Policy -----------------------------------------------------------

DJANGO_TABLES2_TEMPLATE = "tables/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

# One public switch: the public honours page, the public result pages and the anonymous read API
# (names, organizations, events and awards; no personal data). PUBLIC_HONOURS_PAGE is its old name,
# still read when PUBLIC_RESULTS is not set.
PUBLIC_RESULTS = envbool("PUBLIC_RESULTS", os.environ.get("PUBLIC_HONOURS_PAGE", "False"))
# How long browsers and proxies (the college website's CDN) may keep a public page, in seconds
# (`Cache-Control: public, max-age=...`). The server renders each public page once per state of its
# results and serves a change at once (competitions.views.public).
PUBLIC_CACHE_SECONDS = envint("PUBLIC_CACHE_SECONDS", 300)

# The read API's rate limits (competitions.api.access): per key or logged-in user, and per client
# address without one ("number/period", period s, min, hour or day).
API_RATE_PER_TOKEN = envrate("API_RATE_PER_TOKEN", "60/min")
API_RATE_PER_ADDRESS = envrate("API_RATE_PER_ADDRESS", "30/min")
# django-ninja reads the client's address for the address limit as axes does (DJANGO_PROXY_COUNT).
NINJA_NUM_PROXIES = DJANGO_PROXY_COUNT

# A result entered or changed by one office user is unconfirmed until another office user confirms
# it (competitions.confirming); public data then shows confirmed results only. A single-person
# office turns it off: every result counts as confirmed and no confirmation appears.
RESULTS_NEED_CONFIRMATION = envbool("RESULTS_NEED_CONFIRMATION", "true")

# The largest result sheet uploaded in the browser, in bytes.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 64 * 1024 * 1024)

# The largest uploaded photo, in bytes.
PHOTO_MAX_BYTES = envint("PHOTO_MAX_BYTES", 15 * 1024 * 1024)

# The largest certificate scan or result document (image or PDF) uploaded as evidence, in bytes.
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)

# --- Request and upload size caps ---------------------------------------------------------------
# A request body larger than REQUEST_MAX_BYTES is refused with a 413 page before anything reads it
# (config.security); nginx's client_max_body_size should say the same. The margin over the
# largest sheet leaves room for the form's other fields and a batch of photos.
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", IMPORT_MAX_BYTES + 16 * 1024 * 1024)
# Uploaded files above this size are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Form fields other than files (the entries form of a large event included) may total this much.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
# --- end of request and upload size caps ------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Background tasks (django.tasks) -------------------------------------------------------------
# Imports of result sheets (preview and apply) and tally rebuilds run as tasks. Without REDIS_URL the
# tasks wait in this project's own database and `manage.py db_worker` runs them (one machine needs
# nothing more). With REDIS_URL they go to RQ on that Redis, for several application servers; the
# worker is then `manage.py rqworker default --job-class django_tasks_rq.Job` (without --job-class
# every job fails with "'Task' object is not callable").
INSTALLED_APPS += ["config.apps.BackgroundTasksConfig"]  # django_tasks_db, its admin name translated
if os.environ.get("REDIS_URL"):
    INSTALLED_APPS += ["config.apps.TaskQueuesConfig", "django_tasks_rq"]  # django_rq, named in gettext
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # RQ stops a job after DEFAULT_TIMEOUT seconds (its own default is 180, too short for a big sheet).
    RQ_QUEUES = {
        "default": {"URL": os.environ["REDIS_URL"], "DEFAULT_TIMEOUT": envint("TASK_TIMEOUT_SECONDS", 3600)}
    }
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where a running import writes its progress, outside the import's own transaction: one small JSON
# file per job in this folder, read by the web pages; None keeps it in the cache instead, which is
# shared between servers only when it is Redis (so that is what REDIS_URL chooses).
TASK_PROGRESS_DIR = (
    None
    if os.environ.get("REDIS_URL")
    else Path(os.environ.get("DJANGO_TASK_PROGRESS_DIR", BASE_DIR / "var" / "progress"))
)
# A task that has reported no progress for this long is taken for dead (its worker was killed or
# its server restarted): the page offers to run it again.
TASK_STUCK_SECONDS = envint("TASK_STUCK_SECONDS", 15 * 60)
# Where the backups made from the Backups page (and by the nightly timer, by convention) are kept.
BACKUP_DIR = Path(os.environ.get("DJANGO_BACKUP_DIR", BASE_DIR / "var" / "backups"))
# --- end of background tasks ---------------------------------------------------------------------
