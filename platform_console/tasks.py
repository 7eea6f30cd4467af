"""Celery tasks of the core: sending the outbox. Thin: they take ids and call platform_console.outbox."""

from celery import shared_task

from . import outbox


@shared_task(bind=True, acks_late=True, max_retries=outbox.MAX_ATTEMPTS, retry_backoff=True, retry_backoff_max=600)
def dispatch_outbox_email(self, email_id: int) -> str:
    email = outbox.claim(email_id)
    if email is None:
        return "skipped"  # already sent, given up, or being sent by another worker
    try:
        outbox.send_claimed(email)
    except Exception as error:  # any transport error: retry with back-off
        if self.request.is_eager:
            return "failed"  # in-process mode: the periodic re-dispatch retries it
        raise self.retry(exc=error, countdown=min(600, 2 ** self.request.retries * 5)) from error
    return "sent"


@shared_task(acks_late=True)
def redispatch_pending_emails() -> int:
    """Periodic: send whatever is still pending (a broker outage, a lost task, a dead worker)."""
    ids = outbox.pending_ids()
    for email_id in ids:
        dispatch_outbox_email.delay(email_id)
    return len(ids)
