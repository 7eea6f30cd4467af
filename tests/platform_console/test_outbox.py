from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from platform_console import outbox
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import dispatch_outbox_email, redispatch_pending_emails

pytestmark = pytest.mark.django_db
TEMPLATE = "accounts/email/onboarding_link"
CONTEXT = {"url": "https://console.example/onboard/secret-token/", "platform_name": "Rocket Rides", "days": 7}


def test_the_email_is_written_in_the_transaction_and_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_email(to="a@b.example", template=TEMPLATE, context=CONTEXT)
        assert OutboxEmail.objects.get().status == "pending" and mail.outbox == []
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()
    assert len(mail.outbox) == 1 and OutboxEmail.objects.get().status == "sent"


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to="a@b.example", template=TEMPLATE, context=CONTEXT)
        raise RuntimeError("the business change failed")
    assert not OutboxEmail.objects.exists() and mail.outbox == []


def test_the_task_sends_exactly_once():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert dispatch_outbox_email.delay(email.pk).get() == "sent"
    assert dispatch_outbox_email.delay(email.pk).get() == "skipped"
    assert len(mail.outbox) == 1


def test_the_subject_text_and_html_are_rendered():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    dispatch_outbox_email.delay(email.pk)
    message = mail.outbox[0]
    assert message.subject == "Rocket Rides invited you to set up your account"
    assert CONTEXT["url"] in message.body and message.alternatives[0][1] == "text/html"


def test_the_bearer_link_is_not_kept_after_sending():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    dispatch_outbox_email.delay(email.pk)
    email.refresh_from_db()
    assert "url" not in email.context and email.subject and email.sent_at


def test_a_failed_send_is_kept_and_retried_later(monkeypatch):
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT,
                                       created_at=timezone.now() - timedelta(minutes=5))
    real_send = outbox.EmailMultiAlternatives.send

    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", broken)
    assert dispatch_outbox_email.delay(email.pk).get() == "failed"
    email.refresh_from_db()
    assert email.status == "pending" and email.attempts == 1 and "SMTP server down" in email.last_error

    monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", real_send)
    assert redispatch_pending_emails.delay().get() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2 and len(mail.outbox) == 1


def test_a_broker_outage_delays_but_loses_nothing(monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(dispatch_outbox_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert OutboxEmail.objects.get().status == "pending" and mail.outbox == []
    monkeypatch.undo()
    OutboxEmail.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    redispatch_pending_emails.delay()
    assert OutboxEmail.objects.get().status == "sent" and len(mail.outbox) == 1


def test_a_claim_abandoned_by_a_dead_worker_is_taken_again():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending",
                                       claimed_at=timezone.now() - timedelta(minutes=11))
    assert email.pk in outbox.pending_ids()
    dispatch_outbox_email.delay(email.pk)
    assert len(mail.outbox) == 1


def test_a_fresh_claim_is_left_to_its_worker():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending",
                                       claimed_at=timezone.now())
    assert dispatch_outbox_email.delay(email.pk).get() == "skipped" and mail.outbox == []
