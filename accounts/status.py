"""The status badge of a connected account (domain.md §4.1), decided in this one place.

`derive_status` is a pure function of the facts it is given; `status_of` reads them off a
Connection and its capabilities. The result is persisted on Connection.status so that the list
can filter on it at a million rows; services call `accounts.services.refresh_status` after any
change to those facts.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .field_catalogue import capability
from .models import Capability, Connection

Status = Connection.Status

BADGE_TONES = {
    Status.INVITED: "neutral",
    Status.REJECTED: "danger",
    Status.IN_REVIEW: "info",
    Status.RESTRICTED: "danger",
    Status.RESTRICTED_SOON: "warning",
    Status.ENABLED: "success",
}


@dataclass(frozen=True)
class StatusFacts:
    lifecycle_state: str
    disabled_reason: str = ""
    under_review: bool = False
    pending_verification_count: int = 0
    # (name, requested, status) for each capability of the connection
    capabilities: tuple[tuple[str, bool, str], ...] = ()
    currently_due_count: int = 0
    future_due_count: int = 0
    current_deadline: datetime | None = None


def is_primary(name: str) -> bool:
    """Capabilities whose restriction restricts the account (not individual payment methods)."""
    entry = capability(name)
    return entry is not None and entry.primary


def derive_status(facts: StatusFacts, *, now: datetime) -> str:
    """First match wins, in the order of domain.md §4.1."""
    if facts.lifecycle_state == Connection.Lifecycle.INVITED:
        return Status.INVITED
    reason = facts.disabled_reason
    if facts.lifecycle_state == Connection.Lifecycle.REJECTED or reason.startswith("rejected.") or reason == "listed":
        return Status.REJECTED
    if facts.under_review or reason in ("under_review", "requirements.pending_verification") or (
        facts.pending_verification_count > 0
    ):
        return Status.IN_REVIEW
    for name, requested, capability_status in facts.capabilities:
        if (
            is_primary(name)
            and requested
            and capability_status not in (Capability.Status.ACTIVE, Capability.Status.PENDING)
        ):
            return Status.RESTRICTED
    due = facts.currently_due_count + facts.future_due_count
    if due > 0 and facts.current_deadline is not None and facts.current_deadline > now:
        return Status.RESTRICTED_SOON
    return Status.ENABLED


def facts_of(connection: Connection, capabilities: Iterable[Capability]) -> StatusFacts:
    return StatusFacts(
        lifecycle_state=connection.lifecycle_state,
        disabled_reason=connection.disabled_reason,
        under_review=connection.under_review,
        pending_verification_count=connection.pending_verification_count,
        capabilities=tuple((c.name, c.requested, c.status) for c in capabilities),
        currently_due_count=connection.currently_due_count,
        future_due_count=connection.future_due_count,
        current_deadline=connection.current_deadline,
    )


def tone_of(status: str) -> str:
    return BADGE_TONES.get(status, "neutral")
