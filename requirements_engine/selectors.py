"""Reads of the requirements engine, ready to render, in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime

from django.urls import reverse

from accounts.models import Connection

from . import labels
from .models import InformationRequest, Requirement

RANKS = {
    Requirement.Group.PAST_DUE: 2,
    Requirement.Group.CURRENTLY_DUE: 3,
    Requirement.Group.FUTURE: 4,
    Requirement.Group.EVENTUALLY_DUE: 5,
}
TONES = {
    Requirement.Group.PAST_DUE: "danger",
    Requirement.Group.CURRENTLY_DUE: "warning",
    Requirement.Group.FUTURE: "info",
    Requirement.Group.EVENTUALLY_DUE: "neutral",
    Requirement.Group.PENDING_VERIFICATION: "info",
}
# An information request's badge: red only while the platform must act.
REQUEST_TONES = {"open": "danger", "submitted": "info", "under_review": "info", "resolved": "success",
                 "rejected": "danger", "expired": "neutral"}


@dataclass
class Entry:
    rank: int
    title: str
    status: str
    tone: str
    due: datetime | None
    capabilities: list[str]
    url: str
    key: str  # field path or ireq_ id, the last tie-breaker
    error: str = ""
    testid: str = field(default="action-entry")

    def sort_key(self):
        # domain.md §5: rank; then earlier due date first (no date last); more capabilities first; path.
        return (self.rank, self.due is None, self.due or datetime.max, -len(self.capabilities), self.key)


def actions_required(connection: Connection) -> tuple[list[Entry], list[Entry]]:
    """(the Actions required entries in order, the fields only in review). Two or three queries."""
    account_id = connection.account.public_id
    requests = InformationRequest.objects.filter(connection=connection, status__in=InformationRequest.OPEN_STATES)
    entries = [
        Entry(
            rank=1, title=r.title, status=r.get_status_display(), tone=REQUEST_TONES.get(r.status, "info"), due=r.due_at,
            capabilities=[labels.capability_label(c) for c in r.affected_capabilities],
            url=reverse("requirements_engine:request", args=[account_id, r.public_id]), key=r.public_id,
        )
        for r in requests
    ]
    rows = list(Requirement.objects.filter(connection=connection))
    names = labels.person_names(connection)  # always one query, however many persons are named
    in_review = []
    for row in rows:
        entry = Entry(
            rank=RANKS.get(row.group, 9), title=labels.title(row.path, names=names), status=row.get_group_display(),
            tone=TONES[row.group], due=row.deadline, capabilities=[labels.capability_label(c) for c in row.capabilities],
            url=reverse("requirements_engine:requirement", args=[account_id, row.path]), key=row.path,
            error=labels.error_label(row.error_code),
        )
        if row.group == Requirement.Group.PENDING_VERIFICATION:
            in_review.append(entry)
        else:
            entries.append(entry)
    return sorted(entries, key=Entry.sort_key), sorted(in_review, key=lambda e: e.key)


def requirement(connection: Connection, path: str) -> Requirement | None:
    return Requirement.objects.filter(connection=connection, path=path).first()


def information_request(connection: Connection, public_id: str) -> InformationRequest | None:
    return InformationRequest.objects.filter(connection=connection, public_id=public_id).first()


def outstanding_paths(connection: Connection) -> list[Requirement]:
    """What a remediation link asks for: current and future requirements, not those in review."""
    return list(
        Requirement.objects.filter(connection=connection)
        .exclude(group=Requirement.Group.PENDING_VERIFICATION)
        .order_by("path")
    )
