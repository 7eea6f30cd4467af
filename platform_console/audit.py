"""Writing the audit trail. Called by services inside their transaction."""

from typing import Any

from django.db.models import Model

from .models import AuditEvent, Membership, Platform


def record_audit(
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
) -> AuditEvent:
    """Write one immutable audit event. `actor=None` means the system (tasks) or provider staff."""
    meta = request_meta or {}
    platform = platform or actor.platform  # type: ignore[union-attr]
    return AuditEvent.objects.create(
        platform=platform,
        actor=actor,
        actor_label=actor_label or (actor.user.email if actor else "system"),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=getattr(obj, "public_id", "") if obj is not None else "",
        account_public_id=account_public_id,
        livemode=livemode,
        before=before or {},
        after=after or {},
        view_as_account=meta.get("view_as_account", ""),
        ip=meta.get("ip"),
        request_id=meta.get("request_id", ""),
    )
