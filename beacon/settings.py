"""Beacon settings: one file, read from the environment (see .env.example).

Embedded defaults need nothing installed: SQLite (WAL) in DATA_DIR, in-memory channel
layer, local-memory cache and Huey on SQLite. DATABASE_URL and REDIS_URL scale it out.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext_lazy as _

from beacon.core.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or env_bool("BEACON_TESTING", default=False)

if TESTING and not os.environ.get("DATA_DIR"):
    # Tests never write into a developer's data directory.
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="beacon-test-")
DATA_DIR = env_path("DATA_DIR", Path.cwd() / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into DATA_DIR and reused."""
    configured = env_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured(
                "SECRET_KEY is shorter than 32 characters. Use a long random value or leave it unset."
            )
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must agree on one key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("BASE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "beacon.core",
    "beacon.accounts",
    "beacon.audit",
    "beacon.tickets",
    "beacon.notifications",
    "beacon.triage",
    "beacon.routing",
    "beacon.sla",
    "beacon.intake.email",
    "beacon.chat",
    "beacon.knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "beacon.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "beacon.core.middleware.DomainErrorMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "beacon.urls"
ASGI_APPLICATION = "beacon.asgi.application"
WSGI_APPLICATION = None

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
        },
    }
]

# --- Web server --------------------------------------------------------------------------
# HTTP requests one web process runs at once: the size of its pool of request threads
# (beacon/core/asgi_http.py); 0 means 32.
WEB_MAX_REQUESTS_IN_FLIGHT = env_int("WEB_MAX_REQUESTS_IN_FLIGHT", 8, minimum=0)
# Of those, read requests (GET, HEAD, OPTIONS) run this many at once, in arrival order; a read
# running longer than WEB_READ_STALL_MS lets the next one start beside it (beacon/core/gate.py).
# 0: reads are bounded by the pool alone.
WEB_READS_IN_FLIGHT = env_int("WEB_READS_IN_FLIGHT", 1, minimum=0)
WEB_READ_STALL_SECONDS = env_int("WEB_READ_STALL_MS", 100, minimum=1) / 1000
# Web processes on one machine share out keep-alive connections evenly: one holding more than
# its share closes one after a response and the client reconnects (beacon/core/balance.py).
WEB_SHARE_CONNECTIONS = env_bool("WEB_SHARE_CONNECTIONS", default=True)
# API ticket creates that arrive together share one transaction (beacon/tickets/batching.py).
# Off in tests: the test's database transaction belongs to the test thread.
TICKET_CREATE_BATCHING = env_bool("TICKET_CREATE_BATCHING", default=not TESTING)
# SQLite: web processes leave WAL checkpoints to a background thread, one working per machine,
# every SQLITE_CHECKPOINT_MS milliseconds, instead of the commit that fills the log
# (beacon/core/checkpoint.py).
SQLITE_BACKGROUND_CHECKPOINT = env_bool("SQLITE_BACKGROUND_CHECKPOINT", default=True)
SQLITE_CHECKPOINT_SECONDS = env_int("SQLITE_CHECKPOINT_MS", 1000, minimum=10) / 1000

# --- Database --------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        # Under ASGI each request runs in a thread of its own, so per-thread persistent
        # connections would pile up (PostgreSQL ran out of slots in the benchmark). A pool
        # shared by the process's threads gives the reuse instead.
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
        if (
            DATABASES["default"]["ENGINE"].endswith("postgresql")
            and env_int("DB_POOL_MAX", 10) > 0
        ):
            DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": env_int("DB_POOL_MAX", 10),
                "timeout": 20,
            }
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a valid database URL ({exc}). Example: postgres://user:pass@127.0.0.1:5432/beacon"
        ) from exc
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "beacon.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
                # Planner statistics are refreshed by the hourly job core.tasks.db_optimize_task.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864;",
            },
            # HTTP requests run on a fixed pool of threads (beacon/core/asgi_http.py), so a
            # connection per thread is reused from request to request (saving the open and the
            # PRAGMAs, about 0.6 ms each time) without piling up.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": env_str("SQLITE_TEST_NAME") or None},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, jobs, channel layer ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Pub/sub: a group send is one PUBLISH (the list layer runs four commands and a script
    # per send); sockets carry hints only, so nothing needs Redis to keep undelivered events.
    # See docs/decisions/0002-chat-pubsub-channel-layer.md.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("HUEY_NAME", "beacon"),
        "url": REDIS_URL,
        "immediate": TESTING and not env_bool("HUEY_REAL", default=False),
        "results": False,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        # huey.SqliteHuey with synchronous=NORMAL, like the database (beacon/core/huey_sqlite.py).
        "huey_class": "beacon.core.huey_sqlite.BeaconSqliteHuey",
        "name": "beacon",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": TESTING and not env_bool("HUEY_REAL", default=False),
        "results": False,
    }

