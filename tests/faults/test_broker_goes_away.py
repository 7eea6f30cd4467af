"""Redis goes away after the console and a worker have used it: the connections they hold are
cut. The next action still answers at once, and its email goes out once Redis is back."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import redispatch_pending_emails

from .conftest import wait_until

pytestmark = pytest.mark.celery_worker


def sent(email: OutboxEmail) -> bool:
    email.refresh_from_db()
    return email.status == OutboxEmail.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_an_action_after_the_broker_went_away_answers_at_once_and_its_email_follows(act, start_worker,
                                                                                   broker_gate, smtp_sink):
    start_worker()
    with transaction.atomic():
        before = queue_email(to="first@acme.example", template="accounts/email/account_connected",
                             context={"account_name": "Acme", "account_id": "acct_1", "platform_name": "Rocket"})
    wait_until(lambda: sent(before), what="the email sent while the broker was there")

    broker_gate.stop()
    started = time.monotonic()
    response = act("create account")
    elapsed = time.monotonic() - started
    assert response.status_code < 400 and elapsed < 3, f"{response.status_code} after {elapsed:.1f} s"
    after = OutboxEmail.objects.get(to="holder@acme.example")
    assert after.status == OutboxEmail.Status.PENDING

    broker_gate.start()  # the worker reconnects by itself; the console on its next publish
    OutboxEmail.objects.filter(pk=after.pk).update(next_attempt_at=timezone.now())
    redispatch_pending_emails()
    wait_until(lambda: sent(after), what="the email queued while the broker was away")
    assert sorted(m["To"] for m in smtp_sink.messages) == ["first@acme.example", "holder@acme.example"]


@pytest.mark.django_db
def test_an_action_while_the_broker_stops_answering_gives_up_publishing_within_seconds(act, broker_gate, publish_to,
                                                                                      run_on_commit):
    publish_to(broker_gate.url)
    with run_on_commit():
        act("invite")  # the console now holds a connection to the broker
    broker_gate.frozen.set()
    started = time.monotonic()
    with run_on_commit():
        response = act("create account")
    elapsed = time.monotonic() - started
    assert response.status_code < 400 and elapsed < 4, f"{response.status_code} after {elapsed:.1f} s"
    assert OutboxEmail.objects.get(to="holder@acme.example").status == OutboxEmail.Status.PENDING
