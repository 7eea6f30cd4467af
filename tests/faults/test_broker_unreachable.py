"""Redis is unreachable while operators work: every action that queues work after its commit
answers at once, its change and its email are kept, and the email goes out once Redis is back."""

import time

import pytest
from django.utils import timezone

from platform_console.models import OutboxEmail
from platform_console.tasks import redispatch_pending_emails
from requirements_engine.models import FieldVerification

from .conftest import ACTIONS, TASK_ACTIONS, wait_until


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS)
def test_the_action_answers_at_once_and_keeps_what_it_queued(act, unreachable_broker, run_on_commit, name):
    started = time.monotonic()
    with run_on_commit():  # the publishing happens here, after the commit, as in production
        response = act(name)
    elapsed = time.monotonic() - started
    assert response.status_code < 400, response.content.decode()[:500]
    assert elapsed < 3, f"{name} took {elapsed:.1f} s"
    if name in TASK_ACTIONS:
        check = FieldVerification.objects.get(path__endswith=".dob")
        assert check.status == "pending" and check.resolves_at
    else:
        assert OutboxEmail.objects.get().status == OutboxEmail.Status.PENDING


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_what_was_queued_while_the_broker_was_down_is_sent_once_when_it_is_back(act, start_worker, broker_gate,
                                                                               smtp_sink):
    broker_gate.stop()
    for name in ACTIONS:
        assert act(name).status_code < 400
    emails = OutboxEmail.objects.all()
    assert emails.count() == len(ACTIONS) - len(TASK_ACTIONS)
    assert set(emails.values_list("status", flat=True)) == {OutboxEmail.Status.PENDING}

    broker_gate.start()
    start_worker()
    emails.update(next_attempt_at=timezone.now())  # as if the beat's next minute had come
    redispatch_pending_emails()
    wait_until(lambda: not emails.exclude(status=OutboxEmail.Status.SENT).exists(), what="every email sent")
    assert sorted(smtp_sink.message_ids()) == sorted({m for m in smtp_sink.message_ids()})  # each once
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(emails.values_list("to", flat=True))
