"""The mail server is down for a while, then back: the email is attempted on its schedule only,
never given up within it, and delivered exactly once when the server answers again. Time passing
is played by moving `next_attempt_at`, as waiting for it would take hours."""

import pytest
from django.db import transaction
from django.utils import timezone

from platform_console import outbox
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import redispatch_pending_emails

from .conftest import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
LINK = "https://console.example/onboard/secret-token/"


def attempts(email: OutboxEmail) -> int:
    email.refresh_from_db()
    return email.attempts if email.status == OutboxEmail.Status.PENDING else -1


def test_an_smtp_outage_delays_the_email_on_its_schedule_and_it_is_delivered_once(start_worker, smtp_sink):
    smtp_sink.stop()
    start_worker()
    with transaction.atomic():
        email = queue_email(to="holder@acme.example", template="accounts/email/onboarding_link",
                            context={"url": LINK, "platform_name": "Rocket Rides", "days": 7})
    wait_until(lambda: attempts(email) == 1, what="the first attempt")

    for attempt in range(1, 5):
        failed_at = timezone.now()
        waits = (email.next_attempt_at - failed_at).total_seconds()
        assert waits == pytest.approx(outbox.retry_delay(attempt).total_seconds(), abs=5)
        # Beat comes every minute: until the next attempt is due, nothing is attempted.
        assert redispatch_pending_emails() == 0
        OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=failed_at)  # its time has come
        assert redispatch_pending_emails() == 1
        wait_until(lambda n=attempt + 1: attempts(email) == n, what=f"attempt {attempt + 1}")
        assert email.status == OutboxEmail.Status.PENDING and "Connection refused" in email.last_error

    smtp_sink.start()
    OutboxEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    redispatch_pending_emails()
    wait_until(lambda: attempts(email) == -1, what="the delivery")
    assert email.status == OutboxEmail.Status.SENT and email.attempts == 6
    assert redispatch_pending_emails() == 0
    assert [m["To"] for m in smtp_sink.messages] == ["holder@acme.example"]
    assert LINK in smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "url" not in email.context and email.link_erased_at
