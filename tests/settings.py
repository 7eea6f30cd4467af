"""Settings for the test suite: the production settings with a test-only secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
# The suite runs with DEBUG off on SQLite and in-process tasks unless DATABASE_URL/REDIS_URL say
# otherwise; production refuses both without these.
os.environ.setdefault("CONSOLE_ALLOW_SQLITE", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("CONSOLE_BENCH", "1")  # the benchmark's own tests (tests/perf)

from platform_console.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# The back-office tests sign staff in with force_login (no second factor); the production rule
# is tested by turning this off (tests/security/test_backoffice_two_factor.py).
BACKOFFICE_ALLOW_PASSWORD_ONLY = True
