"""Celery tasks: thin, idempotent, safe to run twice (acks_late)."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.models import Connection

from . import services, sweeps


@shared_task(acks_late=True)
def deadline_sweep() -> int:
    return sweeps.deadline_sweep()


@shared_task(acks_late=True)
def promote_future_requirements() -> int:
    return sweeps.promote_future_requirements()


@shared_task(acks_late=True)
def hold_inactive_verifications() -> list[int]:
    return list(sweeps.hold_inactive_verifications())


@shared_task(acks_late=True)
def resolve_test_verifications(connection_id: int) -> None:
    """Complete test-mode checks that resolve "asynchronously" (domain.md §10)."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().filter(pk=connection_id).first()
        if connection is not None:
            services.recompute(connection, now=timezone.now())


@shared_task(acks_late=True)
def send_bulk_remediation(job_id: int) -> int:
    """**Send remediation links** for one bulk job: each account exactly once, however often this
    runs (a retried, resumed or concurrent run picks up only what is still pending)."""
    from . import bulk

    return bulk.run(job_id)
