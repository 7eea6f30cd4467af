"""Writes on connected accounts. Each service checks the actor's role, runs in one transaction,
writes an audit event, and tells lower apps through accounts.hooks when account data changed."""

from django.db import transaction
from django.utils import timezone

from .models import Capability, Connection
from .status import derive_status, facts_of


def refresh_status(connection: Connection, *, now=None) -> str:
    """Recompute and store the status badge from the connection's facts; returns the status.

    Call inside the transaction that changed the facts (capabilities, requirement summary,
    lifecycle). Writes only when the badge changed.
    """
    capabilities = list(Capability.objects.filter(connection=connection).only("name", "requested", "status"))
    status = derive_status(facts_of(connection, capabilities), now=now or timezone.now())
    if status != connection.status:
        Connection.objects.filter(pk=connection.pk).update(status=status)
        connection.status = status
    return status


@transaction.atomic
def refresh_statuses(connection_ids: list[int]) -> int:
    """Recompute several badges (used by sweeps); returns how many changed."""
    changed = 0
    for connection in Connection.objects.filter(pk__in=connection_ids):
        before = connection.status
        if refresh_status(connection) != before:
            changed += 1
    return changed
