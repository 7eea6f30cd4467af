"""Without DEBUG the console starts only on PostgreSQL with a broker, unless a trial says so."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEARED = ("DATABASE_URL", "REDIS_URL", "CONSOLE_ALLOW_SQLITE", "CELERY_TASK_ALWAYS_EAGER", "DEBUG", "CONSOLE_PROCESS",
           "EMAIL_URL", "EMAIL_BACKEND")


def settings_of(code: str, **env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly this environment, and run `code`."""
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    program = "import platform_console.settings as s\n" + code
    return subprocess.run([sys.executable, "-c", program], cwd=ROOT, env={**base, "SECRET_KEY": "x", **env},
                          capture_output=True, text=True, timeout=60, check=False)


SUMMARY = "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.STARTUP_WARNINGS)"


def test_sqlite_is_refused_without_debug():
    result = settings_of(SUMMARY, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode != 0 and "needs PostgreSQL" in result.stderr


def test_in_process_tasks_are_refused_without_debug():
    result = settings_of(SUMMARY, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.returncode != 0 and "needs a broker" in result.stderr


def test_a_single_machine_trial_is_allowed_and_warned_about():
    result = settings_of(SUMMARY, CONSOLE_ALLOW_SQLITE="1", CELERY_TASK_ALWAYS_EAGER="1")
    assert result.returncode == 0, result.stderr
    assert "sqlite3 True" in result.stdout
    assert "Running on SQLite" in result.stdout and "run in-process" in result.stdout


def test_production_settings_need_no_allowance():
    result = settings_of(SUMMARY, DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0 and result.stdout.strip() == "django.db.backends.postgresql False []"


def test_development_keeps_its_defaults():
    result = settings_of(SUMMARY, DEBUG="1")
    assert result.returncode == 0 and "sqlite3 True" in result.stdout


def test_email_url_configures_authenticated_smtp():
    result = settings_of("print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, "
                         "s.EMAIL_USE_TLS, s.EMAIL_BACKEND)",
                         DEBUG="1", EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587")
    assert result.stdout.split() == ["smtp.example.com", "587", "mailer", "s3cret", "True",
                                     "django.core.mail.backends.smtp.EmailBackend"], result.stderr


@pytest.mark.parametrize("process", ["web", ""])
def test_only_web_processes_get_the_statement_timeout(process):
    result = settings_of("print(s.DATABASES['default'].get('OPTIONS', {}).get('options', 'none'))",
                         DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0",
                         CONSOLE_PROCESS=process)
    expected = "-c statement_timeout=5000" if process == "web" else "none"
    assert result.stdout.strip() == expected, result.stderr