# Rendered template fragments (`{% cache %}`, which uses this alias): parts of pages that
# depend only on the code, the translations and the values the tag varies on (the language, a
# role, the choices of a select), so each process keeps its own, even where REDIS_URL is set:
# nothing to share, and no network round trip for what rendering costs a fraction of a
# millisecond.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# --- Auth --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["beacon.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
MAGIC_LINK_TTL_SECONDS = env_int("MAGIC_LINK_TTL_SECONDS", 900, minimum=60)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

# --- Uploads -----------------------------------------------------------------------------
# Non-file request bodies above this are refused (API JSON included).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_BODY_BYTES", 1_048_576, minimum=10_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 5, minimum=1)
ATTACHMENTS_DIR = DATA_DIR / "attachments"

# --- i18n --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")

# --- Static ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Project-wide static files (beacon/static) sit outside any app, so the finders need telling.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(ATTACHMENTS_DIR)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Email -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Beacon Support <support@beacon.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMTP_HOST = env_str("SMTP_HOST")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("SMTP_PORT", 587),
                "username": env_str("SMTP_USER"),
                "password": env_str("SMTP_PASSWORD"),
                "use_tls": env_bool("SMTP_STARTTLS", default=True),
                "timeout": env_int("SMTP_TIMEOUT", 20),
            },
        }
    }
else:
    # Without SMTP, mail is written to files that an operator (and the demo) can read.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "outbox-mail")},
        }
    }

# --- Email intake (beacon/intake/email, docs/email.md) -----------------------------------
EMAIL_MAX_MESSAGE_BYTES = env_int("EMAIL_MAX_MESSAGE_BYTES", 26_214_400, minimum=10_000)
# authserv-ids of the receiving MTAs whose Authentication-Results headers are believed.
EMAIL_TRUSTED_AUTHSERV_IDS = env_list("EMAIL_TRUSTED_AUTHSERV_IDS", [])
EMAIL_AUTO_REPLY_LIMIT = env_int("EMAIL_AUTO_REPLY_LIMIT", 3, minimum=0)
EMAIL_DEFAULT_CATEGORY = env_str("EMAIL_DEFAULT_CATEGORY", "other")
EMAIL_IMAP_TIMEOUT = env_int("EMAIL_IMAP_TIMEOUT", 30, minimum=1)
EMAIL_IMAP_BATCH = env_int("EMAIL_IMAP_BATCH", 200, minimum=1)

# --- API ---------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 100
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 30, minimum=0)
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, minimum=1)

# --- Tickets -----------------------------------------------------------------------------
REOPEN_WINDOW_DAYS = env_int("REOPEN_WINDOW_DAYS", 7, minimum=0)
# At most this many participants (copied addresses) per ticket.
TICKET_PARTICIPANTS_MAX = env_int("TICKET_PARTICIPANTS_MAX", 10, minimum=0)

# --- Notifications and webhooks ---------------------------------------------------------
# The outbox (beacon/notifications): a row per notice, delivered at least once by the worker.
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
NOTIFY_BACKOFF_SECONDS = env_int("NOTIFY_BACKOFF_SECONDS", 30, minimum=1)
# A claimed row is leased this long; keep it well above the slowest send (HTTP timeouts).
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 300, minimum=1)
NOTIFY_CLAIM_BATCH = env_int("NOTIFY_CLAIM_BATCH", 10, minimum=1)
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10, minimum=1)
SMS_BACKEND = env_str("SMS_BACKEND", "file")  # console, file or http
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN")
PUSH_BACKEND = env_str("PUSH_BACKEND", "file")  # console, file or http
PUSH_GATEWAY_URL = env_str("PUSH_GATEWAY_URL")
PUSH_GATEWAY_TOKEN = env_str("PUSH_GATEWAY_TOKEN")
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 10, minimum=1)
for _name, _backend, _url in (
    ("SMS_BACKEND", SMS_BACKEND, SMS_GATEWAY_URL),
    ("PUSH_BACKEND", PUSH_BACKEND, PUSH_GATEWAY_URL),
):
    if _backend not in {"console", "file", "http"}:
        raise ImproperlyConfigured(
            f"{_name} must be console, file or http (got {_backend!r})."
        )
    if _backend == "http" and not _url.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"{_name}=http needs {_name.split('_')[0]}_GATEWAY_URL (an http:// or https:// URL)."
        )

# --- Help center ------------------------------------------------------------------------
# Sentence encoders fused with BM25 in knowledge-base search (empty: BM25 only).
KB_ENCODERS = env_list("KB_ENCODERS", ["use", "minilm"])

# --- SLA -------------------------------------------------------------------------------
SLA_WARNING_SHARE = env_int("SLA_WARNING_PERCENT", 75, minimum=1) / 100

