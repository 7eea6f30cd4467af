"""Writes on the core: the platform profile."""

from django.db import transaction

from . import permissions
from .audit import record_audit
from .models import Membership, Platform

PROFILE_FIELDS = Platform.PROFILE_REQUIRED_FIELDS


class NotAllowed(Exception):
    pass


@transaction.atomic
def update_platform_profile(*, actor: Membership, data: dict, request_meta: dict | None = None) -> Platform:
    """Save the platform profile; it is complete when every required field is filled in."""
    if not actor.can(permissions.EDIT_PLATFORM_PROFILE):
        raise NotAllowed("Only Administrators can change the platform profile.")
    platform = Platform.objects.select_for_update().get(pk=actor.platform_id)
    before = {field: getattr(platform, field) for field in PROFILE_FIELDS}
    for field in PROFILE_FIELDS:
        setattr(platform, field, data[field])
    platform.platform_profile_completed = platform.profile_is_filled()
    platform.save()
    after = {field: getattr(platform, field) for field in PROFILE_FIELDS}
    changed = [field for field in PROFILE_FIELDS if before[field] != after[field]]
    record_audit(
        actor=actor,
        action="platform.profile_updated",
        obj=platform,
        before={field: before[field] for field in changed},
        after={**{field: after[field] for field in changed}, "platform_profile_completed": platform.platform_profile_completed},
        request_meta=request_meta,
    )
    return platform
