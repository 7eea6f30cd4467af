"""A real Celery worker, against Redis, sends an email from the outbox."""

import subprocess
import time
from pathlib import Path

import pytest

from platform_console.celery import app
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from tests.conftest import WORKER_COMMAND, worker_env

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path, settings):
    env = worker_env(settings.DATABASES["default"],
                     EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                     EMAIL_FILE_PATH=str(tmp_path / "mail"))
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(WORKER_COMMAND, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    app.conf.task_always_eager = False
    try:
        yield tmp_path / "mail"
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_real_worker_sends_the_queued_email(worker):
    from django.db import transaction

    with transaction.atomic():
        email = queue_email(to="holder@acme.example", template="accounts/email/onboarding_link",
                            context={"url": "https://x.example/onboard/t/", "platform_name": "Rocket Rides", "days": 7})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == "sent":
            break
        time.sleep(0.25)  # polling a real worker; not a browser test
    assert email.status == "sent"
    files = list(worker.glob("*.log"))
    assert len(files) == 1 and "holder@acme.example" in files[0].read_text()
    assert OutboxEmail.objects.filter(status="sent").count() == 1
