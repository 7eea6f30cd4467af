"""Writing the audit trail. Called by services inside their transaction."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from . import bulk
from .client_ip import client_ip
from .ids import new_public_id
from .models import AuditEvent, Membership, Platform


def audit_fields(
    *,
    actor: Membership | None,
    action: str,
    platform: Platform | None = None,
    obj: Model | None = None,
    account_public_id: str = "",
    livemode: bool = True,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_meta: dict[str, Any] | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str = "",
) -> dict[str, Any]:
    """The columns of one audit event. `obj`, or `object_type` and `object_id` for an object given
    by its id alone (the sweeps' accounts)."""
    meta = request_meta or {}
    platform = platform or actor.platform  # type: ignore[union-attr]
    if obj is not None:
        object_type, object_id = obj._meta.model_name, getattr(obj, "public_id", "")
    return {
        "platform": platform,
        "actor": actor,
        "actor_label": actor_label or (actor.user.email if actor else "system"),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "account_public_id": account_public_id,
        "livemode": livemode,
        "before": before or {},
        "after": after or {},
        "view_as_account": meta.get("view_as_account", ""),
        "ip": meta.get("ip"),
        "request_id": meta.get("request_id", ""),
    }


def request_meta(request: HttpRequest | None) -> dict:
    """What an audit event records about the request."""
    return {
        "ip": client_ip(request),
        "request_id": getattr(request, "request_id", ""),
        "view_as_account": "",
    }


def record_audit(**kwargs: Any) -> AuditEvent:
    """Write one immutable audit event. `actor=None` means the system (tasks) or provider staff.
    Takes the arguments of `audit_fields`."""
    return AuditEvent.objects.create(**audit_fields(**kwargs))


def record_audits(events: Iterable[dict[str, Any]]) -> int:
    """Write many audit events at once (the sweeps write one per account of a batch, a thousand
    per transaction). Each item holds the arguments of `audit_fields`. Returns how many."""
    now = timezone.now()
    prefix = AuditEvent._meta.get_field("public_id").prefix
    rows, names = [], ()
    for kwargs in events:
        fields = audit_fields(**kwargs)
        names = tuple(fields)
        rows.append(tuple(_column_value(fields[name]) for name in names) + (new_public_id(prefix), now))
    bulk.insert_rows(AuditEvent, (*names, "public_id", "created_at"), rows)
    return len(rows)


def _column_value(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value  # a foreign key by its id
