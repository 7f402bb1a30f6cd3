"""Settings for every environment, read from the process environment (django-environ).

The embedded default (no variables set) is SQLite in WAL mode plus Channels' in-memory layer, so a
bare laptop can run everything. ``DATABASE_URL`` (PostgreSQL via psycopg 3) and ``REDIS_URL``
(channels-redis) switch to the production path.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-insecure-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "sandbox.accounts",
    "shop_sim",
    "task_scenarios",
    "autograder",
    "fixtures",
    "django_tasks",
    "django_tasks_db",
    "sandbox.runtime",
    "sandbox.practice",
    "sandbox.exams",
    "sandbox.workspace",
    "sandbox.recording",
    "sandbox.review",
    "sandbox.statistics",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sandbox.middleware.ChosenLanguageMiddleware",
    "sandbox.middleware.DatabaseUnavailableMiddleware",  # a database outage: 503 "nothing saved", not 500
    "django.middleware.common.CommonMiddleware",
    "sandbox.middleware.PathParameterGuardMiddleware",  # a NUL in a URL parameter: 404 before the view
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sandbox.middleware.ResponseHeadersMiddleware",  # Permissions-Policy; no-store on signed-in HTML
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
ASGI_APPLICATION = "sandbox.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sandbox" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Django's form renderer with the plain widgets (inputs, textarea, select and its options) written out
# in Python instead of one template include per widget and option: the same markup, a fraction of
# the CPU of a form-heavy back-office page (shop_sim/renderers.py, docs/benchmarks.md "Pages").
FORM_RENDERER = "shop_sim.renderers.FastTemplates"

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the storefront read while a candidate writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file-based test database so the live ASGI server (a child process) sees the test's rows.
    # One file per test process, so parallel runs in one checkout do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DB_NAME", default=str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3"))
    }
elif env.bool("DATABASE_POOL", default=False):
    # psycopg's connection pool (Django 5.1+), one per web process: an ASGI server runs each
    # request's view in a thread of its own, so CONN_MAX_AGE cannot reuse connections there and
    # every request would open a new PostgreSQL connection (fork + authentication). The pool needs
    # CONN_MAX_AGE = 0. Measured in docs/benchmarks.md (load).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With the pool, Django passes this on as the pool's check: a pooled connection that died in a
    # database outage is replaced when it is handed out instead of failing the request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
    # A persistent connection that died in a database outage is dropped at the next request's start
    # instead of failing it: the processes recover by themselves (tests/services/test_faults.py).
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s channels-redis blocks
            # in BZPOPMIN: an idle WebSocket consumer then dies with TimeoutError after 5 s. A read
            # timeout well above the blocking time keeps idle sockets alive and still notices a dead
            # Redis (tests/services/test_stack.py).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Candidates imported for an exam log in with ticket number + ID number (sandbox/exams/auth.py).
AUTHENTICATION_BACKENDS = [
    "sandbox.accounts.backends.OneQueryPermissionBackend",  # permissions in one query (fills ModelBackend's cache)
    "django.contrib.auth.backends.ModelBackend",
    "sandbox.exams.auth.TicketBackend",
]
LOGIN_URL = "accounts:login"
# Login throttling (sandbox/accounts/throttling.py): never a lockout a neighbour in the same exam hall
# (one NAT address) could cause. Per username or ticket number, from any address: LOGIN_FREE_FAILURES
# free wrong tries in the window, then each try waits LOGIN_STEP_DELAY_SECONDS, doubling up to the
# max; the right credential gets in on the first try allowed. An address with unresolved failures on
# LOGIN_SPRAY_ACCOUNTS identities (or LOGIN_ADDRESS_FAILURE_LIMIT failures) gets one free try per
# identity. Examiners lift a candidate's limit on the live board (考场监控).
LOGIN_FAILURE_WINDOW_MINUTES = env.int("LOGIN_FAILURE_WINDOW_MINUTES", default=10)
LOGIN_FREE_FAILURES = env.int("LOGIN_FREE_FAILURES", default=5)
LOGIN_STEP_DELAY_SECONDS = env.int("LOGIN_STEP_DELAY_SECONDS", default=15)
LOGIN_STEP_DELAY_MAX_SECONDS = env.int("LOGIN_STEP_DELAY_MAX_SECONDS", default=300)
LOGIN_SPRAY_ACCOUNTS = env.int("LOGIN_SPRAY_ACCOUNTS", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))

# Uploads: images are checked by Pillow in forms; the hard cap stops huge bodies early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
SHOP_IMAGE_MAX_BYTES = 2 * 1024 * 1024

# Django's database sessions, read with one hand-written query (sandbox/session_store.py): the same
# rows and rules, about 0.3 ms less CPU on every request with a session.
SESSION_ENGINE = "sandbox.session_store"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # shop pages opt in to SAMEORIGIN (shop_sim.tenancy.frameable): the workspace frames them
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp) on every response: scripts only from this site or an inline
# block carrying the request's nonce — so an injected <script>, on*= handler or javascript: URL does
# not run even if escaping ever failed. Inline styles stay allowed (style attributes, the rrweb
# player, htmx's indicator style); WebSockets are same-origin ('self'). Violations are reported to
# /csp-report (logged; the browser tests fail on any).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "report-uri": "/csp-report",
    },
}
CSP_REPORT_LOG = env.str("CSP_REPORT_LOG", default="")  # also append reports to this file (tests)
SECURE_REFERRER_POLICY = "same-origin"
# Production behind a TLS-terminating proxy (nginx in docker-compose.yml): DJANGO_HTTPS=1 makes the
# cookies secure, trusts X-Forwarded-Proto from the proxy, redirects plain HTTP and sends HSTS —
# `manage.py check --deploy` is clean with it (tests/unit/test_deploy_settings.py).
HTTPS = env.bool("DJANGO_HTTPS", default=False)
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health checks speak plain HTTP inside
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}
STATICFILES_DIRS = [BASE_DIR / "sandbox" / "static"]
# WhiteNoise serves from finders in the embedded default; the root must exist (collectstatic fills it).
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# Background jobs (grading): Django's Tasks API (the django-tasks backport of Django 6's
# django.tasks) with the database backend, so the queue lives in the same SQLite/PostgreSQL database
# and `manage.py grading_worker` processes on any machine share it (docs/decisions.md, "Task queue").
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# Where the grader's browser finds the site (the web server must be running; `make run` starts both).
GRADER_BASE_URL = env.str("GRADER_BASE_URL", default="http://127.0.0.1:8000")
# Page checks in a Chromium behind this W3C WebDriver endpoint (a Selenium Grid hub such as
# http://selenium-hub:4444, or a chromedriver) instead of a local one: docs/deploy.md "Browsers on a grid".
GRADER_WEBDRIVER_URL = env.str("GRADER_WEBDRIVER_URL", default="")
# One browser context per worker, wiped between attempts (False: a fresh context per attempt and
# identity, the slower behaviour before; autograder/pages.py).
GRADER_KEEP_BROWSER_CONTEXT = env.bool("GRADER_KEEP_BROWSER_CONTEXT", default=True)
# Default evidence of a page check that does not say: on_fail (viewport, only when points were
# lost), viewport or full_page (every check keeps one: audits).
GRADER_SCREENSHOTS = env.str("GRADER_SCREENSHOTS", default="on_fail")
# A grading claim (and its queue job) older than this belongs to a worker that died mid-grade: the
# claim may be taken over and `manage.py clock` queues the job again (a grade takes seconds).
GRADING_STALE_SECONDS = env.int("GRADING_STALE_SECONDS", default=180)
# The wall-clock budget of one grade: past it the job fails (never retried) and no report is stored.
# Keep it below GRADING_STALE_SECONDS, so a live job is never taken for a dead worker's.
GRADING_JOB_BUDGET_SECONDS = env.int("GRADING_JOB_BUDGET_SECONDS", default=120)
# Limits for every table a user hands in (file centre uploads, the grader's file check, the
# candidate import): any of the fields of shop_sim.file_limits.FileLimits over its defaults
# (20 000 rows, 200 columns, 200 000 cells, 20 MB decompressed, zip ratio 100, 20 s, 512 MB).
FILE_LIMITS: dict = {}
# Scenario folders (empty = task_scenarios/catalog).
SCENARIO_CATALOG_DIR = env.str("SCENARIO_CATALOG_DIR", default="")
