import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from platform_console import outbox
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import dispatch_outbox_email, redispatch_pending_emails

pytestmark = pytest.mark.django_db
TEMPLATE = "accounts/email/onboarding_link"
CONTEXT = {"url": "https://console.example/onboard/secret-token/", "platform_name": "Rocket Rides", "days": 7}


@pytest.fixture
def broken_smtp(monkeypatch):
    """The mail server refuses connections until `broken_smtp.undo()`."""

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(outbox.EmailMultiAlternatives, "send", refuse)
    return monkeypatch


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
    assert "url" not in email.context and email.link_erased_at and email.subject and email.sent_at


def test_a_failed_send_is_kept_and_retried_when_its_next_attempt_is_due(broken_smtp):
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert dispatch_outbox_email.delay(email.pk).get() == "pending"
    email.refresh_from_db()
    assert email.status == "pending" and email.attempts == 1 and "SMTP server down" in email.last_error
    assert email.next_attempt_at > timezone.now()

    broken_smtp.undo()
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    assert redispatch_pending_emails.delay().get() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2 and len(mail.outbox) == 1


def test_a_new_email_is_left_to_the_dispatch_of_its_commit_for_a_while(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        queue_email(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert outbox.due_ids() == []
    OutboxEmail.objects.update(next_attempt_at=timezone.now())
    assert outbox.due_ids() == [OutboxEmail.objects.get().pk]


def test_a_claim_abandoned_by_a_dead_worker_is_taken_again():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending",
                                       attempts=1, claimed_at=timezone.now() - timedelta(minutes=5),
                                       lease_until=timezone.now() - timedelta(seconds=1))
    assert redispatch_pending_emails.delay().get() == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2 and len(mail.outbox) == 1


def test_a_fresh_claim_is_left_to_its_worker():
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending",
                                       attempts=1, claimed_at=timezone.now(), lease_until=timezone.now() + outbox.lease())
    assert redispatch_pending_emails.delay().get() == 0
    assert dispatch_outbox_email.delay(email.pk).get() == "skipped" and mail.outbox == []


# --- the retry schedule: one per email, exponential, capped, longer than a day ---------------------


def test_the_wait_doubles_from_a_minute_up_to_four_hours():
    waits = [outbox.retry_delay(attempts) for attempts in range(1, outbox.MAX_ATTEMPTS)]
    assert waits[:4] == [timedelta(minutes=n) for n in (1, 2, 4, 8)]
    assert max(waits) == waits[-1] == timedelta(hours=4)
    assert waits == sorted(waits)


def test_the_schedule_spans_more_than_a_day():
    span = sum((outbox.retry_delay(attempts) for attempts in range(1, outbox.MAX_ATTEMPTS)), timedelta())
    assert span >= timedelta(hours=24)


def test_every_attempt_follows_the_schedule_and_only_the_last_failure_gives_up(broken_smtp):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
        dispatch_outbox_email(email.pk)
        for attempts in range(1, outbox.MAX_ATTEMPTS):
            email.refresh_from_db()
            assert (email.status, email.attempts) == ("pending", attempts)
            assert email.next_attempt_at == timezone.now() + outbox.retry_delay(attempts)
            clock.move_to(email.next_attempt_at)
            assert redispatch_pending_emails() == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("failed", outbox.MAX_ATTEMPTS)
        assert timezone.now() - start >= timedelta(hours=24)


def test_nothing_is_attempted_before_the_next_attempt_is_due(broken_smtp):
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    dispatch_outbox_email(email.pk)
    with time_machine.travel(timezone.now() + outbox.retry_delay(1) - timedelta(seconds=1)):
        assert redispatch_pending_emails() == 0
        # A task published earlier (a second chain, or a duplicate re-dispatch) does nothing either.
        assert dispatch_outbox_email(email.pk) == "skipped"
    email.refresh_from_db()
    assert email.attempts == 1


def test_the_link_is_erased_when_the_email_is_given_up(broken_smtp):
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT,
                                       attempts=outbox.MAX_ATTEMPTS - 1)
    assert dispatch_outbox_email(email.pk) == "failed"
    email.refresh_from_db()
    assert "url" not in email.context and email.link_erased_at
    assert email.context["platform_name"] == "Rocket Rides"  # what the record needs stays


def test_a_claim_lapsed_on_the_last_attempt_gives_the_email_up():
    lapsed = timezone.now() - timedelta(seconds=1)
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending",
                                       attempts=outbox.MAX_ATTEMPTS, claimed_at=lapsed, lease_until=lapsed)
    assert redispatch_pending_emails() == 0
    email.refresh_from_db()
    assert email.status == "failed" and "url" not in email.context and mail.outbox == []


def test_the_lease_is_short(settings):
    assert outbox.lease() == timedelta(seconds=settings.OUTBOX_LEASE_SECONDS) <= timedelta(minutes=1)


def test_a_claim_from_before_leases_existed_counts_as_lapsed():
    OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT, status="sending", attempts=1,
                               claimed_at=timezone.now(), lease_until=None)
    assert outbox.release_lapsed_claims() == 1


class SlowBackend(BaseEmailBackend):
    """A mail server that takes its time: the sending worker must keep its claim meanwhile."""

    seen_leases: list = []

    def send_messages(self, messages):
        for _ in range(4):
            time.sleep(0.5)
            self.seen_leases.append(OutboxEmail.objects.values_list("lease_until", flat=True).get())
        return len(messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_claim_is_renewed_while_a_slow_send_goes_on(settings):
    settings.OUTBOX_LEASE_SECONDS = 1
    settings.EMAIL_BACKEND = "tests.platform_console.test_outbox.SlowBackend"
    SlowBackend.seen_leases = []
    email = OutboxEmail.objects.create(to="a@b.example", template=TEMPLATE, context=CONTEXT)
    assert outbox.send(email.pk) == "sent"  # two seconds: twice the lease, yet never lapsed
    first = SlowBackend.seen_leases[0]
    assert SlowBackend.seen_leases[-1] > first  # renewed
    assert outbox.release_lapsed_claims() == 0 and OutboxEmail.objects.get().lease_until is None
