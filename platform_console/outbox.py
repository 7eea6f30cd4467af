"""Queue emails in the business transaction; send them from a Celery task after the commit."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from .models import OutboxEmail, Platform

logger = logging.getLogger(__name__)

# A row claimed this long ago whose worker never finished (it died) may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def queue_email(*, to: str, template: str, context: dict, platform: Platform | None = None) -> OutboxEmail:
    """Write the email to the outbox and dispatch it once the surrounding transaction commits."""
    email = OutboxEmail.objects.create(platform=platform, to=to, template=template, context=context)
    transaction.on_commit(lambda: _dispatch_later(email.pk))
    return email


def _dispatch_later(email_id: int) -> None:
    from .tasks import dispatch_outbox_email  # the task module imports this one

    try:
        dispatch_outbox_email.delay(email_id)
    except BrokerUnavailable:
        # The row is committed: the periodic re-dispatch sends it once the broker is back.
        logger.warning("Broker unavailable; outbox email %s waits for re-dispatch", email_id)


def render_email(email: OutboxEmail) -> tuple[str, str, str]:
    context = {**email.context, "site_url": settings.CONSOLE_SITE_URL}
    subject = render_to_string(f"{email.template}_subject.txt", context).strip()
    text = render_to_string(f"{email.template}.txt", context)
    html = render_to_string(f"{email.template}.html", context)
    return " ".join(subject.split()), text, html


def claim(email_id: int) -> OutboxEmail | None:
    """Take the row for sending, or None if it is sent, failed, or another worker has it."""
    now = timezone.now()
    claimable = OutboxEmail.objects.filter(pk=email_id, status=OutboxEmail.Status.PENDING) | OutboxEmail.objects.filter(
        pk=email_id, status=OutboxEmail.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    if claimable.update(status=OutboxEmail.Status.SENDING, claimed_at=now) != 1:
        return None
    return OutboxEmail.objects.get(pk=email_id)


def send_claimed(email: OutboxEmail) -> None:
    """Send a claimed email; on failure put it back to pending (or failed after the last attempt)
    and re-raise so the task retries with back-off."""
    try:
        subject, text, html = render_email(email)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[email.to])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception as error:
        attempts = email.attempts + 1
        status = OutboxEmail.Status.FAILED if attempts >= MAX_ATTEMPTS else OutboxEmail.Status.PENDING
        OutboxEmail.objects.filter(pk=email.pk).update(
            status=status, attempts=attempts, last_error=repr(error)[:2000], claimed_at=None
        )
        raise
    # The bearer link has done its job: do not keep it in the database.
    OutboxEmail.objects.filter(pk=email.pk).update(
        status=OutboxEmail.Status.SENT, attempts=email.attempts + 1, sent_at=timezone.now(), subject=subject,
        context={key: value for key, value in email.context.items() if key != "url"}, last_error="",
    )


def pending_ids(older_than: timedelta = timedelta(seconds=30)) -> list[int]:
    cutoff = timezone.now() - older_than
    stale_claim = timezone.now() - CLAIM_TIMEOUT
    return list(
        (
            OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING, created_at__lt=cutoff)
            | OutboxEmail.objects.filter(status=OutboxEmail.Status.SENDING, claimed_at__lt=stale_claim)
        ).values_list("pk", flat=True)[:500]
    )