# --- Triage ----------------------------------------------------------------------------
# Off in tests unless a test turns it on (its models are trained once per test session).
TRIAGE_ENABLED = env_bool("TRIAGE_ENABLED", default=not TESTING)
TRIAGE_MODELS_DIR = env_path("TRIAGE_MODELS_DIR", DATA_DIR / "models")
# The category customers get when they (or their channel: email, API, chat) named none.
TRIAGE_GENERIC_CATEGORY = env_str("TRIAGE_GENERIC_CATEGORY", "other")
# Least calibrated confidence (percent) at which a predicted category is applied.
TRIAGE_APPLY_CONFIDENCE = env_int("TRIAGE_APPLY_CONFIDENCE", 60, minimum=1) / 100
# Languages triage chooses from (Django codes); default: the deployment's UI languages.
TRIAGE_LANGUAGES = env_list("TRIAGE_LANGUAGES", [code for code, _label in LANGUAGES])
TRIAGE_RETRAIN_AFTER_CORRECTIONS = env_int(
    "TRIAGE_RETRAIN_AFTER_CORRECTIONS", 50, minimum=1
)
TRIAGE_CLUSTER_WINDOW_MINUTES = env_int("TRIAGE_CLUSTER_WINDOW_MINUTES", 60, minimum=1)
TRIAGE_CLUSTER_MIN_SIZE = env_int("TRIAGE_CLUSTER_MIN_SIZE", 5, minimum=2)
TRIAGE_CLUSTER_SIMILARITY = (
    env_int("TRIAGE_CLUSTER_SIMILARITY_PERCENT", 45, minimum=1) / 100
)

# --- Live chat (docs/chat.md) ------------------------------------------------------------
# Shared secret the exchange signs its users' chat tokens with (HS256); empty: guests only.
CHAT_TOKEN_SECRET = env_str("CHAT_TOKEN_SECRET")
if CHAT_TOKEN_SECRET and len(CHAT_TOKEN_SECRET) < 32:
    raise ImproperlyConfigured(
        "CHAT_TOKEN_SECRET is shorter than 32 characters. Use a long random value."
    )
CHAT_TOKEN_ISSUER = env_str("CHAT_TOKEN_ISSUER")
CHAT_TOKEN_MAX_AGE = env_int("CHAT_TOKEN_MAX_AGE", 3600, minimum=60)
CHAT_SESSION_MAX_AGE = env_int("CHAT_SESSION_MAX_AGE", 86_400, minimum=300)
# Sites allowed to embed the chat widget's frame (CSP frame-ancestors), e.g. https://www.example.com
CHAT_WIDGET_ORIGINS = env_list("CHAT_WIDGET_ORIGINS", [])
CHAT_BACKOFFICE_ADAPTER = env_str(
    "CHAT_BACKOFFICE_ADAPTER", "beacon.chat.backoffice.DemoBackOffice"
)
CHAT_INTENT_MODEL = env_str("CHAT_INTENT_MODEL")
CHAT_DEFAULT_TEAM = env_str("CHAT_DEFAULT_TEAM", "tech-support")
CHAT_MAX_PER_AGENT = env_int("CHAT_MAX_PER_AGENT", 4, minimum=1)
CHAT_QUEUE_TIMEOUT_SECONDS = env_int("CHAT_QUEUE_TIMEOUT_SECONDS", 900, minimum=30)
CHAT_QUEUE_WHEN_OFFLINE = env_bool("CHAT_QUEUE_WHEN_OFFLINE", default=False)
CHAT_RATE_PER_SECOND = env_int("CHAT_RATE_PER_10S", 10, minimum=1) / 10
CHAT_RATE_BURST = env_int("CHAT_RATE_BURST", 8, minimum=1)
CHAT_RATE_PER_MINUTE = env_int("CHAT_RATE_PER_MINUTE", 40, minimum=1)
# The assistant answers from an article at this calibrated confidence (percent) or above, asks
# which one when the runner-up is within the margin, and overrides an out-of-scope verdict only
# above the last one.
CHAT_ANSWER_CONFIDENCE = env_int("CHAT_ANSWER_CONFIDENCE", 50, minimum=0) / 100
CHAT_CLARIFY_MARGIN = env_int("CHAT_CLARIFY_MARGIN", 10, minimum=0) / 100
CHAT_OOS_OVERRIDE_CONFIDENCE = (
    env_int("CHAT_OOS_OVERRIDE_CONFIDENCE", 85, minimum=0) / 100
)
CHAT_HANDOFF_CONFIDENCE = env_int("CHAT_HANDOFF_CONFIDENCE", 0, minimum=0) / 100

# --- Logging -----------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    # Seed phrases, keys, passwords and 2FA codes never reach a log line (beacon/triage/logs.py).
    "filters": {"mask_secrets": {"()": "beacon.triage.logs.SecretMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # The Huey consumer logs through a handler of its own: without this, every line twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}
