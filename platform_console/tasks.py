"""Celery tasks of the core: sending the outbox. Thin: they take ids and call platform_console.outbox."""

from celery import shared_task

from . import outbox, security
from .celery import enqueue


# No Celery retry: a failed attempt schedules the next one on the row (outbox.retry_delay), and
# only the re-dispatch below starts it. A retry chain here would run beside that schedule.
@shared_task(acks_late=True)
def dispatch_outbox_email(email_id: int) -> str:
    return outbox.send(email_id)


@shared_task(acks_late=True)
def redispatch_pending_emails() -> int:
    """Periodic (every minute): emails whose next attempt has come, and those a dead worker held."""
    outbox.release_lapsed_claims()
    ids = outbox.due_ids()
    for email_id in ids:
        enqueue(dispatch_outbox_email, email_id)
    return len(ids)


@shared_task(acks_late=True)
def prune_security_records() -> dict:
    """Daily: the security log is kept SECURITY_LOG_DAYS, listed sessions as long as a session lives."""
    return security.prune_records()


@shared_task(acks_late=True)
def run_export(job_id: int) -> str:
    """Write one long CSV export (platform_console/exports.py); safe to run again."""
    from . import exports

    return exports.run(job_id)


@shared_task(acks_late=True)
def prune_exports() -> int:
    from . import exports

    return exports.prune()
