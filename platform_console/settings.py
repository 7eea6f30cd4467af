"""Settings read from the environment.

Defaults give the embedded set-up that `make run` uses: SQLite and Celery tasks run
in-process. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis. No secret has a
default that works with DEBUG off.
"""

from datetime import timedelta
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
    "django.contrib.admin",
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
    "axes",
    "platform_console",
    "accounts",
    "requirements_engine",
    "money",
    "support_cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
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
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTH_USER_MODEL = "platform_console.User"
AUTHENTICATION_BACKENDS = [
    # django-axes counts failed sign-ins and refuses locked-out ones before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one email from one
# address, that pair is locked out for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Our login form posts the email as "username" (AuthenticationForm), not as the model's "email".
AXES_USERNAME_FORM_FIELD = "username"
# Emails are case-insensitive: "ADA@x" and "ada@x" share one failure counter.
AXES_USERNAME_CALLABLE = "platform_console.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "platform_console.security.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = True

# Money movement and account removal ask for the password again when the last authentication
# is older than this (seconds).
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=600)
OTP_TOTP_ISSUER = "Platform Console"

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

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent_emails"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Platform Console <console@localhost>")

# Celery: with no REDIS_URL every task runs eagerly in-process (the embedded mode).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
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
# domain.md §7.9, e.g. PAYOUT_MINIMUM_DELAY_DAYS="default=2,JP=4".
PAYOUT_MINIMUM_DELAY_DAYS = {"default": 2, **{k.upper() if k != "default" else k: int(v) for k, v in env.dict(
    "PAYOUT_MINIMUM_DELAY_DAYS", default={}).items()}}
# Demo logins with the password "demo" exist only for local development.
CONSOLE_ALLOW_DEMO_SEED = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_bearer_links": {"()": "platform_console.logging.RedactBearerLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_bearer_links"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["redact_bearer_links"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
