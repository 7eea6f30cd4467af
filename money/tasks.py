"""Celery tasks of money. Thin: they take ids (or nothing), call a service, and are safe to run
twice — every service they call finishes a given payout or top-up at most once."""

import logging

from celery import shared_task

from . import idempotency, ledger, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def settle_pending_topups() -> int:
    """Periodic: live top-ups whose funds are due become available."""
    return services.settle_pending_topups()


@shared_task(acks_late=True)
def settle_topup(topup_id: int) -> bool:
    return services.settle_topup(topup_id=topup_id)


@shared_task(acks_late=True)
def process_payouts() -> dict:
    """Periodic: standard payouts are sent, then paid (or fail) on their arrival date."""
    return services.process_payouts()


@shared_task(acks_late=True)
def settle_payout(payout_id: int) -> str | None:
    return services.settle_payout(payout_id=payout_id)


@shared_task(acks_late=True)
def run_scheduled_payouts() -> int:
    """Periodic: pay out every account whose payout schedule is due today."""
    return services.run_scheduled_payouts()


@shared_task(acks_late=True)
def check_ledger() -> int:
    """Periodic: prove the books. Problems are logged as errors for whoever watches the logs."""
    problems = ledger.check_ledger()
    for problem in problems:
        logger.error("ledger check: %s", problem)
    return len(problems)


@shared_task(acks_late=True)
def prune_idempotency_keys() -> int:
    """Periodic: delete idempotency keys older than a day (money.idempotency.LIFETIME)."""
    return idempotency.prune()
