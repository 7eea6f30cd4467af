"""A worker is killed (SIGKILL) while the mail server holds its answer to a message it already
has. Nothing is lost; the one email in flight is sent again once its claim lapses, and only it,
with the same Message-ID, so the receiving side can drop the copy."""

from collections import Counter

import pytest
from django.db import transaction

from platform_console import outbox
from platform_console.models import OutboxEmail
from platform_console.outbox import queue_email
from platform_console.tasks import redispatch_pending_emails

from .conftest import wait_until

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
RECIPIENTS = [f"holder{n}@acme.example" for n in range(6)]


def test_a_worker_killed_mid_send_loses_nothing_and_sends_one_email_twice_at_most(start_worker, smtp_sink):
    smtp_sink.slow.set()
    worker = start_worker()
    with transaction.atomic():
        for to in RECIPIENTS:
            queue_email(to=to, template="accounts/email/account_connected",
                        context={"account_name": "Bob's <Bakery>", "account_id": "acct_1", "platform_name": "Rocket"})
    wait_until(smtp_sink.received.is_set, what="the server to have the first message")
    worker.kill()
    in_flight = OutboxEmail.objects.get(status=OutboxEmail.Status.SENDING)

    smtp_sink.release()
    start_worker()
    emails = OutboxEmail.objects.all()
    wait_until(lambda: emails.filter(status=OutboxEmail.Status.SENT).count() == len(RECIPIENTS) - 1,
               what="the emails still queued to be sent by the new worker")
    # Nobody renews the dead worker's lease: it lapses (waited for here, a short lease).
    wait_until(lambda: outbox.release_lapsed_claims() == 1, what="the dead worker's lease to lapse",
               timeout=outbox.lease().total_seconds() + 15)
    redispatch_pending_emails()
    wait_until(lambda: not emails.exclude(status=OutboxEmail.Status.SENT).exists(), what="every email sent")

    copies = Counter(smtp_sink.message_ids())
    assert set(copies) == {outbox.message_id(email) for email in emails}  # none lost
    assert copies.pop(outbox.message_id(in_flight)) == 2 and set(copies.values()) == {1}
