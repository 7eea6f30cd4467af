"""Settings read from the environment.

Defaults give the embedded set-up that `make run` uses: SQLite and Celery tasks run
in-process. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis. No secret has a
default that works with DEBUG off.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so that its management commands (createsuperuser) stand in for Django's own.
    "platform_console",
    "platform_console.apps.BackofficeConfig",  # Django's admin with two-step sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "requirements_engine",
    "money",
    "support_cases",
]
if os.environ.get("CONSOLE_BENCH") == "1":  # `manage.py bench` (tests/perf/bench), never in production
    INSTALLED_APPS.append("tests.perf.bench")

MIDDLEWARE = [
    # First: times the whole request, gives it its id, logs one line, maps a cancelled query.
    "platform_console.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before sessions and views: refuses control characters (NUL) in URLs and forms, and sets
    # Permissions-Policy and Cache-Control: no-store on every private page.
    "platform_console.edge.EdgeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "platform_console.middleware.OperatorContextMiddleware",
    "accounts.view_as.ViewAsMiddleware",
    "accounts.middleware.AccountRemovedMiddleware",
]

ROOT_URLCONF = "platform_console.urls"
WSGI_APPLICATION = "platform_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "platform_console.context_processors.console",
            ],
        },
    },
]

# Said once at start (apps.py logs them): what this process runs on that production should not.
STARTUP_WARNINGS: list[str] = []

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Web requests may not hold a worker on one slow query: PostgreSQL cancels any statement of a
    # web process after this long (the error page says so). Workers, sweeps and the benchmark
    # loader are not web processes (wsgi.py marks the web process).
    DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=5000)
    if os.environ.get("CONSOLE_PROCESS") == "web" and DB_STATEMENT_TIMEOUT_MS > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
elif not DEBUG:
    # SQLite ignores row locks: money movement is only safe on PostgreSQL.
    if not env.bool("CONSOLE_ALLOW_SQLITE", default=False):
        raise ImproperlyConfigured("Without DEBUG the console needs PostgreSQL: set DATABASE_URL=postgres://… "
                                   "(or CONSOLE_ALLOW_SQLITE=1 for a single-machine trial).")
    STARTUP_WARNINGS.append("Running on SQLite (CONSOLE_ALLOW_SQLITE=1): row locks are ignored; not for production.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTH_USER_MODEL = "platform_console.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Content-Security-Policy (Django's own middleware): only our own scripts, styles and images, no
# inline code anywhere (htmx is configured through a <meta> tag, its indicator styles are off).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Sign-in throttling (platform_console/throttle.py): an address is refused after this many failed
# tries inside the window; an email gets delays doubling up to SIGN_IN_ACCOUNT_MAX_DELAY seconds
# after its free failures, never a lockout.
SIGN_IN_WINDOW_MINUTES = env.int("SIGN_IN_WINDOW_MINUTES", default=15)
SIGN_IN_ADDRESS_LIMIT = env.int("SIGN_IN_ADDRESS_LIMIT", default=10)
SIGN_IN_ACCOUNT_FREE_FAILURES = env.int("SIGN_IN_ACCOUNT_FREE_FAILURES", default=5)
SIGN_IN_ACCOUNT_MAX_DELAY = env.int("SIGN_IN_ACCOUNT_MAX_DELAY", default=60)
# django-otp's own per-device throttle doubles its delay on every wrong code without limit: anyone
# who knows a member's password could lock their codes for hours. The sign-in throttle above
# (which counts wrong codes too) is used instead.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Sessions end after this long without a request (Administrators sooner), and in any case this
# long after signing in.
SESSION_IDLE_TIMEOUT_ADMIN = env.int("SESSION_IDLE_TIMEOUT_ADMIN", default=30 * 60)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=12 * 3600)
SESSION_LIFETIME = env.int("SESSION_LIFETIME", default=14 * 24 * 3600)
SESSION_COOKIE_AGE = SESSION_LIFETIME
# How long the security log (every sign-in try) is kept.
SECURITY_LOG_DAYS = env.int("SECURITY_LOG_DAYS", default=90)

# Money movement, account removal and team changes ask for the password again when the last
# authentication is older than this (seconds).
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=600)
OTP_TOTP_ISSUER = "Platform Console"
# Staff without an authenticator may sign in to the back office with a password alone only where
# this is on (by default only with DEBUG).
BACKOFFICE_ALLOW_PASSWORD_ONLY = env.bool("BACKOFFICE_ALLOW_PASSWORD_ONLY", default=DEBUG)

# Security: HTTPS-only cookies and HSTS whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe over plain HTTP inside the network: answer them rather than redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The load balancers and proxies in front of the console (CIDRs, e.g. "10.0.0.0/8"): only from
# them is X-Forwarded-For believed (platform_console/client_ip.py). None by default.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent_emails"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# Seconds an SMTP connection or command may wait on a silent server.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# How long a worker's claim on an email holds unless it renews it (it does, every third of this,
# while it sends): if the worker dies, the email is sent again this long after.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=30)
# Or all of the above in one URL: smtp+tls://user:password@smtp.example.com:587 (smtp+ssl:// for 465).
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Platform Console <console@localhost>")

# Celery: with no REDIS_URL every task runs eagerly in-process (the embedded mode).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: nothing reads task results (tasks record what they did in the database), and
# Redis' one made every request that queued an email answer 500 after 19 s while Redis was down.
CELERY_TASK_IGNORE_RESULT = True
# Publishing is best-effort (platform_console.celery.enqueue): one try, no reconnecting loop
# (max_retries), and a Redis that does not answer is given up after 2 s (without socket_timeout a
# hung one holds the request for ever; workers' BRPOP waits only 1 s). The row in the database is
# the truth and beat dispatches it again.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 2, "socket_timeout": 2}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
if CELERY_TASK_ALWAYS_EAGER and not DEBUG:
    # In-process tasks make every email and sweep run inside a web request.
    if not env.bool("CELERY_TASK_ALWAYS_EAGER", default=False):
        raise ImproperlyConfigured("Without DEBUG the console needs a broker: set REDIS_URL=redis://… "
                                   "(or CELERY_TASK_ALWAYS_EAGER=1 for a single-machine trial).")
    STARTUP_WARNINGS.append("Celery tasks run in-process (CELERY_TASK_ALWAYS_EAGER=1): not for production.")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Fixed periodic tasks live here (Celery's static schedule), so beat needs no database
# scheduler; later issues add their entries.
CELERY_BEAT_SCHEDULE: dict = {
    "redispatch-outbox": {"task": "platform_console.tasks.redispatch_pending_emails", "schedule": 60.0},
    # the security log and the list of sessions: what is older than anyone needs.
    "prune-security-records": {"task": "platform_console.tasks.prune_security_records", "schedule": 86400.0},
    "prune-exports": {"task": "platform_console.tasks.prune_exports", "schedule": 86400.0},  # files after 7 days
    # requirements: deadlines hourly, future rules and the 540-day inactivity check daily.
    "requirements-deadline-sweep": {"task": "requirements_engine.tasks.deadline_sweep", "schedule": 3600.0},
    "requirements-promote-future": {"task": "requirements_engine.tasks.promote_future_requirements", "schedule": 86400.0},
    "requirements-inactivity-holds": {"task": "requirements_engine.tasks.hold_inactive_verifications", "schedule": 86400.0},
    # money: live top-ups pending -> available; standard payouts sent and paid; the payout
    # schedule (one payout per account, currency and day however often it runs); the ledger proof.
    "money-settle-topups": {"task": "money.tasks.settle_pending_topups", "schedule": 300.0},
    "money-process-payouts": {"task": "money.tasks.process_payouts", "schedule": 300.0},
    "money-scheduled-payouts": {"task": "money.tasks.run_scheduled_payouts", "schedule": 3600.0},
    "money-check-ledger": {"task": "money.tasks.check_ledger", "schedule": 86400.0},
    "money-prune-idempotency-keys": {"task": "money.tasks.prune_idempotency_keys", "schedule": 3600.0},
}

# The console's own knobs.
CONSOLE_PAGE_SIZE = env.int("CONSOLE_PAGE_SIZE", default=25)
# Counts above this are shown as "1,000+": an exact COUNT(*) over a million rows per page
# view is what makes big lists slow.
CONSOLE_COUNT_CAP = env.int("CONSOLE_COUNT_CAP", default=1000)
# Absolute base of links in emails (onboarding, remediation).
CONSOLE_SITE_URL = env("CONSOLE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where tickets and notes for provider support are emailed.
SUPPORT_INBOX_EMAIL = env("SUPPORT_INBOX_EMAIL", default="support@provider.example")
# Lifetime of the one-time onboarding link emailed to an account holder (domain.md §9).
ONBOARDING_LINK_DAYS = env.int("ONBOARDING_LINK_DAYS", default=7)
# Money (money/). Account-debit fee billed to the platform: basis points of the amount plus a
# fixed amount in minor units per currency, e.g. ACCOUNT_DEBIT_FEE_FIXED="usd=30,eur=25". Zero
# until configured (domain.md §8.6).
ACCOUNT_DEBIT_FEE_BPS = env.int("ACCOUNT_DEBIT_FEE_BPS", default=0)
ACCOUNT_DEBIT_FEE_FIXED = {k.lower(): int(v) for k, v in env.dict("ACCOUNT_DEBIT_FEE_FIXED", default={}).items()}
# Pull funds follows the region rules of domain.md §7.11 behind this flag.
MONEY_ACCOUNT_DEBITS_ENABLED = env.bool("MONEY_ACCOUNT_DEBITS_ENABLED", default=True)
# The version of the account-debit consent text an account holder agrees to.
MONEY_DEBIT_CONSENT_TEXT_VERSION = env("MONEY_DEBIT_CONSENT_TEXT_VERSION", default="2026-01")
# Live top-ups stay pending this many days; standard payouts arrive after this many days.
MONEY_TOPUP_PENDING_DAYS = env.int("MONEY_TOPUP_PENDING_DAYS", default=2)
MONEY_STANDARD_PAYOUT_DAYS = env.int("MONEY_STANDARD_PAYOUT_DAYS", default=2)
# The lowest payout delay per country (days funds are held before the schedule pays them out),
# domain.md §7.9: the per-country minimums are data (accounts/data/fields.json); this overrides them,
# e.g. PAYOUT_MINIMUM_DELAY_DAYS="default=2,JP=4".
PAYOUT_MINIMUM_DELAY_DAYS = {k.upper() if k != "default" else k: int(v) for k, v in env.dict(
    "PAYOUT_MINIMUM_DELAY_DAYS", default={}).items()}
# Demo logins with the password "demo" exist only for local development.
CONSOLE_ALLOW_DEMO_SEED = DEBUG

# Text for a terminal, or one JSON object a line for a log collector (LOG_FORMAT=json). Every
# request gets one line from platform_console.request_log; bearer links are redacted everywhere.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_bearer_links": {"()": "platform_console.logging.RedactBearerLinks"}},
    "formatters": {
        "text": {"()": "platform_console.logging.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "platform_console.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_bearer_links"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["redact_bearer_links"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
