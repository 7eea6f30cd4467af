"""Publishing a task after the commit is best-effort: whatever the broker raises, the request that
committed the change answers normally, and the outbox row waits for the re-dispatch."""

import logging

import pytest
from celery.app.task import Task
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Connection
from platform_console.celery import enqueue
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import dispatch_outbox_email, redispatch_pending_emails

pytestmark = pytest.mark.django_db
TEMPLATE = "accounts/email/account_connected"
CONTEXT = {"account_name": "Acme", "account_id": "acct_1", "platform_name": "Rocket Rides"}

BROKER_ERRORS = [
    # What Redis' result backend raised after 19 s of reconnecting.
    RuntimeError("Retry limit exceeded while trying to reconnect to the Celery redis result store backend."),
    OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    TimeoutError("timed out"),
]


@pytest.fixture(params=BROKER_ERRORS, ids=lambda error: type(error).__name__)
def broken_broker(request, monkeypatch):
    def publish(self, *args, **kwargs):
        raise request.param

    monkeypatch.setattr(Task, "apply_async", publish)
    return monkeypatch


def test_enqueue_logs_the_error_and_says_the_task_was_not_queued(broken_broker, caplog):
    with caplog.at_level(logging.WARNING, logger="platform_console.celery"):
        assert enqueue(dispatch_outbox_email, 1) is False
    assert "Could not queue platform_console.tasks.dispatch_outbox_email(1,)" in caplog.text


def test_enqueue_says_the_task_was_queued():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert enqueue(dispatch_outbox_email, email.pk) is True
    assert len(mail.outbox) == 1  # eager in tests: queued means run


def test_an_email_queued_while_the_broker_fails_waits_for_the_redispatch(broken_broker, run_on_commit):
    with run_on_commit():
        queue_email(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert OutboxEmail.objects.get().status == "pending" and mail.outbox == []

    broken_broker.undo()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())  # a minute later
    redispatch_pending_emails()
    assert OutboxEmail.objects.get().status == "sent" and len(mail.outbox) == 1


def test_creating_an_account_while_the_broker_fails_answers_normally(broken_broker, operator_client, admin,
                                                                   run_on_commit):
    form = {"dashboard_type": "express", "country": "US", "email": "holder@acme.example",
            "capabilities": ["card_payments", "transfers"], "business_type": "", "metadata": ""}
    with run_on_commit():
        response = operator_client(admin).post(reverse("accounts:create"), form, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "/onboard/" in response.content.decode()  # the link, shown once
    assert Connection.objects.count() == 1 and OutboxEmail.objects.get().status == "pending"


def test_the_redispatch_goes_on_past_a_failed_publish(broken_broker):
    OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    OutboxEmail.objects.create(to="c@d.example", template=TEMPLATE, context=CONTEXT)
    assert redispatch_pending_emails() == 2
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"pending"}
